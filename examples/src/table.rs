//! Plain-text tables for the console: columns padded to the widest cell, measured in terminal
//! columns (`unicode-width`, the crate rustyline measures the prompt line with), so Arabic
//! with vowel marks (combining marks take no column), emoji and CJK (two columns each) line
//! up with Latin text.
//!
//! A table crate (comfy-table, tabled) measures with the same crate, but brings borders and
//! styles the console doesn't want and a second notion of layout; this file is the layout.

use unicode_width::UnicodeWidthStr;

/// How many terminal columns `text` takes.
pub fn display_width(text: &str) -> usize {
    text.width()
}

/// Renders `rows` under `headers`.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let line = |cells: Vec<String>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .take(columns)
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(display_width(c));
                format!("{c}{}", " ".repeat(pad))
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect())];
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned(),
    );
    for row in rows {
        out.push(line(row.clone()));
    }
    if rows.is_empty() {
        out.push("(none)".into());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::{display_width, render};

    #[test]
    fn columns_line_up() {
        let t = render(
            &["id", "name"],
            &[
                vec!["1".into(), "سارة".into()],
                vec!["22".into(), "John".into()],
            ],
        );
        assert_eq!(t, "id  name\n--  ----\n1   سارة\n22  John");
        assert!(render(&["x"], &[]).ends_with("(none)"));
    }

    #[test]
    fn widths_of_marks_emoji_and_cjk() {
        // "مُحَمَّد": four letters and four combining marks (damma, fatha, shadda, fatha).
        assert_eq!("مُحَمَّد".chars().count(), 8);
        assert_eq!(display_width("مُحَمَّد"), 4);
        assert_eq!(display_width("🎮"), 2);
        assert_eq!(display_width("商店"), 4);
        assert_eq!(display_width("e\u{301}"), 1, "e + combining acute");
    }

    /// Every row, padded to the last column, takes the same number of terminal columns: the
    /// table lines up whatever the script. (Rows are trimmed at the end, so the test pads a
    /// last column that is always as wide as its header.)
    #[test]
    fn every_row_has_the_same_display_width() {
        let rows: Vec<Vec<String>> = [
            ["1", "مُحَمَّد الأَمِين", "PUBG 🎮 UC", "ok"],
            ["22", "John", "Steam $10", "ok"],
            ["333", "王小明", "原神 创世结晶", "ok"],
            ["4", "ليلى", "👍🏽 thumbs", "ok"],
            ["5", "Zoë", "café ☕", "ok"],
        ]
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
        let table = render(&["id", "name", "product", "st"], &rows);
        let widths: Vec<usize> = table.lines().map(display_width).collect();
        assert!(
            widths.iter().all(|w| *w == widths[0]),
            "{widths:?}\n{table}"
        );
        // And the padding really depends on the marks: the name column is as wide as the
        // widest name in columns, not in characters.
        assert_eq!(
            display_width(table.lines().nth(1).unwrap()),
            3 + 2
                + display_width("مُحَمَّد الأَمِين")
                + 2
                + display_width("原神 创世结晶")
                + 2
                + 2
        );
    }
}
