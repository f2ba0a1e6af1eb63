//! The `shopbot` binary: parses the command line, reads the configuration (file and
//! environment), starts logging and hands over to [`shopbot::ops::run`]. Exits 0 after a
//! graceful shutdown, 2 on a configuration error, 1 when start-up fails.

/// mimalloc: sled allocates and frees on every write; with glibc's malloc that was a quarter
/// of an order's instructions (README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use shopbot::ops::cli::{self, Command};
use shopbot::ops::config::BotConfig;
use shopbot::ops::preflight::{self, Level};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        // --help and --version print and exit 0; usage errors exit 2 with clap's message.
        Err(error) => error.exit(),
    };
    let command = cli.command();
    match command {
        Command::SampleConfig => {
            print!("{}", cli::sample_config());
            return ExitCode::SUCCESS;
        }
        Command::Settings => {
            print!("{}", cli::settings_markdown());
            return ExitCode::SUCCESS;
        }
        Command::Run | Command::CheckConfig { .. } => {}
    }
    let var = cli.var(|name| std::env::var(name).ok());
    let config = match BotConfig::load(var, cli.args.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("shopbot: {error}");
            return ExitCode::from(2);
        }
    };
    if let Command::CheckConfig { online } = command {
        return check_config(&config, online);
    }
    let _log_guard =
        match shopbot::ops::telemetry::init_logging(config.log_dir.as_deref(), config.log_level) {
            Ok(guard) => guard,
            Err(error) => {
                eprintln!("shopbot: setting `log_dir` (variable SHOPBOT_LOG_DIR): {error}");
                return ExitCode::from(2);
            }
        };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.blocking_threads)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("shopbot: can't start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        mode = config.mode.name(),
        db = %config.location(),
        "shopbot starting"
    );
    let result = runtime.block_on(shopbot::ops::run(config));
    // Let in-flight blocking shop calls end before the runtime is dropped.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "shopbot stopped");
            eprintln!("shopbot: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `shopbot check-config [--online]`: prints one line per check; exits 0 when the bot would
/// start, 2 when a local check fails, 3 when Telegram refuses the token or can't be reached.
fn check_config(config: &BotConfig, online: bool) -> ExitCode {
    let local = preflight::check_local(config);
    for finding in &local {
        println!("{finding}");
    }
    if preflight::worst(&local) == Level::Error {
        println!("shopbot: the bot would not start; fix the errors above");
        return ExitCode::from(2);
    }
    if online {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("shopbot: can't start the async runtime: {error}");
                return ExitCode::FAILURE;
            }
        };
        let remote = runtime.block_on(preflight::check_online(config));
        for finding in &remote {
            println!("{finding}");
        }
        if preflight::worst(&remote) == Level::Error {
            println!("shopbot: Telegram can't be used with this configuration");
            return ExitCode::from(3);
        }
    }
    println!("shopbot: the configuration is valid; the bot would start");
    ExitCode::SUCCESS
}
