//! `shop-console`: the operator console. See `help` inside, or the README.
//!
//! ```text
//! shop-console [--db PATH] [--as USER] [--json] [--exec "cmd; cmd"] [--demo]
//! ```

/// mimalloc: sled allocates and frees on every write; with glibc's malloc that was a quarter
/// of an order's instructions (README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use shop_console::{COMMANDS, Console, Format, run_line};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: shop-console [--db PATH] [--as USER] [--json] [--exec \"cmd; cmd\"] [--demo]
  --db PATH    the shop database (default ./shop.db)
  --as USER    act as a stored user (id or @username) instead of the console identity
  --json       print one JSON object per command
  --exec CMDS  run these commands and exit
  --demo       seed a demo shop first if the database is empty
Without --exec, commands are read from the terminal (with history and tab completion) or,
when standard input is not a terminal, one per line. Exit status: 0 when every command
succeeded, 1 otherwise.";

struct Options {
    db: PathBuf,
    as_user: Option<String>,
    format: Format,
    exec: Option<String>,
    demo: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        db: PathBuf::from("./shop.db"),
        as_user: None,
        format: Format::Human,
        exec: None,
        demo: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => o.db = args.next().ok_or("--db needs a path")?.into(),
            "--as" => o.as_user = Some(args.next().ok_or("--as needs a user")?),
            "--json" => o.format = Format::Json,
            "--exec" => o.exec = Some(args.next().ok_or("--exec needs commands")?),
            "--demo" => o.demo = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

/// Tab completion of command names from the command table.
struct Completion;

impl Completer for Completion {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let typed = &line[..pos];
        let start = typed.rfind(';').map_or(0, |i| i + 1);
        let command = typed[start..].trim_start();
        let offset = pos - command.len();
        let mut names: Vec<String> = COMMANDS
            .iter()
            .map(|c| c.0.to_owned())
            .filter(|n| n.starts_with(command))
            .collect();
        names.dedup();
        Ok((offset, names))
    }
}
impl Hinter for Completion {
    type Hint = String;
}
impl Highlighter for Completion {}
impl Validator for Completion {}
impl Helper for Completion {}

fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(message) => {
            if message.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let console = match Console::open(&o.db, o.as_user.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            if o.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"kind": e.kind(), "message": e.message()}})
                );
            } else {
                eprintln!("error [{}]: {}", e.kind(), e.message());
            }
            return ExitCode::FAILURE;
        }
    };
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut ok = true;
    if o.demo
        && console
            .shop()
            .categories(false)
            .map(|c| c.is_empty())
            .unwrap_or(false)
    {
        ok &= run_line(&console, "demo", o.format, &mut out, &mut err);
    }
    if let Some(commands) = &o.exec {
        ok &= run_line(&console, commands, o.format, &mut out, &mut err);
    } else if std::io::stdin().is_terminal() {
        println!(
            "shop console on {} — `help` lists commands, `quit` leaves",
            o.db.display()
        );
        let mut editor: Editor<Completion, DefaultHistory> = match Editor::new() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot start the line editor: {e}");
                return ExitCode::FAILURE;
            }
        };
        editor.set_helper(Some(Completion));
        let history = o.db.with_extension("history");
        let _ = editor.load_history(&history);
        while let Ok(line) = editor.readline("shop> ") {
            let line = line.trim();
            if line == "quit" || line == "exit" {
                break;
            }
            if line.is_empty() {
                continue;
            }
            let _ = editor.add_history_entry(line);
            ok &= run_line(&console, line, o.format, &mut out, &mut err);
        }
        let _ = editor.save_history(&history);
    } else {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            ok &= run_line(&console, &line, o.format, &mut out, &mut err);
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
