//! Helpers shared by the integration tests: where the repository, its
//! committed models and the data outside it (`../shared`) are.

#![allow(dead_code)] // each test binary uses some of these

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed `models/` directory.
pub fn models() -> PathBuf {
    repo().join("models")
}

/// A file or directory under `../shared` (CoNLL-2003, the seed articles),
/// which lives outside the repository. Tests that read it are
/// `#[ignore = "needs ../shared ..."]`, so a plain `cargo test` leaves them
/// out and says so; CI (`.ci/run`) runs them with `--ignored`, and then a
/// missing file fails the test, naming it.
pub fn shared(relative: &str) -> PathBuf {
    let path = repo().join("../shared").join(relative);
    assert!(
        Path::new(&path).exists(),
        "{} is missing: this test needs ../shared (see README, \"Tests\")",
        path.display()
    );
    path
}

/// Runs the built `newstag` with `args` in `dir` and waits for it.
pub fn newstag(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newstag"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("newstag runs")
}

/// `fixtures/gold.jsonl`, the hand-labelled seed articles, as an argument.
pub fn fixture_gold() -> String {
    repo().join("fixtures/gold.jsonl").display().to_string()
}
