//! Dependencies flow one way: a module of the library uses only modules of
//! its own layer or of the layers below it, so that the crate reads top to
//! bottom as the pipeline runs and no cycle comes back. This test reads
//! every `crate::` path in `src/` (comments aside) and fails on one that
//! points up.

use std::fs;
use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest layer first. A module may use its
/// own layer and those listed before it.
const LAYERS: &[&[&str]] = &[
    // Foundations: errors, named enums, data files, hashed maps, spans,
    // case and accent folding, spools, model files, P/R/F1 counting,
    // logistic regression.
    &[
        "error", "names", "datafile", "hashed", "text", "fold", "spool", "models", "metrics",
        "logistic",
    ],
    &["tokenize"],
    &["sentence"],
    // The document as read, and once tokenised (`Tokenized`).
    &["document"],
    &["ingest"],
    &["ner"],
    &["resolve"],
    // The transformer engine's models: an entity recogniser (uses `ner`)
    // and the encoders that framing scores with.
    &["transformer"],
    &["frames"],
    // Configuration into stages.
    &["engine"],
    &["pipeline"],
    &["record"],
    &["batch"],
    // The output file of a run: refusing inputs as outputs, the run record
    // that `--resume` checks.
    &["output"],
    // Saved records read back (eval --pred, table, view).
    &["records"],
    &["eval"],
    // Analyst outputs from saved records: tables, the HTML view.
    &["table"],
    &["view"],
    // Learning frame classifiers from gold files (train-frames, eval --cv).
    &["learn"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The module each name that `src/lib.rs` re-exports comes from
/// (`pub use error::{Error, Result};` makes `crate::Error` a use of `error`).
fn reexports(src: &Path) -> Vec<(String, String)> {
    let lib = fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs is readable");
    let mut names = Vec::new();
    for line in lib.lines() {
        let Some(path) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_end_matches(';');
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.trim().rsplit("::").next().unwrap_or("");
            names.push((name.to_string(), module.to_string()));
        }
    }
    names
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate
/// root and the binary).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "cli")).then(|| name.to_string())
}

/// The top-level modules that `line` names after `crate::`, including each
/// of a `crate::{a, b::c}` group.
fn used_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        // `newstag_crate::` or `$crate::` are not paths of this crate.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let name = item.trim().split("::").next().unwrap_or("");
                if !name.is_empty() {
                    found.push(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

#[test]
fn every_module_uses_only_its_layer_and_those_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let reexported = reexports(&src);
    let mut unplaced = Vec::new();
    let mut upward = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(own) = layer_of(&module) else {
            unplaced.push(format!("{} (module `{module}`)", file.display()));
            continue;
        };
        let text = fs::read_to_string(file).expect("source file is readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for used in used_modules(code) {
                let used = match reexported.iter().find(|(name, _)| *name == used) {
                    Some((_, module)) => module.clone(),
                    None => used,
                };
                match layer_of(&used) {
                    Some(layer) if layer <= own => {}
                    Some(_) => upward.push(format!(
                        "{}:{}: `{module}` uses `{used}`, a layer above it",
                        file.display(),
                        n + 1
                    )),
                    None => unplaced.push(format!(
                        "{}:{} (uses module `{used}`)",
                        file.display(),
                        n + 1
                    )),
                }
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS in tests/architecture.rs; place them:\n{}",
        unplaced.join("\n")
    );
    assert!(
        upward.is_empty(),
        "imports against the layer order (see LAYERS in tests/architecture.rs):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_scanner_reads_single_and_grouped_paths() {
    assert_eq!(used_modules("use crate::ner::EntityLabel;"), ["ner"]);
    assert_eq!(
        used_modules("use crate::{error::Result, text::Span};"),
        ["error", "text"]
    );
    assert_eq!(
        used_modules("    crate::frames::aggregate(&self.frames)"),
        ["frames"]
    );
    assert!(used_modules("macro_rules! m { () => { $crate::x } }").is_empty());
    assert_eq!(layer_of("document"), Some(3));
    assert!(layer_of("pipeline") > layer_of("engine"));
}
