//! The command line (clap): `shopbot [run]`, `shopbot check-config`, `shopbot sample-config`,
//! `shopbot settings`, and one flag per setting of [`SETTINGS`] (secrets excepted), each
//! with its environment variable and default shown in `--help`.
//!
//! [`SETTINGS`] stays the one source: the flags, `--help`, the sample file
//! (`shopbot.sample.toml` is [`sample_config`]'s output) and `docs/configuration.md`
//! ([`settings_markdown`]) are all written from it, and tests fail when a checked-in copy
//! drifts. A value comes from, in order: a flag, the environment variable, the config file,
//! the default.

use crate::ops::config::{CONFIG_VAR, SETTINGS, Spec};
use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

const SETTINGS_HEADING: &str = "Settings (flag > environment variable > config file > default)";

/// The fixed part of the command line; the settings' flags are added by [`command`].
#[derive(Parser, Clone, Debug, PartialEq, Eq)]
#[command(
    name = "shopbot",
    version,
    about = "The shop's Telegram bot: shoppers buy and top up, staff run the shop from /admin.",
    long_about = None,
    propagate_version = true
)]
pub struct Args {
    /// Read settings from this TOML file (see `shopbot sample-config`).
    #[arg(short, long, value_name = "FILE", env = CONFIG_VAR, global = true)]
    pub config: Option<PathBuf>,
    /// The old spelling of `shopbot check-config`.
    #[arg(long = "check-config", hide = true)]
    pub check_config: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the bot until SIGTERM or SIGINT (the default when no command is given).
    Run,
    /// Check the configuration and what it points at (directories, addresses) without
    /// starting; exits 0 when the bot would start, 2 when it would not.
    CheckConfig {
        /// Also ask Telegram whether the token works (getMe) and how updates are set up
        /// (getWebhookInfo); exits 3 when Telegram refuses or can't be reached.
        #[arg(long)]
        online: bool,
    },
    /// Print a sample configuration file: every setting with its help, variable and default.
    SampleConfig,
    /// Print the settings reference as Markdown (docs/configuration.md is this output).
    Settings,
}

/// The parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cli {
    pub args: Args,
    /// Values given as flags, by environment variable name: they win over the environment.
    pub flags: BTreeMap<&'static str, String>,
}

impl Cli {
    /// The command, `run` when none was given (`--check-config` is `check-config`).
    pub fn command(&self) -> Command {
        match &self.args.command {
            Some(command) => command.clone(),
            None if self.args.check_config => Command::CheckConfig { online: false },
            None => Command::Run,
        }
    }

    /// Reads a setting's variable: the flag's value when one was given, else `env`.
    pub fn var(&self, env: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
        move |name| self.flags.get(name).cloned().or_else(|| env(name))
    }
}

/// The whole command: [`Args`] plus one flag per non-secret setting.
pub fn command() -> clap::Command {
    let mut command = Args::command().after_long_help(after_help());
    for spec in SETTINGS {
        let Some(flag) = spec.flag() else { continue };
        let mut arg = Arg::new(spec.key)
            .long(flag)
            .value_name("VALUE")
            .env(spec.env)
            .help(spec.help)
            .help_heading(SETTINGS_HEADING)
            .global(true);
        if let Some(default) = spec.default {
            arg = arg.default_value(default);
        }
        command = command.arg(arg);
    }
    command
}

fn after_help() -> String {
    let secrets: Vec<String> = SETTINGS
        .iter()
        .filter(|s| s.secret)
        .map(|s| format!("  {} (file key `{}`): {}", s.env, s.key, s.help))
        .collect();
    format!(
        "Secrets are read from the environment or the config file only, never from a flag \
         (the process list would show them):\n{}\n\n\
         Signals: SIGTERM or SIGINT stop taking updates, let in-flight updates finish \
         (shutdown_grace_seconds), flush the database and exit 0.\n\n\
         Exit status: 0 after a clean shutdown or a passing check, 1 when start-up fails, \
         2 for a bad command line or configuration, 3 when `check-config --online` can't \
         use the token.\n\n\
         Examples:\n  \
         TELOXIDE_TOKEN=123:abc shopbot --db-path ./shop.db\n  \
         shopbot --config /etc/shopbot/shopbot.toml check-config --online\n  \
         shopbot sample-config > shopbot.toml",
        secrets.join("\n")
    )
}

/// Parses a command line (the program name first).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    let args = Args::from_arg_matches(&matches)?;
    let mut flags = BTreeMap::new();
    let sub = matches.subcommand().map(|(_, m)| m);
    for spec in SETTINGS.iter().filter(|s| !s.secret) {
        for m in std::iter::once(&matches).chain(sub) {
            if let Some(value) = from_command_line(m, spec) {
                flags.insert(spec.env, value);
            }
        }
    }
    Ok(Cli { args, flags })
}

fn from_command_line(matches: &ArgMatches, spec: &Spec) -> Option<String> {
    (matches.value_source(spec.key) == Some(ValueSource::CommandLine))
        .then(|| matches.get_one::<String>(spec.key).cloned())
        .flatten()
}

/// The long `--help` text.
pub fn help() -> String {
    command().render_long_help().to_string()
}

/// Wraps `text` into `# `-comment lines of at most `width` columns.
fn comment_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > width && line.len() > 1 {
            lines.push(std::mem::replace(&mut line, String::from("#")));
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        lines.push(line);
    }
    lines
}

/// The TOML text the sample shows for a setting.
fn sample_value(spec: &Spec) -> String {
    if let Some(sample) = spec.sample {
        return sample.to_owned();
    }
    match spec.default {
        Some(default) if default.parse::<i64>().is_ok() => default.to_owned(),
        Some(default) => format!("{default:?}"),
        None => "\"\"".to_owned(),
    }
}

/// The sample configuration file, written from [`SETTINGS`].
pub fn sample_config() -> String {
    let mut out = String::from(
        "# shopbot configuration (TOML), written by `shopbot sample-config` from the bot's\n\
         # settings table. Use it with:  shopbot --config shopbot.toml\n\
         # Every setting can also come from its environment variable, which wins over this file,\n\
         # or from its flag (`shopbot --help`), which wins over both. An empty value means unset.\n\
         # Keep this file readable only by the bot's user: it may hold the token.\n",
    );
    for spec in SETTINGS {
        if let Some(section) = spec.section {
            out.push_str(&format!("\n# ---- {section} ----\n"));
        }
        out.push('\n');
        for line in comment_lines(spec.help, 92) {
            out.push_str(&line);
            out.push('\n');
        }
        let default = match spec.default {
            Some(d) => format!("default: {d}"),
            None => "no default".to_owned(),
        };
        out.push_str(&format!("# variable: {}; {default}\n", spec.env));
        out.push_str(&format!("{} = {}\n", spec.key, sample_value(spec)));
    }
    out
}

/// The settings reference in Markdown, written from [`SETTINGS`].
pub fn settings_markdown() -> String {
    let mut out = String::from(
        "# shopbot settings\n\n\
         <!-- Written by `shopbot settings` from the bot's settings table; a test fails when \
         this file and the table differ. Edit shopbot/src/ops/config.rs, then run \
         `cargo run -p shopbot -- settings > docs/configuration.md`. -->\n\n\
         Each setting comes from, in order: its command-line flag, its environment variable, \
         the config file (`--config FILE` or `SHOPBOT_CONFIG`), its default. Secrets have no \
         flag. An empty value means unset. `shopbot sample-config` prints a commented file \
         with every setting; `shopbot check-config` validates a configuration without \
         starting the bot.\n",
    );
    for spec in SETTINGS {
        if let Some(section) = spec.section {
            out.push_str(&format!(
                "\n## {section}\n\n| File key | Variable | Flag | Default | Meaning |\n|---|---|---|---|---|\n"
            ));
        }
        let flag = spec
            .flag()
            .map_or_else(|| "(secret: none)".to_owned(), |f| format!("`--{f}`"));
        let default = spec
            .default
            .map_or_else(|| "—".to_owned(), |d| format!("`{d}`"));
        out.push_str(&format!(
            "| `{}` | `{}` | {flag} | {default} | {} |\n",
            spec.key,
            spec.env,
            spec.help.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn every_setting_is_in_the_help_the_sample_and_the_docs_once() {
        let help = help();
        let sample = sample_config();
        let docs = settings_markdown();
        for s in SETTINGS {
            assert!(help.contains(s.env), "{} missing from --help", s.env);
            assert_eq!(SETTINGS.iter().filter(|o| o.key == s.key).count(), 1);
            assert_eq!(
                sample.matches(&format!("\n{} = ", s.key)).count(),
                1,
                "{} in the sample",
                s.key
            );
            assert!(docs.contains(&format!("| `{}` |", s.key)), "{}", s.key);
            match s.flag() {
                Some(flag) => assert!(help.contains(&format!("--{flag}")), "--{flag}"),
                None => assert!(!help.contains(&format!("--{}", s.key.replace('_', "-")))),
            }
        }
    }
}
