//! Tidy checks that keep the architecture honest: dependency direction, module docs, sled
//! confined to the store module, and ARCHITECTURE.md's permission table equal to the code's.

use shopcore::roles::PERMISSION_MATRIX;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn shopcore_has_no_async_runtime_telegram_or_http_dependency() {
    let manifest = std::fs::read_to_string(crate_dir().join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for banned in [
        "tokio", "teloxide", "reqwest", "hyper", "axum", "ureq", "http",
    ] {
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(banned)),
            "shopcore must not depend on {banned}"
        );
    }
}

#[test]
fn every_module_says_why_it_exists() {
    let mut files = Vec::new();
    rust_files(&crate_dir().join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} has no //! module doc",
            file.display()
        );
    }
}

#[test]
fn only_the_store_module_names_sled_or_postgresql() {
    let mut files = Vec::new();
    rust_files(&crate_dir().join("src"), &mut files);
    for file in files {
        if file.components().any(|c| c.as_os_str() == "store") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("sled::"), "{} names sled", file.display());
        // The test kit's PostgreSQL schemas are for tests, not the shop.
        if !file.ends_with("testkit.rs") && !file.ends_with("testkit/postgres.rs") {
            assert!(
                !text.contains("postgres::"),
                "{} names PostgreSQL",
                file.display()
            );
        }
    }
}

#[test]
fn architecture_md_lists_the_permission_matrix() {
    let doc = std::fs::read_to_string(crate_dir().join("../ARCHITECTURE.md")).unwrap();
    for (permission, role) in PERMISSION_MATRIX {
        let row = format!("| `{}` | {} |", permission.name(), role.name());
        assert!(doc.contains(&row), "ARCHITECTURE.md lacks the row {row}");
    }
    let rows = doc
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains("` | "))
        .count();
    assert!(rows >= PERMISSION_MATRIX.len());
}

/// The modules of the bottom layer (`src/values/`), as `crate::` names.
const VALUES: [&str; 8] = [
    "clock", "config", "ids", "invalid", "money", "roles", "text", "values",
];

/// The names a file reaches through `crate::` in code (comments, docs and the unit tests at
/// the end of the file left out: a test may open a whole shop).
fn crate_refs(source: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let lines: Vec<&str> = source.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn files_in(folder: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&crate_dir().join("src").join(folder), &mut files);
    files.sort();
    assert!(!files.is_empty(), "src/{folder} has no files");
    files
}

#[test]
fn values_depend_on_nothing_above_them() {
    for file in files_in("values") {
        let source = std::fs::read_to_string(&file).unwrap();
        for name in crate_refs(&source) {
            assert!(
                VALUES.contains(&name.as_str()),
                "{} (values layer) uses crate::{name}: values may use only values",
                file.display()
            );
        }
    }
}

#[test]
fn the_store_depends_only_on_values() {
    for file in files_in("store") {
        let source = std::fs::read_to_string(&file).unwrap();
        for name in crate_refs(&source) {
            assert!(
                VALUES.contains(&name.as_str()) || name == "store",
                "{} (store layer) uses crate::{name}: the store may use only values and \
                 itself (migrations are the domain's, passed to Store::open)",
                file.display()
            );
        }
    }
}

/// Every domain module names its peers in its `//!` doc (`Peers: a, b.` or `Peers: none.`)
/// and uses exactly those domain modules, besides values, the store, the crate's error
/// type and the facade it adds operations to.
#[test]
fn domain_modules_use_exactly_the_peers_their_docs_name() {
    let domain: Vec<String> = files_in("domain")
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|m| m != "mod")
        .collect();
    for module in &domain {
        let file = crate_dir().join("src/domain").join(format!("{module}.rs"));
        let source = std::fs::read_to_string(&file).unwrap();
        let line = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .find_map(|l| l.strip_prefix("//! Peers: "))
            .unwrap_or_else(|| panic!("src/domain/{module}.rs: no `//! Peers:` line"));
        let line = line.trim_end_matches('.');
        let declared: std::collections::BTreeSet<String> = if line == "none" {
            Default::default()
        } else {
            line.split(", ").map(str::to_owned).collect()
        };
        for peer in &declared {
            assert!(
                domain.contains(peer) && peer != module && peer != "error",
                "src/domain/{module}.rs names {peer:?}, which is not another domain module"
            );
        }
        let used: std::collections::BTreeSet<String> = crate_refs(&source)
            .into_iter()
            .filter(|n| domain.contains(n) && n != module && n != "error")
            .collect();
        assert_eq!(
            used, declared,
            "src/domain/{module}.rs: the peers it uses (left) differ from the peers its doc \
             names (right)"
        );
        for name in crate_refs(&source) {
            let allowed = VALUES.contains(&name.as_str())
                || domain.contains(&name)
                || ["store", "domain", "shop", "Shop", "Error"].contains(&name.as_str());
            assert!(
                allowed,
                "src/domain/{module}.rs uses crate::{name}, above the domain layer (use the \
                 module path for a type re-exported at the root)"
            );
        }
    }
}

/// The domain's peers form layers: no module depends, directly or through others, on a
/// module that depends on it (`error`, which gathers every module's error type, aside).
/// Cross-cutting effects go through `store::effects` (wired in `shop.rs`) and checks that
/// span modules are handed in from above (`verify.rs`), instead of closing a circle.
#[test]
fn domain_peers_form_no_circle() {
    let mut peers: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in files_in("domain") {
        let module = file.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&file).unwrap();
        let Some(line) = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .find_map(|l| l.strip_prefix("//! Peers: "))
        else {
            continue;
        };
        let line = line.trim_end_matches('.');
        let named = if line == "none" {
            Vec::new()
        } else {
            line.split(", ").map(str::to_owned).collect()
        };
        if module != "error" {
            peers.insert(module, named);
        }
    }
    // Depth-first search for a path back to where it started.
    fn circle(
        module: &str,
        peers: &std::collections::BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut found = path[at..].to_vec();
            found.push(module.to_owned());
            return Some(found);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for peer in peers.get(module).into_iter().flatten() {
            if let Some(found) = circle(peer, peers, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = Default::default();
    for module in peers.keys() {
        if let Some(found) = circle(module, &peers, &mut Vec::new(), &mut done) {
            panic!("the domain's peers close a circle: {}", found.join(" → "));
        }
    }
    assert!(
        peers.len() > 15,
        "read the peers of {} modules only",
        peers.len()
    );
}
