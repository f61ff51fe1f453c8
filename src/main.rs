//! The `newstag` binary: parses flags, runs the library, maps errors to an
//! exit code (0 ok, 1 some records failed, 2 the run itself failed).

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("newstag: {err:#}");
            ExitCode::from(2)
        }
    }
}
