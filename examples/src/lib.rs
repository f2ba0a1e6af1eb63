//! The operator console: a scriptable REPL over shopcore's public API. Operators inspect,
//! fix, approve, back up and verify a shop from it; newcomers try the project with it.
//!
//! [`run`] drives a session: each command prints a human-readable result (or, with
//! `--json`, one JSON object per command) and the session's exit status is 0 only when every
//! command succeeded.

pub mod console;
mod demo;
mod render;
pub mod table;
pub mod words;

pub use console::{COMMANDS, CommandError, Console, Output};
use std::io::Write;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// Runs every command in `line` (separated by `;`), printing results to `out` and errors to
/// `err` (in JSON mode both go to `out`). Returns whether all succeeded.
pub fn run_line(
    console: &Console,
    line: &str,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    let mut ok = true;
    for command in words::commands(line) {
        if command.starts_with('#') {
            continue;
        }
        let result = console.execute(&command);
        let _ = match (&result, format) {
            (Ok(output), Format::Human) => writeln!(out, "{}", output.text),
            (Ok(output), Format::Json) => writeln!(
                out,
                "{}",
                serde_json::json!({"command": command, "result": output.json})
            ),
            (Err(e), Format::Human) => writeln!(err, "error [{}]: {}", e.kind(), e.message()),
            (Err(e), Format::Json) => writeln!(
                out,
                "{}",
                serde_json::json!({"command": command, "error": {"kind": e.kind(), "message": e.message()}})
            ),
        };
        ok &= result.is_ok();
    }
    ok
}
