//! Searching products by name, in any language the names are written in, at a cost that
//! does not grow with the catalog: every word of a product's name is indexed under each of
//! its prefixes (2 to [`PREFIX_CHARS_MAX`] characters, after [`normalize`]), so a query
//! reads the entries of one prefix and checks the few products they name.
//!
//! Normalizing makes a search tolerant of what people type differently: case, Arabic
//! diacritics (harakat, the superscript alef), tatweel, the hamza forms of alef (أ إ آ ٱ
//! → ا), hamza on waw and ya (ؤ → و, ئ → ي), alef maqsura (ى → ي), taa marbuta (ة → ه),
//! Persian and Urdu letter forms (ک → ك, ی → ي), and Arabic-Indic digits (٠-٩, ۰-۹ → 0-9).
//!
//! Peers: none.

use crate::ids::ProductId;
use crate::store::{StoreError, Table, Tx};
use std::collections::BTreeSet;

/// The longest prefix indexed; longer query words are looked up by it and then matched
/// whole.
pub const PREFIX_CHARS_MAX: usize = 12;
/// The most words of a name that are indexed.
const WORDS_MAX: usize = 16;

crate::store::record!(
    /// The search index: a normalized prefix of a word of a product's name · the product
    /// (schema 15).
    pub(crate) SearchTerms: Table::SearchTerms, "search_terms", (String, ProductId) => ()
);

/// `text` as the index and queries compare it (see the module's doc).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mapped = match c {
            // Harakat, the superscript alef, Quranic marks, tatweel: dropped.
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}' => {
                continue;
            }
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ؤ' => 'و',
            'ئ' | 'ى' | 'ی' | 'ې' => 'ي',
            'ة' => 'ه',
            'ک' => 'ك',
            '٠'..='٩' => char::from(b'0' + (u32::from(c) - 0x0660) as u8),
            '۰'..='۹' => char::from(b'0' + (u32::from(c) - 0x06F0) as u8),
            _ => c,
        };
        out.extend(mapped.to_lowercase());
    }
    out
}

/// The words of a normalized text: runs of letters and digits.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The index entries of a name: every prefix of 2 to [`PREFIX_CHARS_MAX`] characters of
/// each word (a word of one character is indexed as itself). `verify()` and the migration
/// read them too.
pub(crate) fn prefixes(name: &str) -> BTreeSet<String> {
    let normalized = normalize(name);
    let mut out = BTreeSet::new();
    for word in words(&normalized).take(WORDS_MAX) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() == 1 {
            out.insert(word.to_owned());
            continue;
        }
        for n in 2..=chars.len().min(PREFIX_CHARS_MAX) {
            out.insert(chars[..n].iter().collect());
        }
    }
    out
}

/// Keeps the index of a product's name current: the entries of the old name go, those of
/// the new one come (in the transaction that saves the product).
pub(crate) fn reindex(
    tx: &Tx<'_>,
    id: ProductId,
    before: Option<&str>,
    after: &str,
) -> Result<(), StoreError> {
    if before == Some(after) {
        return Ok(());
    }
    let old = before.map(prefixes).unwrap_or_default();
    let new = prefixes(after);
    for gone in old.difference(&new) {
        tx.delete::<SearchTerms>(&(gone.clone(), id))?;
    }
    for added in new.difference(&old) {
        tx.save::<SearchTerms>(&(added.clone(), id), &())?;
    }
    Ok(())
}

/// Drops a deleted product's entries (in the transaction that deletes it).
pub(crate) fn unindex(tx: &Tx<'_>, id: ProductId, name: &str) -> Result<(), StoreError> {
    for gone in prefixes(name) {
        tx.delete::<SearchTerms>(&(gone, id))?;
    }
    Ok(())
}

/// The key to look a query word up by: its first [`PREFIX_CHARS_MAX`] characters.
pub(crate) fn lookup_key(word: &str) -> String {
    word.chars().take(PREFIX_CHARS_MAX).collect()
}

/// Whether a product's name matches every word of a normalized query: each query word is
/// the start of some word of the name.
pub(crate) fn matches(name: &str, query_words: &[&str]) -> bool {
    let normalized = normalize(name);
    let name_words: Vec<&str> = words(&normalized).collect();
    query_words
        .iter()
        .all(|q| name_words.iter().any(|w| w.starts_with(q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_variants_and_case_normalize_alike() {
        assert_eq!(normalize("بطاقة"), normalize("بطاقه"));
        assert_eq!(normalize("أمازون"), normalize("امازون"));
        assert_eq!(normalize("إ آ ٱ"), "ا ا ا");
        assert_eq!(normalize("مـــوبايل"), normalize("موبايل"));
        assert_eq!(normalize("بِطَاقَةٌ"), normalize("بطاقة"));
        assert_eq!(normalize("PUBG ٦٠ UC"), "pubg 60 uc");
        assert_eq!(normalize("ی ک"), "ي ك");
    }

    #[test]
    fn names_are_indexed_by_word_prefixes() {
        let p = prefixes("PUBG 60 UC");
        assert!(p.contains("pu") && p.contains("pubg") && p.contains("60") && p.contains("uc"));
        assert!(!p.contains("p"));
        assert!(matches("PUBG Mobile 660 UC", &["pub", "660"]));
        assert!(!matches("PUBG Mobile 660 UC", &["pub", "60"]));
        assert!(matches("بطاقة جوجل بلاي", &["بطاقه", "جوج"]));
    }
}
