//! Embeds the locale folders (`locales/<language>/*.ftl`) into the binary: every folder
//! named like a language code becomes a language, so adding one needs no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    // A directory here makes cargo look at everything under it.
    println!("cargo:rerun-if-changed={}", root.display());
    let mut languages = Vec::new();
    for entry in std::fs::read_dir(&root).expect("shopbot/locales exists") {
        let entry = entry.expect("read locales");
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let code = entry.file_name().to_string_lossy().into_owned();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            panic!("locales/{code}: a language folder is named by its code, such as `pt-BR`");
        }
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .expect("read a language folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "locales/{code} holds no .ftl file");
        languages.push((code, files));
    }
    languages.sort();
    let mut out = String::from("/// Every language folder: its code and its files (name, text).\n");
    out.push_str("pub static SOURCES: &[(&str, &[(&str, &str)])] = &[\n");
    for (code, files) in &languages {
        writeln!(out, "    ({code:?}, &[").unwrap();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy();
            writeln!(
                out,
                "        ({name:?}, include_str!({:?})),",
                file.display()
            )
            .unwrap();
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("locales.rs");
    std::fs::write(target, out).expect("write locales.rs");
}
