//! The locale folders: every language has the messages English has, with the same
//! variables; every message is used by the code; plural forms follow each language's rules;
//! every error a shopper can meet has its own message.

use shopbot::i18n::{self, FSI, Lang, PDI};
use std::collections::BTreeSet;

fn keys(lang: Lang) -> BTreeSet<String> {
    lang.keys().map(str::to_owned).collect()
}

fn arabic() -> Lang {
    crate::common::arabic()
}

#[test]
fn the_shop_speaks_five_languages_with_english_first() {
    // Shipped: these five (a folder added later is a sixth, with no change here).
    let codes: Vec<_> = Lang::all().map(Lang::code).collect();
    assert_eq!(codes[0], "en");
    for code in ["ar", "fa", "ru", "tr"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    for (code, rtl) in [
        ("en", false),
        ("ar", true),
        ("fa", true),
        ("ru", false),
        ("tr", false),
    ] {
        assert_eq!(Lang::parse(code).expect("shipped").is_rtl(), rtl, "{code}");
    }
}

#[test]
fn every_language_has_the_same_messages_and_variables() {
    let english = keys(Lang::EN);
    assert!(
        english.len() > 500,
        "only {} English messages",
        english.len()
    );
    for lang in Lang::all().skip(1) {
        let own = keys(lang);
        let missing: Vec<_> = english.difference(&own).collect();
        let extra: Vec<_> = own.difference(&english).collect();
        assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{lang:?} has messages English lacks: {extra:?}"
        );
        for key in &english {
            let en = Lang::EN.variables(key).expect("English message");
            let other = lang.variables(key).expect("message");
            assert_eq!(
                en.used, other.used,
                "{lang:?} {key}: variables differ from English"
            );
        }
    }
}

/// The text of every `.rs` and `.html` file of `src/` and `templates/`, with its path.
fn sources() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("src"), root.join("templates")];
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                let text = std::fs::read_to_string(&path).expect("read source");
                out.push((path, text));
            }
        }
    }
    out
}

/// Every string literal of `src/` and `templates/` that names a message.
fn keys_named_in_code(known: &BTreeSet<String>) -> BTreeSet<String> {
    let sources = sources();
    known
        .iter()
        .filter(|key| {
            let quoted = format!("\"{key}\"");
            sources.iter().any(|(_, text)| text.contains(&quoted))
        })
        .cloned()
        .collect()
}

#[test]
fn every_message_is_used_and_every_key_the_code_uses_exists() {
    let english = keys(Lang::EN);
    let mut used = keys_named_in_code(&english);
    assert!(used.len() > 400, "the scan found only {} keys", used.len());
    let computed = computed_keys();
    let missing: Vec<_> = computed.iter().filter(|k| !english.contains(*k)).collect();
    assert!(missing.is_empty(), "computed keys missing: {missing:?}");
    used.extend(computed);
    used.insert("language-direction".to_owned());
    let unused: Vec<_> = english.difference(&used).collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}

#[test]
fn a_literal_key_the_code_names_exists() {
    // Literals passed to `.t(`, `.tf(` and `.has(` must be messages.
    let english = keys(Lang::EN);
    let mut missing = Vec::new();
    for (path, text) in sources() {
        for marker in [".t(", ".tf(", ".has("] {
            for (at, _) in text.match_indices(marker) {
                let rest = text[at + marker.len()..].trim_start();
                if let Some(literal) = rest.strip_prefix('"')
                    && let Some(end) = literal.find('"')
                    && !english.contains(&literal[..end])
                {
                    missing.push(format!("{}: {}", path.display(), &literal[..end]));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys used in code but missing: {missing:?}"
    );
}

/// Keys the code builds from a name (`status-<name>`, `error-<kind>` …).
fn computed_keys() -> BTreeSet<String> {
    let mut computed: BTreeSet<String> = shopbot::render::SHOPPER_ERROR_KINDS
        .iter()
        .map(|k| i18n::error_key(k))
        .collect();
    computed.extend(
        shopcore::OrderStatus::ALL
            .iter()
            .map(|s| format!("status-{}", s.name())),
    );
    computed.extend(
        [
            shopcore::LedgerKind::Topup,
            shopcore::LedgerKind::Purchase,
            shopcore::LedgerKind::Refund,
            shopcore::LedgerKind::Adjustment,
            shopcore::LedgerKind::Payment,
            shopcore::LedgerKind::Invoice,
            shopcore::LedgerKind::ProviderRefund,
        ]
        .iter()
        .map(|k| format!("ledger-{}", k.name().to_ascii_lowercase())),
    );
    computed.extend(
        [
            shopcore::TopupStatus::Pending,
            shopcore::TopupStatus::Approved,
            shopcore::TopupStatus::Rejected,
        ]
        .iter()
        .map(|s| format!("topup_status-{}", s.name())),
    );
    computed.extend(
        shopcore::analytics::Route::ALL
            .iter()
            .map(|r| format!("route-{}", r.name())),
    );
    computed.extend(
        shopcore::InvoiceStatus::ALL
            .iter()
            .map(|s| format!("invoice_status-{}", s.name())),
    );
    computed.extend(
        shopcore::Provider::ALL
            .iter()
            .map(|p| format!("provider-{}", p.name())),
    );
    computed.extend(
        shopbot::render::staff::STAFF_ERROR_KINDS
            .iter()
            .map(|k| i18n::error_key(k)),
    );
    computed.extend(
        shopcore::Role::ALL
            .iter()
            .map(|r| format!("role-{}", r.name())),
    );
    computed.extend(
        shopcore::ProductKind::ALL
            .iter()
            .map(|k| format!("kind-{}", k.name())),
    );
    for field in shopbot::callback::ProductField::ALL {
        computed.insert(format!("staff-field-{}", field.name()));
    }
    for field in [
        shopbot::callback::ProductField::Name,
        shopbot::callback::ProductField::Description,
        shopbot::callback::ProductField::Price,
        shopbot::callback::ProductField::Stock,
        shopbot::callback::ProductField::PlayerRule,
        shopbot::callback::ProductField::Sku,
    ] {
        computed.insert(format!("staff-ask-{}", field.name()));
    }
    for field in shopbot::callback::MethodField::ALL {
        computed.insert(format!("staff-method_field-{}", field.name()));
        computed.insert(format!("staff-method_ask-{}", field.name()));
    }
    for state in shopcore::StoreState::ALL {
        computed.insert(format!("store_state-{}", state.name()));
    }
    for mode in shopcore::FulfilmentMode::ALL {
        computed.insert(format!("fulfilment-{}", mode.name()));
    }
    for delivery in ["manual", "codes", "supplier"] {
        computed.insert(format!("delivery-{delivery}"));
    }
    computed
}

#[test]
fn arabic_isolates_every_value_and_english_does_not() {
    let ar = arabic().tf("wallet-balance", &[("balance", "12.50 USD")]);
    assert!(ar.contains(&format!("{FSI}12.50 USD{PDI}")), "{ar:?}");
    let en = Lang::EN.tf("wallet-balance", &[("balance", "12.50 USD")]);
    assert!(!en.contains(FSI) && en.contains("12.50 USD"), "{en:?}");
    // The locale files themselves hold no direction controls: isolates come only from code.
    for lang in Lang::all() {
        for (name, text) in lang.files() {
            assert!(
                !text
                    .chars()
                    .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                "{lang:?} {name} contains bidi controls"
            );
        }
    }
}

#[test]
fn plural_forms_follow_each_language() {
    let revoked = |lang: Lang, n: u32| lang.tf("staff-codes-revoked", &[("count", &n.to_string())]);
    assert_eq!(revoked(Lang::EN, 1), "🧹 One code removed.");
    assert_eq!(revoked(Lang::EN, 11), "🧹 11 codes removed.");
    assert_eq!(revoked(Lang::EN, 0), "🧹 0 codes removed.");
    // Arabic has six forms: 0, 1, 2, 3-10, 11-99, 100 and up.
    let forms: BTreeSet<_> = [0, 1, 2, 3, 11, 100]
        .into_iter()
        .map(|n| revoked(arabic(), n).replace(&n.to_string(), "#"))
        .collect();
    assert_eq!(forms.len(), 6, "{forms:?}");
    assert_eq!(
        revoked(arabic(), 3).replace(&n_isolated(3), "#"),
        revoked(arabic(), 7).replace(&n_isolated(7), "#")
    );
    assert_eq!(
        revoked(arabic(), 12).replace(&n_isolated(12), "#"),
        revoked(arabic(), 99).replace(&n_isolated(99), "#")
    );
    // The number printed in a right-to-left text is isolated like any value.
    assert!(revoked(arabic(), 5).contains(&n_isolated(5)));
}

fn n_isolated(n: u32) -> String {
    format!("{FSI}{n}{PDI}")
}

#[test]
fn values_that_do_not_choose_a_form_are_shown_as_given() {
    // `name` is shown, never read as a number: its zeros stay.
    let text = Lang::EN.tf(
        "staff-codes-revoke_confirm",
        &[("count", "2"), ("name", "007")],
    );
    assert_eq!(text, "Remove all 2 codes from the pool of 007?");
    let minutes =
        |m: &str| Lang::EN.tf("web-link-message", &[("link", "https://x"), ("minutes", m)]);
    assert!(minutes("1").contains("for one minute."), "{}", minutes("1"));
    assert!(
        minutes("15").contains("for 15 minutes."),
        "{}",
        minutes("15")
    );
}
