//! Plain-text tables for the console: columns padded to the widest cell, counted in
//! characters so Arabic and other non-ASCII text lines up in terminals that render it.

/// Renders `rows` under `headers`.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(c.chars().count());
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
            .join("  "),
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
    #[test]
    fn columns_line_up() {
        let t = super::render(
            &["id", "name"],
            &[
                vec!["1".into(), "سارة".into()],
                vec!["22".into(), "John".into()],
            ],
        );
        assert_eq!(t, "id  name\n--  ----\n1   سارة\n22  John");
        assert!(super::render(&["x"], &[]).ends_with("(none)"));
    }
}
