//! The output file of a batch run, checked before anything is opened: an
//! output that is also one of the inputs would be emptied before it is read.

use std::path::{Path, PathBuf};

use crate::document::Format;
use crate::error::{Error, Result};
use crate::ingest::STDIN;

/// Refuses an output file that is one of `inputs` (the same file by device
/// and inode, whatever the path: `./in/../x.jsonl`, a symbolic or a hard
/// link), or that lies inside an input directory where the walk would read
/// it (it has an input extension). Nothing is opened or created.
pub fn refuse_input_as_output(inputs: &[PathBuf], output: &Path) -> Result<()> {
    let refuse = |input: &Path, relation: &'static str| {
        Err(Error::OutputIsInput {
            output: output.to_path_buf(),
            relation,
            input: input.to_path_buf(),
        })
    };
    let output_meta = std::fs::metadata(output).ok();
    let output_canonical = canonical_output(output);
    let walked = output
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
        .is_some();
    if inputs.iter().any(|p| p.as_os_str() == STDIN) {
        let stdin_meta = stdin_metadata();
        if let (Some(out), Some(stdin)) = (&output_meta, &stdin_meta) {
            if same_file(out, stdin) {
                return refuse(Path::new(STDIN), "is the standard input");
            }
        }
    }
    for input in inputs.iter().filter(|p| p.as_os_str() != STDIN) {
        let Ok(input_meta) = std::fs::metadata(input) else {
            continue; // a missing input gives its own error record
        };
        if input_meta.is_dir() {
            let inside = std::fs::canonicalize(input)
                .ok()
                .zip(output_canonical.as_ref())
                .is_some_and(|(dir, out)| out.starts_with(dir));
            if inside && walked {
                return refuse(input, "lies inside the input directory");
            }
        } else if output_meta
            .as_ref()
            .is_some_and(|out| same_file(out, &input_meta))
            || output_canonical.is_some() && std::fs::canonicalize(input).ok() == output_canonical
        {
            return refuse(input, "is the input");
        }
    }
    Ok(())
}

/// The output's absolute path with every link resolved, also when the file
/// does not exist yet (then its directory's).
fn canonical_output(output: &Path) -> Option<PathBuf> {
    if let Ok(path) = std::fs::canonicalize(output) {
        return Some(path);
    }
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(
        std::fs::canonicalize(parent)
            .ok()?
            .join(output.file_name()?),
    )
}

/// What standard input is (`newstag tag - -o x.jsonl < x.jsonl`).
#[cfg(unix)]
fn stdin_metadata() -> Option<std::fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    std::fs::File::from(fd).metadata().ok()
}

#[cfg(not(unix))]
fn stdin_metadata() -> Option<std::fs::Metadata> {
    None
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// What produced an output file, kept beside it in `OUT.newstag-run.json`
/// so that `--resume` continues only the run that made it: the inputs
/// (with size and modification time), the flags that change records, and
/// the engine with its model files' hashes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    /// The inputs in the order given.
    pub inputs: Vec<InputStamp>,
    /// The flags that change records, by name.
    pub flags: serde_json::Value,
    /// The engine as every record names it (see [`crate::engine::EngineInfo`]).
    pub engine: serde_json::Value,
}

/// One input as given on the command line, as it was when the run started.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputStamp {
    /// The canonical path (`-` for stdin, the path as given when missing).
    pub path: String,
    /// Size of a regular file.
    pub bytes: Option<u64>,
    /// Modification time, in nanoseconds since the Unix epoch.
    pub modified_ns: Option<u128>,
}

impl InputStamp {
    fn new(input: &Path) -> Self {
        if input.as_os_str() == STDIN {
            let path = STDIN.to_string();
            return Self {
                path,
                bytes: None,
                modified_ns: None,
            };
        }
        let meta = std::fs::metadata(input).ok();
        let path = std::fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
        Self {
            path: path.to_string_lossy().into_owned(),
            bytes: meta.as_ref().filter(|m| m.is_file()).map(|m| m.len()),
            modified_ns: meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos()),
        }
    }
}

impl RunRecord {
    /// The record of a run over `inputs` with `flags`, by `engine`.
    pub fn new(
        inputs: &[PathBuf],
        flags: serde_json::Value,
        engine: &crate::engine::EngineInfo,
    ) -> Self {
        Self {
            inputs: inputs.iter().map(|p| InputStamp::new(p)).collect(),
            flags,
            engine: serde_json::to_value(engine).expect("an engine description serializes"),
        }
    }

    /// Where the record of `output` lives: `OUT.newstag-run.json`.
    pub fn path_for(output: &Path) -> PathBuf {
        let mut name = output.as_os_str().to_owned();
        name.push(".newstag-run.json");
        PathBuf::from(name)
    }

    /// Writes the record beside `output`, whole or not at all. An output
    /// that is not a regular file (`/dev/full`, a fifo) cannot be resumed
    /// and gets none.
    pub fn write(&self, output: &Path) -> Result<()> {
        if !is_regular_or_missing(output) {
            return Ok(());
        }
        let path = Self::path_for(output);
        let json = serde_json::to_string_pretty(self).expect("a run record serializes");
        crate::datafile::write_whole(&path, json + "\n")
    }

    /// Checks that resuming into `output` continues the run this record
    /// describes. An output with records but no run record beside it is
    /// refused, since nothing says what produced it; an empty or missing
    /// output is a fresh start.
    pub fn check_resume(&self, output: &Path) -> Result<()> {
        if !is_regular_or_missing(output) {
            return Err(Error::Resume {
                output: output.to_path_buf(),
                reason: "not a regular file".to_string(),
            });
        }
        let path = Self::path_for(output);
        if std::fs::metadata(output).map_or(true, |m| m.len() == 0) {
            return Ok(()); // nothing to continue: a fresh start
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Resume {
                    output: output.to_path_buf(),
                    reason: format!(
                        "{} is missing, so what produced the output cannot be checked",
                        path.display()
                    ),
                })
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let mut old: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::record(
                &path,
                e.line(),
                "(record)",
                format!("not a run record: {e}"),
            )
        })?;
        let mut new = serde_json::to_value(self).expect("a run record serializes");
        // Model files count by content: the same files found elsewhere
        // (another --models, another working directory) make the same records.
        for record in [&mut old, &mut new] {
            drop_paths(&mut record["engine"]);
        }
        let mut differences = Vec::new();
        differ(&old, &new, String::new(), &mut differences);
        if differences.is_empty() {
            return Ok(());
        }
        let shown = differences.len().min(5);
        Err(Error::Resume {
            output: output.to_path_buf(),
            reason: format!(
                "it was produced by another run ({}): {}{}",
                path.display(),
                differences[..shown].join("; "),
                if differences.len() > shown {
                    format!("; and {} more", differences.len() - shown)
                } else {
                    String::new()
                }
            ),
        })
    }
}

/// Removes every `path` field below `value`.
fn drop_paths(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("path");
            map.values_mut().for_each(drop_paths);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_paths),
        _ => {}
    }
}

/// A JSON value for a message: whole when short, else cut with `…`.
fn brief(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn is_regular_or_missing(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |m| m.is_file())
}

/// Appends to `out` every place where `new` differs from `old`, as
/// `path: old → new`.
fn differ(old: &serde_json::Value, new: &serde_json::Value, at: String, out: &mut Vec<String>) {
    use serde_json::Value;
    let child = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (x, y) = (a.get(key), b.get(key));
                let null = Value::Null;
                differ(x.unwrap_or(&null), y.unwrap_or(&null), child(key), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differ(x, y, format!("{at}[{i}]"), out);
            }
        }
        _ if old != new => out.push(format!("{at}: {} → {}", brief(old), brief(new))),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_are_named_by_their_path() {
        let old = json!({"flags": {"no_text": false, "labels": []}, "inputs": [{"bytes": 1}]});
        let new = json!({"flags": {"no_text": true, "labels": []}, "inputs": [{"bytes": 2}, {}]});
        let mut found = Vec::new();
        differ(&old, &new, String::new(), &mut found);
        assert_eq!(
            found,
            [
                "flags.no_text: false → true",
                r#"inputs: [{"bytes":1}] → [{"bytes":2},{}]"#
            ]
        );
        found.clear();
        differ(&old, &old, String::new(), &mut found);
        assert!(found.is_empty());
    }
}
