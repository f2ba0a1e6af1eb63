//! `shop-console`: the operator console. See `--help`, `help` inside, or the README.
//!
//! ```text
//! shop-console [--db PATH] [--as USER] [--json] [--exec "cmd; cmd"] [--demo]
//! ```

/// mimalloc: sled allocates and frees on every write; with glibc's malloc that was a quarter
/// of an order's instructions (README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use clap::builder::{BoolishValueParser, NonEmptyStringValueParser};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use shop_console::{COMMANDS, Console, Format, run_line, run_session};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

const LONG_ABOUT: &str = "\
The operator console of a shopcore shop: a scriptable REPL over shopcore's public API.

Without --exec, commands are read from the terminal (with history and tab completion) or, when
standard input is not a terminal, one line at a time. Separate commands on a line with `;`; a
line starting with `#` is a comment. Inside, `help` lists every command and `help COMMAND`
shows its usage and examples. `quit`, `exit` or Ctrl-D ends the session; Ctrl-C cancels the
line being typed.

Every option can also be set in the environment (SHOP_CONSOLE_…, shown with each option); the
command line wins. --exec has no variable: one left set would turn every console into a
script.

Exit status: 0 when every command succeeded, 1 when one failed (or the shop could not be
opened), 2 for a bad command line.";

const EXAMPLES: &str =
    "  shop-console --db ./shop.db --demo                        # seed an empty shop, look around
  shop-console --db ./shop.db --exec \"stats; verify\"
  shop-console --db ./shop.db --json --exec \"order list\"    # one JSON object per command
  echo \"topup approve 3\" | shop-console --db ./shop.db --as @layla_support
  SHOP_CONSOLE_DB=/srv/shop.db shop-console --exec verify
  shop-console restore backups/shop-20260101-093000-123.backup ./shop.restored   # opens no other store";

/// `Examples:` styled as clap styles its own headings (bold and underlined on a terminal,
/// plain text elsewhere), then the examples.
fn examples() -> String {
    let heading = *clap::builder::Styles::styled().get_header();
    format!("{heading}Examples:{heading:#}\n{EXAMPLES}")
}

/// The command line. Each option falls back to a `SHOP_CONSOLE_` environment variable.
#[derive(Debug, Parser)]
#[command(
    name = "shop-console",
    version,
    about = "The operator console of a shopcore shop: run commands interactively or from scripts",
    long_about = LONG_ABOUT,
    after_help = examples(),
)]
struct Cli {
    /// The shop database (created if missing)
    #[arg(
        long,
        value_name = "PATH",
        env = "SHOP_CONSOLE_DB",
        default_value = "./shop.db"
    )]
    db: PathBuf,

    /// Act as a stored user (id or @username) instead of the console identity (a super
    /// admin recorded as system:console)
    #[arg(
        long = "as",
        value_name = "USER",
        env = "SHOP_CONSOLE_AS",
        value_parser = NonEmptyStringValueParser::new()
    )]
    as_user: Option<String>,

    /// Print one JSON object per command (results and errors on standard output)
    #[arg(long, env = "SHOP_CONSOLE_JSON", value_parser = BoolishValueParser::new())]
    json: bool,

    /// Run these commands (separated by `;`) and exit
    #[arg(long, value_name = "COMMANDS")]
    exec: Option<String>,

    /// Seed a demo shop first if the database has no catalog yet
    #[arg(long, env = "SHOP_CONSOLE_DEMO", value_parser = BoolishValueParser::new())]
    demo: bool,

    #[command(subcommand)]
    offline: Option<Offline>,
}

/// Work that opens no existing store (so it works while the bot holds the live one, or
/// when the live one is damaged).
#[derive(Debug, clap::Subcommand)]
enum Offline {
    /// Build a new store from a backup: checks the backup's checksums, writes NEW_DB (which
    /// must not exist) and runs verify() on it. Opens no other store, --db included.
    Restore {
        /// The backup file (from `backup PATH`, the bot's scheduled backups or /backup)
        backup: PathBuf,
        /// Where to create the restored store
        new_db: PathBuf,
    },
}

/// `shop-console restore BACKUP NEW_DB`.
fn restore_offline(backup: &std::path::Path, new_db: &std::path::Path, format: Format) -> ExitCode {
    let result = shopcore::Shop::restore(backup, new_db, shopcore::Config::default())
        .and_then(|shop| shop.verify().map(|report| (shop, report)));
    match result {
        Ok((_shop, report)) => {
            if format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"command": "restore", "result": {
                        "restored_into": new_db.display().to_string(),
                        "healthy": report.is_healthy(),
                        "problems": report.problems,
                    }})
                );
            } else {
                println!(
                    "restored into {}: {}",
                    new_db.display(),
                    report.to_string().trim_end()
                );
            }
            if report.is_healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            if format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"command": "restore", "error": {"kind": e.kind(), "message": e.to_string()}})
                );
            } else {
                eprintln!("error [{}]: {e}", e.kind());
            }
            ExitCode::FAILURE
        }
    }
}

impl Cli {
    fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            Format::Human
        }
    }
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
            .map(|c| c.name.to_owned())
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

/// The interactive session: reads lines with history and completion until `quit`, `exit`
/// or Ctrl-D. Returns whether every command succeeded.
fn interactive(console: &Console, cli: &Cli) -> bool {
    println!(
        "shop console on {} — `help` lists commands; `quit`, `exit` or Ctrl-D leaves",
        cli.db.display()
    );
    let mut editor: Editor<Completion, DefaultHistory> = match Editor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return false;
        }
    };
    editor.set_helper(Some(Completion));
    let history = cli.db.with_extension("history");
    let _ = editor.load_history(&history);
    let mut editor_error = None;
    let lines = std::iter::from_fn(|| {
        loop {
            match editor.readline("shop> ") {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.trim());
                    }
                    return Some(line);
                }
                // Ctrl-C cancels the line being typed, as in a shell; the session goes on.
                Err(ReadlineError::Interrupted) => continue,
                // Ctrl-D on an empty line.
                Err(ReadlineError::Eof) => return None,
                Err(e) => {
                    editor_error = Some(e);
                    return None;
                }
            }
        }
    });
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let ok = run_session(console, lines, cli.format(), &mut out, &mut err);
    let _ = editor.save_history(&history);
    match editor_error {
        Some(e) => {
            eprintln!("error: reading the terminal: {e}");
            false
        }
        None => ok,
    }
}

fn main() -> ExitCode {
    // A bad command line exits with status 2 and clap's message; --help and --version
    // with 0.
    let cli = Cli::parse();
    let format = cli.format();
    if let Some(Offline::Restore { backup, new_db }) = &cli.offline {
        return restore_offline(backup, new_db, format);
    }
    let console = match Console::open(&cli.db, cli.as_user.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            if format == Format::Json {
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
    if cli.demo
        && console
            .shop()
            .categories(false)
            .map(|c| c.is_empty())
            .unwrap_or(false)
    {
        ok &= run_line(&console, "demo", format, &mut out, &mut err).ok;
    }
    if let Some(commands) = &cli.exec {
        ok &= run_line(&console, commands, format, &mut out, &mut err).ok;
    } else if std::io::stdin().is_terminal() {
        ok &= interactive(&console, &cli);
    } else {
        let lines = std::io::stdin().lock().lines().map_while(Result::ok);
        ok &= run_session(&console, lines, format, &mut out, &mut err);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::error::ErrorKind;
    use clap::{CommandFactory, Parser};
    use shop_console::Format;
    use std::path::Path;
    use std::sync::Mutex;

    /// Every test here that parses takes this lock, and only those with it touch the
    /// environment: parsing reads `SHOP_CONSOLE_*`, and tests run on several threads.
    static ENV: Mutex<()> = Mutex::new(());

    const VARIABLES: [&str; 4] = [
        "SHOP_CONSOLE_DB",
        "SHOP_CONSOLE_AS",
        "SHOP_CONSOLE_JSON",
        "SHOP_CONSOLE_DEMO",
    ];

    /// Parses `args` with exactly the variables in `env` set.
    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Cli, clap::Error> {
        let _lock = ENV.lock().unwrap_or_else(|p| p.into_inner());
        for name in VARIABLES {
            // SAFETY: the lock above serialises every reader and writer of these variables
            // in this test binary (the parsing below), and no other thread reads them.
            unsafe { std::env::remove_var(name) };
        }
        for (name, value) in env {
            // SAFETY: as above.
            unsafe { std::env::set_var(name, value) };
        }
        let parsed =
            Cli::try_parse_from(std::iter::once("shop-console").chain(args.iter().copied()));
        for (name, _) in env {
            // SAFETY: as above.
            unsafe { std::env::remove_var(name) };
        }
        parsed
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = parse(&[], &[]).unwrap();
        assert_eq!(cli.db, Path::new("./shop.db"));
        assert_eq!(
            (cli.format(), cli.as_user, cli.exec, cli.demo),
            (Format::Human, None, None, false)
        );
    }

    #[test]
    fn the_readme_invocations() {
        let cli = parse(&["--db", "./shop.db", "--demo"], &[]).unwrap();
        assert!(cli.demo);
        let cli = parse(&["--db", "./shop.db", "--exec", "stats; verify"], &[]).unwrap();
        assert_eq!(cli.exec.as_deref(), Some("stats; verify"));
        let cli = parse(
            &["--db", "./shop.db", "--json", "--exec", "order list"],
            &[],
        )
        .unwrap();
        assert_eq!(cli.format(), Format::Json);
        let cli = parse(&["--db", "./shop.db", "--as", "@layla_support"], &[]).unwrap();
        assert_eq!(cli.as_user.as_deref(), Some("@layla_support"));
        let cli = parse(&["--db=/srv/shop.db", "--as=42"], &[]).unwrap();
        assert_eq!(
            (cli.db.as_path(), cli.as_user.as_deref()),
            (Path::new("/srv/shop.db"), Some("42"))
        );
    }

    #[test]
    fn the_environment_fills_in_what_the_command_line_leaves_out() {
        let env = [
            ("SHOP_CONSOLE_DB", "/env/shop.db"),
            ("SHOP_CONSOLE_AS", "@omar_ops"),
            ("SHOP_CONSOLE_JSON", "1"),
            ("SHOP_CONSOLE_DEMO", "true"),
        ];
        let cli = parse(&[], &env).unwrap();
        assert_eq!(cli.db, Path::new("/env/shop.db"));
        assert_eq!(cli.as_user.as_deref(), Some("@omar_ops"));
        assert_eq!((cli.format(), cli.demo), (Format::Json, true));
        // The command line wins.
        let cli = parse(&["--db", "/cli/shop.db", "--as", "7"], &env).unwrap();
        assert_eq!(cli.db, Path::new("/cli/shop.db"));
        assert_eq!(cli.as_user.as_deref(), Some("7"));
        // Switches read the usual words; anything else is an error, not a guess.
        for no in ["0", "false", "no", "off"] {
            let cli = parse(&[], &[("SHOP_CONSOLE_JSON", no), ("SHOP_CONSOLE_DEMO", no)]).unwrap();
            assert_eq!((cli.format(), cli.demo), (Format::Human, false), "{no}");
        }
        for yes in ["1", "true", "yes", "on"] {
            let cli = parse(&[], &[("SHOP_CONSOLE_JSON", yes)]).unwrap();
            assert_eq!(cli.format(), Format::Json, "{yes}");
        }
        let e = parse(&[], &[("SHOP_CONSOLE_JSON", "maybe")]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::ValueValidation, 2));
        // An empty variable is an error too (not a user called "" or a database at "").
        for name in ["SHOP_CONSOLE_DB", "SHOP_CONSOLE_AS"] {
            let e = parse(&[], &[(name, "")]).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{name}");
        }
    }

    #[test]
    fn mistakes_are_usage_errors_with_status_2() {
        for (args, kind) in [
            (&["--jsn"][..], ErrorKind::UnknownArgument),
            (&["--db"][..], ErrorKind::InvalidValue),
            (&["--exec"][..], ErrorKind::InvalidValue),
            (&["--json=yes"][..], ErrorKind::TooManyValues),
            // Console commands go after --exec; the only subcommand is `restore`.
            (&["stats"][..], ErrorKind::InvalidSubcommand),
        ] {
            let e = parse(args, &[]).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (kind, 2), "{args:?}: {e}");
        }
        let e = parse(&["--jsn"], &[]).unwrap_err().to_string();
        assert!(
            e.contains("tip: a similar argument exists: '--json'"),
            "{e}"
        );
    }

    #[test]
    fn help_and_version_exit_0() {
        for (flag, kind) in [
            ("--help", ErrorKind::DisplayHelp),
            ("-h", ErrorKind::DisplayHelp),
            ("--version", ErrorKind::DisplayVersion),
            ("-V", ErrorKind::DisplayVersion),
        ] {
            let e = parse(&[flag], &[]).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (kind, 0), "{flag}");
        }
        let help = Cli::command().render_long_help().to_string();
        for expected in [
            "SHOP_CONSOLE_DB",
            "SHOP_CONSOLE_AS",
            "SHOP_CONSOLE_JSON",
            "SHOP_CONSOLE_DEMO",
            "Examples:",
            "Exit status",
        ] {
            assert!(help.contains(expected), "{expected} missing from\n{help}");
        }
    }
}
