//! "Did you mean …?" for a mistyped console command or option: the nearest known words by
//! edit distance (`strsim`, the crate behind clap's own suggestions for misspelt flags).
//!
//! The console's commands are a table with hand-written argument rules, not clap
//! subcommands, so clap's mechanism can't see them; the same idea is applied here.

/// The known words nearest to `typed`: those at the smallest Damerau-Levenshtein distance
/// (a swap of two neighbours counts as one edit), if that distance is small for the word's
/// length (one edit per three characters, at least one); otherwise the words that start
/// with `typed` (`cat` → `category`). Case is ignored; the order of `known` is kept.
pub fn nearest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let typed = typed.to_lowercase();
    let limit = (typed.chars().count() / 3).max(1);
    let known: Vec<&str> = known.into_iter().collect();
    let distances: Vec<usize> = known
        .iter()
        .map(|k| strsim::damerau_levenshtein(&typed, &k.to_lowercase()))
        .collect();
    let best = distances.iter().copied().min().unwrap_or(usize::MAX);
    let mut out: Vec<&str> = if best <= limit {
        known
            .iter()
            .zip(&distances)
            .filter(|(_, d)| **d == best)
            .map(|(k, _)| *k)
            .collect()
    } else if typed.chars().count() >= 2 {
        known
            .iter()
            .copied()
            .filter(|k| k.to_lowercase().starts_with(&typed))
            .collect()
    } else {
        Vec::new()
    };
    let mut seen = Vec::new();
    out.retain(|k| {
        let new = !seen.contains(k);
        seen.push(*k);
        new
    });
    out.truncate(3);
    out
}

/// `; did you mean "a"?` or `; did you mean "a" or "b"?`, or nothing when there is no
/// candidate: appended to an "unknown …" message.
pub fn did_you_mean(candidates: &[&str]) -> String {
    let quoted: Vec<String> = candidates.iter().map(|c| format!("{c:?}")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::{did_you_mean, nearest};

    const WORDS: [&str; 9] = [
        "order", "mode", "state", "stats", "user", "verify", "category", "coupon", "help",
    ];

    #[test]
    fn nearest_words() {
        assert_eq!(nearest("ordr", WORDS), ["order"]);
        assert_eq!(nearest("Order", WORDS), ["order"]);
        assert_eq!(nearest("stat", WORDS), ["state", "stats"]);
        assert_eq!(nearest("verfiy", WORDS), ["verify"], "a swap is one edit");
        assert_eq!(nearest("hlep", WORDS), ["help"]);
        assert_eq!(nearest("usr", WORDS), ["user"]);
        assert_eq!(nearest("cat", WORDS), ["category"], "a prefix");
        assert!(nearest("frobnicate", WORDS).is_empty());
        assert!(nearest("x", WORDS).is_empty());
        assert!(nearest("", WORDS).is_empty());
    }

    #[test]
    fn messages() {
        assert_eq!(did_you_mean(&[]), "");
        assert_eq!(did_you_mean(&["order"]), "; did you mean \"order\"?");
        assert_eq!(
            did_you_mean(&["state", "stats"]),
            "; did you mean \"state\" or \"stats\"?"
        );
        assert_eq!(
            did_you_mean(&["a", "b", "c"]),
            "; did you mean \"a\", \"b\" or \"c\"?"
        );
    }
}
