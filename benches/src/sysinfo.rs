//! What the machine and the process look like: peak and current resident memory from
//! `/proc/self/status`, the CPU model from `/proc/cpuinfo`, and the number of CPUs.

/// Reads a `kB` field such as `VmHWM:    123456 kB` out of `/proc/self/status` text and
/// returns it in bytes.
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        let mut parts = rest.split_whitespace();
        let value: u64 = parts.next()?.parse().ok()?;
        match parts.next() {
            Some("kB") => Some(value * 1024),
            _ => None,
        }
    })
}

fn status_field(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_kib(&status, field)
}

/// The process's peak resident set size (`VmHWM`) in bytes; `None` off Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    status_field("VmHWM")
}

/// The process's current resident set size (`VmRSS`) in bytes.
pub fn rss_bytes() -> Option<u64> {
    status_field("VmRSS")
}

/// The CPU model name, as `lscpu` shows it.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// CPUs available to this process (`nproc`).
pub fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let status = "Name:\tload\nVmPeak:\t  999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(2 * 1024 * 1024));
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(1024 * 1024));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
        // A prefix of another field's name is not that field.
        assert_eq!(parse_status_kib("VmHWMX:\t5 kB\n", "VmHWM"), None);
        assert_eq!(parse_status_kib("VmHWM:\t5 MB\n", "VmHWM"), None);
    }

    #[test]
    fn this_process_has_a_peak() {
        if cfg!(target_os = "linux") {
            let peak = peak_rss_bytes().expect("VmHWM on Linux");
            assert!(peak >= rss_bytes().expect("VmRSS") / 2 && peak > 0);
        }
    }

    #[test]
    fn formats_mib() {
        assert_eq!(mib(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}
