//! The `shopbot` binary: reads the token and database path from the environment, opens the
//! shop, starts the notification task and runs the dispatcher. Nothing else lives here.

use shopbot::config::StartupConfig;
use shopbot::{notify, schema};
use shopcore::{Config, Shop};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;

/// How often the outbox is polled for notifications.
const NOTIFY_PERIOD: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let config = match StartupConfig::from_vars(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("shopbot: {error}");
            return ExitCode::FAILURE;
        }
    };
    let path = config.db_path.clone();
    let shop = match tokio::task::spawn_blocking(move || Shop::open(&path, Config::default())).await
    {
        Ok(Ok(shop)) => Arc::new(shop),
        Ok(Err(error)) => {
            eprintln!(
                "shopbot: can't open the shop at {}: {error}",
                config.db_path.display()
            );
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("shopbot: opening the shop crashed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let bot = Bot::new(config.token);
    let notifier = notify::spawn(bot.clone(), Arc::clone(&shop), NOTIFY_PERIOD);
    tracing::info!(db = %config.db_path.display(), "shopbot started");
    Dispatcher::builder(bot, schema::schema())
        .dependencies(schema::dependencies(Arc::clone(&shop)))
        .enable_ctrlc_handler()
        .build()
        .dispatch()
        .await;
    notifier.abort();
    ExitCode::SUCCESS
}
