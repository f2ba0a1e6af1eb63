//! Every text a shopper sees, in English and Arabic. The locale files (`en.txt`, `ar.txt`)
//! are simple `key = value` lines compiled into the binary; `{name}` marks a placeholder and
//! `\n` a line break. In Arabic every substituted value is wrapped in Unicode isolates
//! (FSI … PDI), so numbers, codes and Latin names keep their own direction inside
//! right-to-left text (values that already hold isolates are inserted as they are).

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// First Strong Isolate: the enclosed text takes the direction of its first strong letter.
pub const FSI: char = '\u{2068}';
/// Pop Directional Isolate: ends an isolate.
pub const PDI: char = '\u{2069}';

const EN_SOURCE: &str = include_str!("en.txt");
const AR_SOURCE: &str = include_str!("ar.txt");

/// A language the bot speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ar];

    /// The language for a code such as Telegram's `language_code` ("ar", "ar-SA", "en-GB").
    /// Arabic for any Arabic variant; English otherwise.
    pub fn from_code(code: &str) -> Lang {
        let code = code.trim().to_ascii_lowercase();
        if code == "ar" || code.starts_with("ar-") || code.starts_with("ar_") {
            Lang::Ar
        } else {
            Lang::En
        }
    }

    /// The code stored as the shopper's preferred language.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    fn catalog(self) -> &'static Catalog {
        match self {
            Lang::En => &EN,
            Lang::Ar => &AR,
        }
    }

    /// Whether `key` exists in this language's file.
    pub fn has(self, key: &str) -> bool {
        self.catalog().entries.contains_key(key)
    }

    /// The text for `key`, which has no placeholders (one with placeholders is a bug here:
    /// debug builds panic, see [`Lang::tf`]). A missing key shows the key itself (and a
    /// test keeps that from happening: every key the code uses exists in both files).
    pub fn t(self, key: &str) -> String {
        let text = self.raw(key);
        if !placeholders(&text).is_empty() {
            debug_assert!(false, "{key} has placeholders; it needs tf");
            tracing::error!(key, "a text with placeholders shown without values");
        }
        text
    }

    fn raw(self, key: &str) -> String {
        match self.catalog().entries.get(key) {
            Some(text) => text.clone(),
            None => {
                tracing::error!(key, lang = self.code(), "missing locale key");
                key.to_owned()
            }
        }
    }

    /// The text for `key` with its `{name}` placeholders filled from `args`.
    /// A placeholder without a value is a bug: debug builds (the tests) panic on it,
    /// release builds log it and show the placeholder.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let template = self.raw(key);
        fill(self, key, &template, args)
    }

    /// Wraps a value for display inside text of this language (an isolate in Arabic).
    pub fn isolate(self, value: &str) -> String {
        match self {
            Lang::En => value.to_owned(),
            Lang::Ar => format!("{FSI}{value}{PDI}"),
        }
    }
}

fn fill(lang: Lang, key: &str, template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    // A value composed by `tf` already isolates its parts; wrapping it
                    // again would only nest isolates.
                    Some((_, value)) if value.contains(FSI) => out.push_str(value),
                    Some((_, value)) => out.push_str(&lang.isolate(value)),
                    None => {
                        debug_assert!(false, "{key}: no value for the placeholder {{{name}}}");
                        tracing::error!(key, name, "missing placeholder value");
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// One parsed locale file.
#[derive(Debug)]
pub struct Catalog {
    pub entries: BTreeMap<String, String>,
}

static EN: LazyLock<Catalog> = LazyLock::new(|| parse(EN_SOURCE).expect("en.txt parses"));
static AR: LazyLock<Catalog> = LazyLock::new(|| parse(AR_SOURCE).expect("ar.txt parses"));

/// The raw text of a locale file, for tests.
pub fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => EN_SOURCE,
        Lang::Ar => AR_SOURCE,
    }
}

/// Parses `key = value` lines; `#` starts a comment line; `\n` in a value is a line break.
/// Refuses duplicate keys and lines without ` = `.
pub fn parse(source: &str) -> Result<Catalog, String> {
    let mut entries = BTreeMap::new();
    for (number, line) in source.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(" = ") else {
            return Err(format!("line {}: expected `key = value`", number + 1));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        {
            return Err(format!("line {}: bad key {key:?}", number + 1));
        }
        let value = value.trim().replace("\\n", "\n");
        if entries.insert(key.to_owned(), value).is_some() {
            return Err(format!("line {}: duplicate key {key}", number + 1));
        }
    }
    Ok(Catalog { entries })
}

/// Whether `key`'s text in `lang` has placeholders to fill.
pub fn has_placeholders(lang: Lang, key: &str) -> bool {
    lang.catalog()
        .entries
        .get(key)
        .is_some_and(|text| !placeholders(text).is_empty())
}

/// The `{name}` placeholders of a template, sorted.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].to_owned());
        rest = &after[close + 1..];
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_isolates_in_arabic() {
        assert_eq!(
            fill(Lang::En, "k", "a {x} b {y}", &[("x", "1"), ("y", "2")]),
            "a 1 b 2"
        );
        assert_eq!(
            fill(Lang::Ar, "k", "رصيدك {x}", &[("x", "12.50 USD")]),
            "رصيدك \u{2068}12.50 USD\u{2069}"
        );
        assert_eq!(fill(Lang::En, "k", "no {close", &[]), "no {close");
    }

    #[test]
    fn language_codes() {
        assert_eq!(Lang::from_code("ar"), Lang::Ar);
        assert_eq!(Lang::from_code("AR-sa"), Lang::Ar);
        assert_eq!(Lang::from_code("en-GB"), Lang::En);
        assert_eq!(Lang::from_code("arn"), Lang::En);
        assert_eq!(Lang::from_code(""), Lang::En);
    }

    #[test]
    fn parser_refuses_bad_lines() {
        assert!(parse("a = 1\na = 2").is_err());
        assert!(parse("novalue").is_err());
        assert!(parse("Bad Key = x").is_err());
        assert_eq!(parse("# c\n\na.b = x\\ny").unwrap().entries["a.b"], "x\ny");
    }
}
