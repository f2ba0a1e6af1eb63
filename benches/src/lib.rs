//! Shared pieces of the benchmarks and of the `load` program: latency statistics, peak
//! memory from `/proc`, the two same-run disk baselines (one `fsync` per 4 KiB write, and a
//! bare sled database flushed once per write), a SQLite baseline doing a minimal order
//! transaction, a shop fixture built through shopcore's public API only, and `load
//! --compare-ref` (another commit's `load` run beside this one).

pub mod baseline;
pub mod bigstore;
pub mod compare;
pub mod fixture;
pub mod sqlite_baseline;
pub mod stats;
pub mod sysinfo;

/// Which global allocator this build uses (benchmarks and `load` use mimalloc, as the shop's
/// binaries do, unless built with the `system-allocator` feature).
pub const ALLOCATOR: &str = if cfg!(feature = "system-allocator") {
    "system (glibc malloc)"
} else {
    "mimalloc"
};

/// Installs mimalloc as the global allocator of the binary that calls it (every benchmark
/// and `load`), unless the `system-allocator` feature is on.
#[macro_export]
macro_rules! use_shop_allocator {
    () => {
        #[cfg(not(feature = "system-allocator"))]
        #[global_allocator]
        static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
    };
}
