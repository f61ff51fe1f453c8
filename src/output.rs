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
    let refuse = |input: &Path, why: &str| {
        Err(Error::Config(format!(
            "output {} {why} {}; choose another output file (nothing was written)",
            output.display(),
            input.display()
        )))
    };
    let output_meta = std::fs::metadata(output).ok();
    let output_canonical = canonical_output(output);
    let walked = output
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
        .is_some();
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

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}
