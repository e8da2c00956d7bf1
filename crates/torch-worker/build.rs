//! Embeds libtorch's folder as an rpath, so the worker finds libtorch without
//! LD_LIBRARY_PATH (another machine's libtorch can still be chosen with it).
fn main() {
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
