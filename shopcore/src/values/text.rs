//! Validation of free text that people type: names, reasons, descriptions. Every frontend
//! goes through these rules, so the store never holds empty, oversized or control-character
//! text, nor the Unicode direction overrides used to disguise text.

use crate::values::invalid::InvalidInput;

/// Limits for one kind of text field.
#[derive(Clone, Copy, Debug)]
pub struct TextRule {
    /// The field's name in error messages ("display name", "reason").
    pub field: &'static str,
    /// Maximum length in characters (Unicode scalar values), after trimming.
    pub chars_max: usize,
    /// Whether line breaks are allowed (descriptions, instructions).
    pub multiline: bool,
}

impl TextRule {
    /// A rule for one line of at most `chars_max` characters.
    pub const fn single_line(field: &'static str, chars_max: usize) -> TextRule {
        TextRule {
            field,
            chars_max,
            multiline: false,
        }
    }

    /// A rule for text of at most `chars_max` characters that may span lines (`\n` only).
    pub const fn multi_line(field: &'static str, chars_max: usize) -> TextRule {
        TextRule {
            field,
            chars_max,
            multiline: true,
        }
    }

    /// Trims surrounding whitespace and checks the rule; returns the text to store.
    ///
    /// Fails with [`InvalidInput::EmptyText`], [`InvalidInput::TextTooLong`] or
    /// [`InvalidInput::ForbiddenCharacter`] (control characters, `\r`, tabs, a line break in
    /// a single-line field, and the Unicode direction overrides and isolates that can
    /// disguise text; the plain direction marks Arabic uses are allowed).
    ///
    /// ```
    /// use shopcore::text::DISPLAY_NAME;
    ///
    /// assert_eq!(DISPLAY_NAME.check("  Layla  ").unwrap(), "Layla");
    /// assert!(DISPLAY_NAME.check("evil\u{202E}gnp.exe").is_err());
    /// ```
    pub fn check(&self, raw: &str) -> Result<String, InvalidInput> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(InvalidInput::EmptyText { field: self.field });
        }
        let chars = text.chars().count();
        if chars > self.chars_max {
            return Err(InvalidInput::TextTooLong {
                field: self.field,
                chars,
                chars_max: self.chars_max,
            });
        }
        if let Some(bad) = text.chars().find(|&c| !self.allowed(c)) {
            return Err(InvalidInput::ForbiddenCharacter {
                field: self.field,
                code_point: u32::from(bad),
            });
        }
        Ok(text.to_owned())
    }

    /// Makes text that a platform supplied (a Telegram display name) fit the rule: forbidden
    /// characters dropped (line breaks become spaces in single-line fields), surrounding
    /// whitespace trimmed, cut to `chars_max`. May return an empty string.
    pub fn sanitize(&self, raw: &str) -> String {
        let cleaned: String = raw
            .chars()
            .map(|c| if c == '\n' && !self.multiline { ' ' } else { c })
            .filter(|&c| self.allowed(c))
            .collect();
        cleaned
            .trim()
            .chars()
            .take(self.chars_max)
            .collect::<String>()
            .trim()
            .to_owned()
    }

    fn allowed(&self, c: char) -> bool {
        if c == '\n' {
            return self.multiline;
        }
        if c.is_control() {
            return false;
        }
        // Bidirectional embeddings, overrides and isolates can make text display as something
        // it is not (a classic trick with codes and amounts). The plain marks LRM/RLM/ALM, which
        // Arabic text legitimately uses, stay allowed.
        !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    }
}

/// Display names of people.
pub const DISPLAY_NAME: TextRule = TextRule::single_line("display name", 128);
/// Reasons for bans, rejections, adjustments and failures.
pub const REASON: TextRule = TextRule::multi_line("reason", 500);
/// A label for a system actor (the console, a migration).
pub const SYSTEM_ACTOR: TextRule = TextRule::single_line("system actor name", 64);
/// The support contact shown to shoppers.
pub const SUPPORT_CONTACT: TextRule = TextRule::single_line("support contact", 200);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_cases() {
        let rule = TextRule::single_line("name", 5);
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("abc", Ok("abc")),
            ("  abc  ", Ok("abc")),
            ("مرحبا", Ok("مرحبا")),
            ("\u{200F}abc", Ok("\u{200F}abc")),
            ("", Err("empty")),
            ("   ", Err("empty")),
            ("abcdef", Err("long")),
            ("a\nb", Err("char")),
            ("a\u{0007}b", Err("char")),
            ("a\u{202E}b", Err("char")),
            ("a\u{2066}b", Err("char")),
        ];
        for (input, expected) in cases {
            let got = rule.check(input);
            match (expected, &got) {
                (Ok(want), Ok(have)) => assert_eq!(want, have, "input {input:?}"),
                (Err("empty"), Err(InvalidInput::EmptyText { .. })) => {}
                (Err("long"), Err(InvalidInput::TextTooLong { chars: 6, .. })) => {}
                (Err("char"), Err(InvalidInput::ForbiddenCharacter { .. })) => {}
                _ => panic!("input {input:?}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn sanitize_makes_platform_text_fit() {
        let rule = TextRule::single_line("name", 5);
        assert_eq!(rule.sanitize(" a\u{202E}b\u{0}c\nd "), "abc d");
        assert_eq!(rule.sanitize("abcdefgh"), "abcde");
        assert_eq!(rule.sanitize("\u{7}"), "");
        for raw in ["x\u{202E}y", "  hello world ", "\n\n"] {
            let s = rule.sanitize(raw);
            assert!(s.is_empty() || rule.check(&s).is_ok(), "{raw:?} -> {s:?}");
        }
    }

    #[test]
    fn multiline_allows_newlines_only() {
        let rule = TextRule::multi_line("description", 50);
        assert_eq!(rule.check("line 1\nline 2").unwrap(), "line 1\nline 2");
        assert!(rule.check("tab\there").is_err());
        assert!(rule.check("cr\r\nlf").is_err());
    }
}
