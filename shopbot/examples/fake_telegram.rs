//! A fake Telegram Bot API to run the bot against without Telegram: the same fake the bot's
//! tests use (`tests/common/telegram.rs`), on a fixed address, with people typing to the bot
//! from this terminal. README, Deploy → "Try it without Telegram".
//!
//! ```text
//! cargo run -p shopbot --example fake_telegram -- --listen 127.0.0.1:8081
//! # in another terminal:
//! TELOXIDE_TOKEN=123456:TEST-token_abcdefgh SHOPBOT_API_URL=http://127.0.0.1:8081/ \
//!   SHOPBOT_SUPER_ADMINS=1 cargo run -p shopbot
//! ```
//! Then type lines such as `1 /start` or `5001 /start` here: the number is the Telegram user
//! id of the person typing, the rest is their message. Every message the bot sends is
//! printed as `→ CHAT: TEXT`. `burst N` makes N new people send `/start` at once and says
//! when the bot has answered them all (the README's memory figures under a burst come from
//! it); `quiet` stops printing messages, `loud` resumes.

#[path = "../tests/common/telegram.rs"]
#[allow(dead_code)]
mod telegram;

use clap::Parser;
use std::io::BufRead;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use telegram::{FakeTelegram, Incoming, Person, TOKEN};

/// A fake Telegram Bot API on this machine, for trying the bot (and its deployment) without
/// Telegram.
#[derive(Parser, Debug)]
#[command(name = "fake_telegram", version)]
struct Cli {
    /// Where to listen; give the bot `SHOPBOT_API_URL=http://ADDR/`.
    #[arg(long, default_value = "127.0.0.1:8081", env = "FAKE_TELEGRAM_LISTEN")]
    listen: SocketAddr,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let fake = FakeTelegram::start_on(cli.listen)?;
    println!("fake Telegram Bot API at {}", fake.url());
    println!("the bot's token here: {TOKEN}");
    println!("type `USER_ID message` (e.g. `1 /start`); Ctrl-D ends");
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut shown = 0;
    let mut quiet = false;
    // (answers to wait for, counted from `shown`, started at)
    let mut burst: Option<(usize, usize, Instant)> = None;
    let mut next_burst_user = 1_000_000_u64;
    let mut ticker = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { break };
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                if line == "quiet" || line == "loud" {
                    quiet = line == "quiet";
                    continue;
                }
                if let Some(n) = line.strip_prefix("burst ") {
                    match n.trim().parse::<usize>() {
                        Ok(n) if (1..=100_000).contains(&n) => {
                            let base = fake.delivered().len();
                            for _ in 0..n {
                                next_burst_user += 1;
                                fake.push(&Incoming::text(
                                    Person::new(next_burst_user, "Burst", "en"),
                                    "/start",
                                ));
                            }
                            println!("burst of {n} /start queued");
                            burst = Some((n, base, Instant::now()));
                        }
                        _ => eprintln!("burst N, with N from 1 to 100000"),
                    }
                    continue;
                }
                match line.split_once(' ').map(|(id, text)| (id.parse::<u64>(), text)) {
                    Some((Ok(user), text)) if user > 0 && !text.trim().is_empty() => {
                        fake.push(&Incoming::text(Person::new(user, "Tester", "en"), text.trim()));
                    }
                    _ => eprintln!("type `USER_ID message`, e.g. `1 /start`"),
                }
            }
            _ = ticker.tick() => {
                let delivered = fake.delivered();
                if !quiet {
                    for message in delivered.iter().skip(shown) {
                        println!("→ {}: {}", message.chat, message.text.replace('\n', "\n    "));
                    }
                }
                shown = delivered.len();
                if let Some((n, base, started)) = burst
                    && shown >= base + n
                {
                    println!(
                        "burst of {n} answered in {} ms",
                        started.elapsed().as_millis()
                    );
                    burst = None;
                }
            }
        }
    }
    // Let the last answers print.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for message in fake.delivered().iter().skip(shown) {
        println!(
            "→ {}: {}",
            message.chat,
            message.text.replace('\n', "\n    ")
        );
    }
    Ok(())
}
