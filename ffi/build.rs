//! Gives the shared library a soname carrying the ABI version, so that a program linked
//! against ABI 1 never loads a library of another ABI.

/// Must equal `QRSEAL_ABI_VERSION` in src/lib.rs (a test checks the two agree).
const ABI_VERSION: u32 = 1;

fn main() {
    let target = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target == "linux" || target == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libqrseal.so.{ABI_VERSION}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
