//! Latency statistics: nearest-rank percentiles over recorded samples, medians of repeated
//! measurements, and formatting of durations in microseconds.

/// Latency samples in microseconds, summarized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of `sorted`, which must be sorted
/// ascending: the smallest sample with at least `p` percent of the samples at or below it.
/// `None` for no samples.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Sorts `samples` and summarizes them.
pub fn summarize(samples: &mut [u64]) -> Summary {
    samples.sort_unstable();
    Summary {
        count: samples.len(),
        p50_us: percentile(samples, 50.0).unwrap_or(0),
        p99_us: percentile(samples, 99.0).unwrap_or(0),
        max_us: samples.last().copied().unwrap_or(0),
    }
}

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
/// NaNs sort last.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Microseconds as a short human string: `850 µs`, `3.20 ms`, `1.50 s`.
pub fn fmt_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.2} ms", us as f64 / 1_000.0)
    } else {
        format!("{:.2} s", us as f64 / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        // Ten samples: p99 is the largest, p50 the fifth.
        let v: Vec<u64> = (10..20).collect();
        assert_eq!(percentile(&v, 99.0), Some(19));
        assert_eq!(percentile(&v, 50.0), Some(14));
    }

    #[test]
    fn summary_sorts_first() {
        let mut v = vec![5, 1, 4, 2, 3];
        let s = summarize(&mut v);
        assert_eq!(
            s,
            Summary {
                count: 5,
                p50_us: 3,
                p99_us: 5,
                max_us: 5
            }
        );
        assert_eq!(summarize(&mut []), Summary::default());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn formats_durations() {
        assert_eq!(fmt_us(850), "850 µs");
        assert_eq!(fmt_us(3_200), "3.20 ms");
        assert_eq!(fmt_us(1_500_000), "1.50 s");
    }
}
