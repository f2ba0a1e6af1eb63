//! Shared pieces of the benchmarks and of the `load` program: latency statistics, peak
//! memory from `/proc`, the two same-run disk baselines (one `fsync` per 4 KiB write, and a
//! bare sled database flushed once per write), and a shop fixture built through shopcore's
//! public API only.

pub mod baseline;
pub mod fixture;
pub mod stats;
pub mod sysinfo;
