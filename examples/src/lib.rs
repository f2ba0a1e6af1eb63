//! The operator console: a scriptable REPL over shopcore's public API. Operators inspect,
//! fix, approve, back up and verify a shop from it; newcomers try the project with it.
//!
//! [`run_line`] runs one line of commands and [`run_session`] a whole session: each command
//! prints a human-readable result (or, with `--json`, one JSON object per command), `quit`
//! or `exit` (or the end of input) ends the session, and the session's exit status is 0
//! only when every command succeeded.

pub mod console;
mod demo;
mod render;
pub mod suggest;
pub mod table;
pub mod words;

/// The workspace README's examples (embedding shopcore), compiled and run as doctests so they
/// stay true. They live here, not in shopcore, whose published package has no README of the
/// workspace.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub use console::{COMMANDS, CommandError, CommandSpec, Console, Output, QUIT_COMMANDS};
use std::io::Write;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// What a line of commands came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineOutcome {
    /// Every command that ran succeeded.
    pub ok: bool,
    /// The line asked to end the session (`quit` or `exit`); commands after it did not run.
    pub quit: bool,
}

/// Whether `command` (one command, no `;`) is `quit` or `exit` on its own.
pub fn is_quit(command: &str) -> bool {
    QUIT_COMMANDS.contains(&command.trim())
}

/// Runs every command in `line` (separated by `;`) up to a `quit` or `exit`, printing
/// results to `out` and errors to `err` (in JSON mode both go to `out`).
pub fn run_line(
    console: &Console,
    line: &str,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> LineOutcome {
    let mut outcome = LineOutcome {
        ok: true,
        quit: false,
    };
    for command in words::commands(line) {
        if command.starts_with('#') {
            continue;
        }
        if is_quit(&command) {
            if format == Format::Json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({"command": command, "result": {"quit": true}})
                );
            }
            outcome.quit = true;
            break;
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
        outcome.ok &= result.is_ok();
    }
    outcome
}

/// Runs lines until one says `quit` or `exit`, or until `lines` ends (Ctrl-D on a terminal,
/// the end of a pipe). Returns whether every command succeeded.
///
/// The interactive console maps Ctrl-C to an empty line (it only cancels the line being
/// typed), so it never ends a session here.
pub fn run_session(
    console: &Console,
    lines: impl IntoIterator<Item = String>,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    let mut ok = true;
    for line in lines {
        let outcome = run_line(console, &line, format, out, err);
        ok &= outcome.ok;
        if outcome.quit {
            break;
        }
    }
    ok
}
