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
fn only_the_store_module_names_sled() {
    let mut files = Vec::new();
    rust_files(&crate_dir().join("src"), &mut files);
    for file in files {
        if file.components().any(|c| c.as_os_str() == "store") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("sled::"), "{} names sled", file.display());
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
