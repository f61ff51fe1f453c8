//! The `newstag` binary: parses flags, runs the library, maps errors to an
//! exit code (0 ok, 1 some records failed, 2 the run itself failed).

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("newstag: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, `: `-separated, each once. The library's
/// errors end their own message with their source's (`path: what the
/// system said`), which a plain `{:#}` would print a second time.
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
