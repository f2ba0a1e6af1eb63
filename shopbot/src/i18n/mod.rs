//! Every text a person sees, in every language the shop speaks, with
//! [Project Fluent](https://projectfluent.org) (`fluent-bundle`, Mozilla's implementation):
//! CLDR plural rules, select expressions and variables (`{ $name }`).
//!
//! A language is a folder `shopbot/locales/<code>/` of `.ftl` files, embedded into the binary
//! by the build script: adding a folder adds a language, with no code change. English (`en`)
//! must exist; it is the fallback for a message a language lacks (a test keeps every
//! language complete). Each language names itself (`language-name`) and its writing
//! direction (`language-direction = rtl` or `ltr`). In right-to-left languages every value
//! put into a text is wrapped in Unicode isolates (FSI … PDI), so numbers, codes and Latin
//! names keep their own direction (a value that already holds isolates, composed by an
//! earlier `tf`, is put in as it is); left-to-right languages get none.
//!
//! Values are passed as text. A value that a message uses to choose a variant (its plural
//! form: `{ $count -> [one] … *[other] … }`) is read as a number; every other value is
//! shown exactly as given, so a code such as `007` keeps its zeros.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use intl_memoizer::concurrent::IntlLangMemoizer;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use unic_langid::LanguageIdentifier;

/// First Strong Isolate: the enclosed text takes the direction of its first strong letter.
pub const FSI: char = '\u{2068}';
/// Pop Directional Isolate: ends an isolate.
pub const PDI: char = '\u{2069}';

mod sources {
    include!(concat!(env!("OUT_DIR"), "/locales.rs"));
}

/// A language the bot speaks: one of the locale folders.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(u8);

impl std::fmt::Debug for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lang({})", self.code())
    }
}

struct Language {
    code: String,
    rtl: bool,
    bundle: FluentBundle<FluentResource>,
    /// Per message, the variables it uses, and those that choose a variant.
    variables: BTreeMap<String, Variables>,
    files: &'static [(&'static str, &'static str)],
}

#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct Variables {
    /// Every variable the message names, in any variant.
    pub used: BTreeSet<String>,
    /// The variables a select expression reads (shown plural forms are chosen by them).
    pub selectors: BTreeSet<String>,
}

static LANGUAGES: LazyLock<Vec<Language>> = LazyLock::new(|| match load() {
    Ok(languages) => languages,
    Err(problem) => panic!("the locale files are broken: {problem}"),
});

/// Reads every language folder; English first, then by code. An error names the file.
fn load() -> Result<Vec<Language>, String> {
    let mut languages = Vec::new();
    for (code, files) in sources::SOURCES {
        let id: LanguageIdentifier = code
            .parse()
            .map_err(|_| format!("locales/{code}: not a language code"))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        let mut variables = BTreeMap::new();
        for (name, text) in *files {
            let resource = FluentResource::try_new((*text).to_owned())
                .map_err(|(_, errors)| format!("locales/{code}/{name}: {errors:?}"))?;
            for entry in resource.entries() {
                if let ast::Entry::Message(message) = entry {
                    let mut found = Variables::default();
                    if let Some(value) = &message.value {
                        collect_pattern(value, &mut found);
                    }
                    variables.insert(message.id.name.to_owned(), found);
                }
            }
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("locales/{code}/{name}: {errors:?}"))?;
        }
        let direction = format_message(&bundle, "language-direction", None);
        let rtl = match direction.as_deref() {
            Some("rtl") => true,
            Some("ltr") => false,
            _ => {
                return Err(format!(
                    "locales/{code}: `language-direction` must be `ltr` or `rtl`"
                ));
            }
        };
        // Isolation is ours rather than Fluent's: a value composed of isolated parts
        // (an amount with its USD worth) is not wrapped a second time.
        bundle.set_use_isolating(false);
        if rtl {
            bundle.set_formatter(Some(isolate_value));
        }
        languages.push(Language {
            code: (*code).to_owned(),
            rtl,
            bundle,
            variables,
            files,
        });
    }
    languages.sort_by(|a, b| (a.code != "en", &a.code).cmp(&(b.code != "en", &b.code)));
    if languages.first().is_none_or(|l| l.code != "en") {
        return Err("locales/en is missing: English is the fallback".to_owned());
    }
    if languages.len() > usize::from(u8::MAX) {
        return Err("too many languages".to_owned());
    }
    Ok(languages)
}

/// Writes a value into right-to-left text: inside an isolate, unless it already holds one.
fn isolate_value(value: &FluentValue, _: &IntlLangMemoizer) -> Option<String> {
    match value {
        FluentValue::String(text) if text.contains(FSI) => None,
        FluentValue::String(text) => Some(format!("{FSI}{text}{PDI}")),
        FluentValue::Number(number) => Some(format!("{FSI}{}{PDI}", number.as_string())),
        _ => None,
    }
}

fn collect_pattern(pattern: &ast::Pattern<&str>, found: &mut Variables) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            collect_expression(expression, found);
        }
    }
}

fn collect_expression(expression: &ast::Expression<&str>, found: &mut Variables) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            if let ast::InlineExpression::VariableReference { id } = selector {
                found.selectors.insert(id.name.to_owned());
            }
            collect_inline(selector, found);
            for variant in variants {
                collect_pattern(&variant.value, found);
            }
        }
        ast::Expression::Inline(inline) => collect_inline(inline, found),
    }
}

fn collect_inline(inline: &ast::InlineExpression<&str>, found: &mut Variables) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            found.used.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. }
        | ast::InlineExpression::TermReference {
            arguments: Some(arguments),
            ..
        } => {
            for argument in &arguments.positional {
                collect_inline(argument, found);
            }
            for named in &arguments.named {
                collect_inline(&named.value, found);
            }
        }
        ast::InlineExpression::Placeable { expression } => collect_expression(expression, found),
        _ => {}
    }
}

/// Formats one message; `None` if the bundle lacks it or formatting failed (a variable
/// without a value), after reporting the failure.
fn format_message(
    bundle: &FluentBundle<FluentResource>,
    key: &str,
    args: Option<&FluentArgs>,
) -> Option<String> {
    let message = bundle.get_message(key)?;
    let pattern = message.value()?;
    let mut errors = Vec::new();
    let mut text = String::new();
    // `write_pattern`, not `format_pattern`: the latter passes the whole result through the
    // value formatter, which would isolate the entire message.
    if bundle
        .write_pattern(&mut text, pattern, args, &mut errors)
        .is_err()
    {
        return None;
    }
    if !errors.is_empty() {
        debug_assert!(false, "{key}: {errors:?}");
        tracing::error!(key, ?errors, "a text formatted with errors");
    }
    Some(text)
}

impl Lang {
    /// English: always present, the fallback.
    pub const EN: Lang = Lang(0);

    fn language(self) -> &'static Language {
        &LANGUAGES[usize::from(self.0)]
    }

    /// Every language, English first.
    pub fn all() -> impl Iterator<Item = Lang> {
        (0..LANGUAGES.len()).map(|i| Lang(i as u8))
    }

    /// The language with exactly this code (`"ar"`, `"pt-BR"`), if the shop speaks it.
    pub fn parse(code: &str) -> Option<Lang> {
        LANGUAGES
            .iter()
            .position(|l| l.code.eq_ignore_ascii_case(code))
            .map(|i| Lang(i as u8))
    }

    /// The language for a code such as Telegram's `language_code` ("ar", "ar-SA", "en-GB",
    /// "pt_BR"): the exact language if shipped, else the one of the same primary language,
    /// else English.
    pub fn from_code(code: &str) -> Lang {
        let code = code.trim().replace('_', "-");
        if let Some(lang) = Lang::parse(&code) {
            return lang;
        }
        let primary = code.split('-').next().unwrap_or_default();
        Lang::all()
            .find(|l| {
                l.code()
                    .split('-')
                    .next()
                    .is_some_and(|p| !primary.is_empty() && p.eq_ignore_ascii_case(primary))
            })
            .unwrap_or(Lang::EN)
    }

    /// The code stored as the shopper's preferred language (the folder's name).
    pub fn code(self) -> &'static str {
        &self.language().code
    }

    /// Whether the language is written right to left.
    pub fn is_rtl(self) -> bool {
        self.language().rtl
    }

    /// The language's own name, as its speakers write it.
    pub fn name(self) -> String {
        self.t("language-name")
    }

    /// Whether this language has a message `key`.
    pub fn has(self, key: &str) -> bool {
        self.language().bundle.has_message(key)
    }

    /// The variables of message `key` in this language.
    pub fn variables(self, key: &str) -> Option<&'static Variables> {
        self.language().variables.get(key)
    }

    /// The message ids of this language.
    pub fn keys(self) -> impl Iterator<Item = &'static str> {
        self.language().variables.keys().map(String::as_str)
    }

    /// The language's `.ftl` files: (name, text), for tests.
    pub fn files(self) -> &'static [(&'static str, &'static str)] {
        self.language().files
    }

    /// The text for `key`, which has no variables (one with variables is a bug here:
    /// debug builds panic, see [`Lang::tf`]).
    pub fn t(self, key: &str) -> String {
        self.tf(key, &[])
    }

    /// The text for `key` with its variables filled from `args`. A variable without a value
    /// is a bug: debug builds (the tests) panic on it, release builds log it and show the
    /// variable's name. A key this language lacks falls back to English, then to the key.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut lang = self;
        if !self.has(key) {
            debug_assert!(false, "missing locale key {key} in {}", self.code());
            tracing::error!(key, lang = self.code(), "missing locale key");
            if !Lang::EN.has(key) {
                return key.to_owned();
            }
            lang = Lang::EN;
        }
        let language = lang.language();
        let selectors = language.variables.get(key).map(|v| &v.selectors);
        let mut fluent = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let chooses = selectors.is_some_and(|s| s.contains(*name));
            let value = if chooses {
                let number = FluentValue::try_number(value);
                debug_assert!(
                    matches!(number, FluentValue::Number(_)),
                    "{key}: ${name} chooses a plural form but {value:?} is not a number"
                );
                number
            } else {
                FluentValue::from(*value)
            };
            fluent.set(*name, value);
        }
        format_message(&language.bundle, key, Some(&fluent)).unwrap_or_else(|| key.to_owned())
    }

    /// Wraps a value for display inside text of this language (an isolate when the
    /// language is written right to left).
    pub fn isolate(self, value: &str) -> String {
        if self.is_rtl() {
            format!("{FSI}{value}{PDI}")
        } else {
            value.to_owned()
        }
    }
}

/// The message id for a core error's kind (`wallet.insufficient_balance` →
/// `error-wallet-insufficient_balance`): Fluent ids have no dots.
pub fn error_key(kind: &str) -> String {
    format!("error-{}", kind.replace('.', "-"))
}

/// Whether `key`'s text in `lang` has variables to fill.
pub fn has_placeholders(lang: Lang, key: &str) -> bool {
    lang.variables(key).is_some_and(|v| !v.used.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ar() -> Lang {
        Lang::parse("ar").expect("Arabic ships")
    }

    #[test]
    fn fills_variables_and_isolates_in_right_to_left_languages() {
        let en = Lang::EN.tf("wallet-balance", &[("balance", "12.50 USD")]);
        assert!(en.contains("12.50 USD") && !en.contains(FSI), "{en:?}");
        let ar = ar().tf("wallet-balance", &[("balance", "12.50 USD")]);
        assert!(ar.contains("\u{2068}12.50 USD\u{2069}"), "{ar:?}");
    }

    #[test]
    fn language_codes() {
        assert_eq!(Lang::from_code("ar"), ar());
        assert_eq!(Lang::from_code("AR-sa"), ar());
        assert_eq!(Lang::from_code("ar_EG"), ar());
        assert_eq!(Lang::from_code("en-GB"), Lang::EN);
        assert_eq!(Lang::from_code("arn"), Lang::EN);
        assert_eq!(Lang::from_code(""), Lang::EN);
        assert_eq!(Lang::parse("xx"), None);
        assert_eq!(Lang::all().next(), Some(Lang::EN));
        assert!(ar().is_rtl() && !Lang::EN.is_rtl());
    }

    #[test]
    fn finds_variables_in_every_variant() {
        let resource = FluentResource::try_new(
            "m = { $count ->\n    [one] one { $name }\n   *[other] { $count } { $other }\n}\n"
                .to_owned(),
        )
        .expect("parses");
        let mut found = Variables::default();
        for entry in resource.entries() {
            if let ast::Entry::Message(m) = entry {
                collect_pattern(m.value.as_ref().expect("value"), &mut found);
            }
        }
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(found.used, names(&["count", "name", "other"]));
        assert_eq!(found.selectors, names(&["count"]));
    }
}
