//! The `shopbot` binary: parses the command line, reads the configuration (file and
//! environment), starts logging and hands over to [`shopbot::ops::run`]. Exits 0 after a
//! graceful shutdown, 2 on a configuration error, 1 when start-up fails.

/// mimalloc: sled allocates and frees on every write; with glibc's malloc that was a quarter
/// of an order's instructions (README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use shopbot::ops::config::{self, BotConfig, CONFIG_VAR, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let command = match config::parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("shopbot: {error}");
            return ExitCode::from(2);
        }
    };
    let (file, check) = match command {
        Command::Help => {
            print!("{}", config::help());
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("shopbot {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Run { config_file } => (config_file, false),
        Command::Check { config_file } => (config_file, true),
    };
    let file = file.or_else(|| std::env::var_os(CONFIG_VAR).map(Into::into));
    let config = match BotConfig::load(|name| std::env::var(name).ok(), file.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("shopbot: {error}");
            return ExitCode::from(2);
        }
    };
    if check {
        println!("shopbot: the configuration is valid");
        return ExitCode::SUCCESS;
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
        db = %config.db_path.display(),
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
