//! Build script: with the `transformers` feature, embeds the directory of the
//! libtorch that tch linked against as an rpath, so the binary and the tests
//! find libtorch at run time without LD_LIBRARY_PATH. Without the feature it
//! does nothing.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_TRANSFORMERS").is_none() {
        return;
    }
    // torch-sys declares `links = "tch"` and prints `cargo:libtorch_lib=DIR`;
    // cargo hands that to direct dependents as DEP_TCH_LIBTORCH_LIB.
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    match std::env::var("DEP_TCH_LIBTORCH_LIB") {
        Ok(dir) if !dir.is_empty() => {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
        _ => println!(
            "cargo:warning=torch-sys did not report its libtorch directory; set LD_LIBRARY_PATH to libtorch's lib/ at run time"
        ),
    }
}
