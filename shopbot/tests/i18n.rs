//! The locale files: the same keys and the same placeholders in English and Arabic; every key
//! the code uses exists; every error a shopper can meet has its own message.

use shopbot::i18n::{self, FSI, Lang, PDI};
use std::collections::BTreeSet;

fn keys(lang: Lang) -> BTreeSet<String> {
    i18n::parse(i18n::source(lang))
        .expect("locale parses")
        .entries
        .into_keys()
        .collect()
}

#[test]
fn both_locales_have_the_same_keys_and_placeholders() {
    let en = i18n::parse(i18n::source(Lang::En)).expect("en");
    let ar = i18n::parse(i18n::source(Lang::Ar)).expect("ar");
    let en_keys: BTreeSet<_> = en.entries.keys().collect();
    let ar_keys: BTreeSet<_> = ar.entries.keys().collect();
    assert_eq!(
        en_keys.symmetric_difference(&ar_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "keys present in only one locale"
    );
    for (key, english) in &en.entries {
        assert_eq!(
            i18n::placeholders(english),
            i18n::placeholders(&ar.entries[key]),
            "placeholders differ for {key}"
        );
        assert!(
            !english.is_empty() && !ar.entries[key].is_empty(),
            "{key} is empty"
        );
    }
}

/// Keys the code names literally: `.t("…")`, `.tf("…"` and `.has("…")` in `src/` and in the
/// web panel's templates (`templates/`).
fn keys_used_in_code() -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("src"), root.join("templates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs" && e != "html") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            for marker in [".t(", ".tf(", ".has("] {
                for (at, _) in text.match_indices(marker) {
                    let rest = text[at + marker.len()..].trim_start();
                    if let Some(literal) = rest.strip_prefix('"')
                        && let Some(end) = literal.find('"')
                    {
                        used.insert(literal[..end].to_owned());
                    }
                }
            }
        }
    }
    used
}

#[test]
fn every_key_the_code_uses_exists() {
    let used = keys_used_in_code();
    assert!(used.len() > 50, "the scan found only {} keys", used.len());
    let en = keys(Lang::En);
    let missing: Vec<_> = used.iter().filter(|k| !en.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "keys used in code but missing: {missing:?}"
    );
}

#[test]
fn every_computed_key_exists() {
    let en = keys(Lang::En);
    let mut computed: Vec<String> = shopbot::render::SHOPPER_ERROR_KINDS
        .iter()
        .map(|k| format!("error.{k}"))
        .collect();
    computed.extend(
        shopcore::OrderStatus::ALL
            .iter()
            .map(|s| format!("status.{}", s.name())),
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
        .map(|k| format!("ledger.{}", k.name().to_ascii_lowercase())),
    );
    computed.extend(
        [
            shopcore::TopupStatus::Pending,
            shopcore::TopupStatus::Approved,
            shopcore::TopupStatus::Rejected,
        ]
        .iter()
        .map(|s| format!("topup_status.{}", s.name())),
    );
    computed.extend(
        shopcore::analytics::Route::ALL
            .iter()
            .map(|r| format!("route.{}", r.name())),
    );
    computed.extend(
        shopcore::InvoiceStatus::ALL
            .iter()
            .map(|s| format!("invoice_status.{}", s.name())),
    );
    computed.extend(
        shopcore::Provider::ALL
            .iter()
            .map(|p| format!("provider.{}", p.name())),
    );
    let missing: Vec<_> = computed.iter().filter(|k| !en.contains(*k)).collect();
    assert!(missing.is_empty(), "computed keys missing: {missing:?}");
}

#[test]
fn arabic_isolates_every_value_and_english_does_not() {
    let ar = Lang::Ar.tf("wallet.balance", &[("balance", "12.50 USD")]);
    assert!(ar.contains(&format!("{FSI}12.50 USD{PDI}")), "{ar:?}");
    let en = Lang::En.tf("wallet.balance", &[("balance", "12.50 USD")]);
    assert!(!en.contains(FSI) && en.contains("12.50 USD"), "{en:?}");
    // The locale files themselves hold no direction controls: isolates come only from code.
    for lang in Lang::ALL {
        assert!(
            !i18n::source(lang)
                .chars()
                .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{lang:?} locale file contains bidi controls"
        );
    }
}
