//! `shop-crashtest`: kills a busy shop with SIGKILL at random moments and checks that
//! nothing acknowledged was lost and nothing was half applied.
//!
//! ```text
//! shop-crashtest drive [--kills N] [--dir DIR] [--seed S]  # the driver
//! shop-crashtest worker --db PATH --log PATH               # started by the driver
//! shop-crashtest check --db PATH --log PATH                # check a database against a log
//! ```
//! (`--help` for each; options of `drive` and `check` fall back to `SHOP_CRASHTEST_*`.)
//! The worker runs concurrent shoppers (orders from balance) and staff (top-ups approved,
//! orders completed, adjustments) with durable commits, and appends each acknowledged
//! operation to the log file only after the call returned. The driver kills it after a
//! random delay, reopens the database, and checks: `verify()` is empty, and every logged
//! operation is present with at least the logged effect.

/// mimalloc: sled allocates and frees on every write; with glibc's malloc that was a quarter
/// of an order's instructions (README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use shopcore::{
    Config, Delivery, Durability, Money, NewPaymentMethod, NewProduct, OrderId, OrderRequest,
    OrderStatus, ProductKind, Proof, Registration, RequestKey, Shop, Stock, TopupId, TopupRequest,
    TopupStatus, UserId,
};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const OWNER: u64 = 1;
const SHOPPERS: std::ops::RangeInclusive<u64> = 10..=15;

fn config(durability: Durability) -> Config {
    Config::default()
        .with_durability(durability)
        .with_super_admins(vec![UserId::new(OWNER).expect("owner id")])
}

fn key(text: String) -> RequestKey {
    RequestKey::new(&text).expect("request key")
}

/// The worker: sets up the fixture (idempotently) and works until killed.
fn worker(db: &Path, log: &Path) -> Result<(), String> {
    let shop = Arc::new(Shop::open(db, config(Durability::Immediate)).map_err(|e| e.to_string())?);
    let owner = shop
        .actor(UserId::new(OWNER).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if shop
        .categories(false)
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        let cat = shop
            .create_category(&owner, "Crash", 0)
            .map_err(|e| e.to_string())?
            .id;
        shop.create_product(
            &owner,
            &NewProduct {
                category: cat,
                name: "Unit".into(),
                description: String::new(),
                price_usd: Money::units(1),
                kind: ProductKind::Other,
                delivery: Delivery::Manual,
                stock: Stock::Unlimited,
                player_field: None,
                sort_order: 0,
                active: true,
            },
        )
        .map_err(|e| e.to_string())?;
        shop.create_payment_method(
            &owner,
            &NewPaymentMethod {
                name: "Bank".into(),
                instructions: "pay".into(),
                currency: "USD".into(),
                min_amount: Money::units(1),
                max_amount: Money::units(1_000),
                active: true,
            },
        )
        .map_err(|e| e.to_string())?;
    }
    let product = shop
        .categories(false)
        .ok()
        .and_then(|c| c.first().map(|c| c.id))
        .and_then(|c| shop.products_on_sale(c, None, 1).ok())
        .and_then(|p| p.products.first().map(|p| p.id))
        .ok_or("no product")?;
    let method = shop
        .payment_methods_for_shoppers()
        .map_err(|e| e.to_string())?
        .first()
        .map(|m| m.id)
        .ok_or("no method")?;
    for id in SHOPPERS {
        shop.register_user(&Registration {
            id: UserId::new(id).map_err(|e| e.to_string())?,
            username: None,
            display_name: "shopper",
            language: None,
        })
        .map_err(|e| e.to_string())?;
    }
    let run = std::process::id();
    let log = Arc::new(Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| e.to_string())?,
    ));
    let ack = |log: &Mutex<std::fs::File>, line: String| {
        let mut file = log.lock().unwrap_or_else(|p| p.into_inner());
        // One write call per line (O_APPEND): a kill never leaves half a line behind.
        let _ = file.write_all(format!("{line}\n").as_bytes());
    };
    let mut threads = Vec::new();
    for id in SHOPPERS {
        let (shop, log) = (shop.clone(), log.clone());
        threads.push(std::thread::spawn(move || {
            let user = UserId::new(id).expect("id");
            let Ok(actor) = shop.actor(user) else { return };
            // Half the shoppers call as the bot does, through `Shop::call` (deferred
            // durability, answered by the flusher); an answer is acknowledged the same way.
            let via_calls = id % 2 == 0;
            for n in 0u64.. {
                let request = OrderRequest::from_balance(product, 1);
                let (who, k) = (actor.clone(), key(format!("o-{run}-{id}-{n}")));
                let ordered = on_shop(&shop, via_calls, move |shop| {
                    shop.create_order(&who, &request, &k)
                });
                match ordered {
                    Ok(order) => ack(&log, format!("order {} {id}", order.id.get())),
                    Err(_) => {
                        let topup = TopupRequest {
                            method,
                            amount: Money::units(5),
                            proof: Proof::Text(format!("paid t-{run}-{id}-{n}")),
                            key: key(format!("t-{run}-{id}-{n}")),
                        };
                        let who = actor.clone();
                        let requested = on_shop(&shop, via_calls, move |shop| {
                            shop.request_topup(&who, &topup)
                        });
                        if let Ok(t) = requested {
                            ack(&log, format!("topup-request {} {id}", t.id.get()));
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
            }
        }));
    }
    {
        let (shop, log) = (shop.clone(), log.clone());
        threads.push(std::thread::spawn(move || {
            for n in 0u64.. {
                if let Ok(pending) = shop.pending_topups(&owner, None, 20) {
                    for t in pending {
                        if shop
                            .approve_topup(&owner, t.id, &key(format!("a-{run}-{}", t.id.get())))
                            .is_ok()
                        {
                            ack(&log, format!("topup-approved {}", t.id.get()));
                        }
                    }
                }
                if let Ok(queue) = shop.manual_queue(&owner, 20) {
                    for o in queue {
                        if shop
                            .complete_order(
                                &owner,
                                o.id,
                                Some("done"),
                                &key(format!("c-{run}-{}", o.id.get())),
                            )
                            .is_ok()
                        {
                            ack(&log, format!("order-completed {}", o.id.get()));
                        }
                    }
                }
                let user = UserId::new(10 + n % 6).expect("id");
                if let Ok(entry) = shop.adjust_balance(
                    &owner,
                    user,
                    Money::units(1),
                    "crash test",
                    &key(format!("j-{run}-{n}")),
                ) {
                    ack(&log, format!("adjust {}", entry.seq));
                }
            }
        }));
    }
    // Set-up is done and the shoppers run: the driver starts its kill timer now, so every
    // kill lands while work is being acknowledged, however slow the disk made set-up.
    println!("ready");
    let _ = std::io::stdout().flush();
    for t in threads {
        let _ = t.join();
    }
    Ok(())
}

/// Runs `call` against the shop directly, or through `Shop::call` awaited on this thread.
fn on_shop<T: Send + 'static>(
    shop: &Arc<Shop>,
    via_calls: bool,
    call: impl FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
) -> shopcore::Result<T> {
    if via_calls {
        match futures_executor::block_on(shop.call(call)) {
            Ok(answer) => answer,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    } else {
        call(shop)
    }
}

/// Checks a killed shop against the log of acknowledged operations, from line `skip` on
/// (earlier lines were checked after earlier kills). Returns the number of lines checked.
pub fn check(db: &Path, log: &Path, skip: usize) -> Result<usize, String> {
    let shop =
        Shop::open(db, config(Durability::Background)).map_err(|e| format!("reopen: {e}"))?;
    let report = shop.verify().map_err(|e| e.to_string())?;
    if !report.is_healthy() {
        return Err(format!("verify after a kill: {report}"));
    }
    let console = shop.system_actor("crashtest").map_err(|e| e.to_string())?;
    // Killed before anything was acknowledged: nothing to look for.
    let file = match std::fs::File::open(log) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e.to_string()),
    };
    let mut checked = 0;
    for line in std::io::BufReader::new(file).lines().skip(skip) {
        let line = line.map_err(|e| e.to_string())?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let id = |i: usize| -> Result<u64, String> {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .ok_or(format!("bad log line {line:?}"))
        };
        match words.first().copied() {
            // A torn last line (killed mid-write) was never fully acknowledged: skip it.
            Some(_) if !line.ends_with(|c: char| c.is_ascii_digit()) => continue,
            Some("order") => {
                let order = shop
                    .order(&console, OrderId::new(id(1)?).map_err(|e| e.to_string())?)
                    .map_err(|e| format!("{line}: {e}"))?;
                if order.user.get() != id(2)? {
                    return Err(format!("{line}: the order belongs to {}", order.user));
                }
            }
            Some("order-completed") => {
                let order = shop
                    .order(&console, OrderId::new(id(1)?).map_err(|e| e.to_string())?)
                    .map_err(|e| format!("{line}: {e}"))?;
                if order.status != OrderStatus::Completed {
                    return Err(format!("{line}: the order is {}", order.status));
                }
            }
            Some("topup-request") => {
                shop.topup(&console, TopupId::new(id(1)?).map_err(|e| e.to_string())?)
                    .map_err(|e| format!("{line}: {e}"))?;
            }
            Some("topup-approved") => {
                let t = shop
                    .topup(&console, TopupId::new(id(1)?).map_err(|e| e.to_string())?)
                    .map_err(|e| format!("{line}: {e}"))?;
                if t.status != TopupStatus::Approved {
                    return Err(format!("{line}: the top-up is {}", t.status));
                }
            }
            Some("adjust") => {
                let seq = id(1)?;
                let found = SHOPPERS.into_iter().any(|u| {
                    shop.ledger(&console, UserId::new(u).expect("id"), Some(seq + 1), 1)
                        .map(|p| p.entries.first().is_some_and(|e| e.seq == seq))
                        .unwrap_or(false)
                });
                if !found {
                    return Err(format!("{line}: ledger entry missing"));
                }
            }
            _ => return Err(format!("unknown log line {line:?}")),
        }
        checked += 1;
    }
    Ok(checked)
}

/// Runs `kills` worker lifetimes, killing each with SIGKILL after a pseudo-random delay,
/// on the shop at `db` (a `postgres://` URL), or in `dir` without one.
pub fn drive(kills: u32, dir: &Path, seed: u64, db: Option<&str>) -> Result<(u32, usize), String> {
    let db = db.map_or_else(|| dir.join("shop.db"), PathBuf::from);
    let log = dir.join("acknowledged.log");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut state = seed | 1;
    let mut checked = 0;
    for round in 0..kills {
        // Lines checked after earlier kills are checked again every 50 kills and at the end
        // (a later crash must not lose them either); in between only new lines are.
        let recheck_all = round % 50 == 49 || round + 1 == kills;
        let skip = if recheck_all { 0 } else { checked };
        // xorshift: deterministic delays from the seed, 30 to 400 ms.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = 30 + state % 370;
        let mut child = Command::new(&exe)
            .args(["worker", "--db"])
            .arg(&db)
            .arg("--log")
            .arg(&log)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        // Wait for the worker's "ready" (or its end) before timing the kill.
        if let Some(stdout) = child.stdout.take() {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
        }
        std::thread::sleep(Duration::from_millis(delay));
        child
            .kill()
            .map_err(|e| format!("round {round}: kill: {e}"))?;
        let _ = child.wait();
        let seen = check(&db, &log, skip)
            .map_err(|e| format!("round {round} (killed after {delay} ms): {e}"))?;
        checked = skip + seen;
    }
    Ok((kills, checked))
}

const LONG_ABOUT: &str = "\
Kills a busy shop with SIGKILL at random moments and checks that nothing acknowledged was lost
and nothing was half applied.

`drive` starts a worker (concurrent shoppers and staff with durable commits, each acknowledged
operation appended to a log only after the call returned), kills it after a pseudo-random delay
(30 to 400 ms, from --seed), reopens the database and checks that `verify()` is empty and every
logged operation is there; then again, --kills times.

Every option of `drive` and `check` can also be set in the environment (SHOP_CRASHTEST_…, shown
with each option); the command line wins.

Exit status: 0 when every check passed, 1 when one failed, 2 for a bad command line.";

const EXAMPLES: &str =
    "  shop-crashtest drive                               # 20 kills in a temporary directory
  shop-crashtest drive --kills 1000 --seed 7 --dir /tmp/crash
  shop-crashtest check --db /tmp/crash/shop.db --log /tmp/crash/acknowledged.log
  SHOP_CRASHTEST_KILLS=200 cargo run --release --bin shop-crashtest -- drive";

/// `Examples:` styled as clap styles its own headings (bold and underlined on a terminal,
/// plain text elsewhere), then the examples.
fn examples() -> String {
    let heading = *clap::builder::Styles::styled().get_header();
    format!("{heading}Examples:{heading:#}\n{EXAMPLES}")
}

/// The command line. Options fall back to `SHOP_CRASHTEST_` environment variables, except
/// the worker's, which the driver always passes.
#[derive(Debug, Parser)]
#[command(
    name = "shop-crashtest",
    version,
    about = "Kills a busy shop with SIGKILL at random moments and checks that nothing acknowledged was lost",
    long_about = LONG_ABOUT,
    after_help = examples(),
    subcommand_required = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Run,
}

#[derive(Debug, PartialEq, Subcommand)]
enum Run {
    /// Start workers, kill each one, and check the database after every kill
    Drive {
        /// How many workers to start and kill
        #[arg(
            long,
            value_name = "N",
            env = "SHOP_CRASHTEST_KILLS",
            default_value_t = 20,
            value_parser = clap::value_parser!(u32).range(1..)
        )]
        kills: u32,
        /// Where the database and the log go (without it: a new directory in the system's
        /// temporary directory)
        #[arg(long, value_name = "DIR", env = "SHOP_CRASHTEST_DIR")]
        dir: Option<PathBuf>,
        /// The shop to crash instead of one in DIR: a postgres:// URL (give a new
        /// `?schema=NAME`); the log stays in DIR
        #[arg(long, value_name = "URL", env = "SHOP_CRASHTEST_DB_URL")]
        db: Option<String>,
        /// Seed of the kill delays: the same seed kills at the same moments
        #[arg(
            long,
            value_name = "S",
            env = "SHOP_CRASHTEST_SEED",
            default_value_t = 0x5eed
        )]
        seed: u64,
    },
    /// Work on the database until killed, logging each acknowledged operation (`drive`
    /// starts it)
    Worker {
        /// The shop database
        #[arg(long, value_name = "PATH")]
        db: PathBuf,
        /// The log of acknowledged operations (appended to)
        #[arg(long, value_name = "PATH")]
        log: PathBuf,
    },
    /// Check a database against a log of acknowledged operations
    Check {
        /// The shop database
        #[arg(long, value_name = "PATH", env = "SHOP_CRASHTEST_DB")]
        db: PathBuf,
        /// The log of acknowledged operations
        #[arg(long, value_name = "PATH", env = "SHOP_CRASHTEST_LOG")]
        log: PathBuf,
    },
}

fn main() -> ExitCode {
    // A bad command line exits with status 2 and clap's message; --help and --version
    // with 0.
    match Cli::parse().command {
        Run::Worker { db, log } => match worker(&db, &log) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("worker: {e}");
                ExitCode::FAILURE
            }
        },
        Run::Check { db, log } => match check(&db, &log, 0) {
            Ok(n) => {
                println!("verify() empty; {n} acknowledged operations all present");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("CHECK FAILED: {e}");
                ExitCode::FAILURE
            }
        },
        Run::Drive {
            kills,
            dir,
            seed,
            db,
        } => {
            let dir = dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("shop-crashtest-{}", std::process::id()))
            });
            let _ = std::fs::create_dir_all(&dir);
            match drive(kills, &dir, seed, db.as_deref()) {
                Ok((kills, checked)) => {
                    println!(
                        "{kills} kills survived: verify() empty after each, {checked} acknowledged operations all present"
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("CRASH TEST FAILED: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cli, Run};
    use clap::error::ErrorKind;
    use clap::{CommandFactory, Parser};
    use std::path::PathBuf;
    use std::sync::Mutex;

    /// Every test here that parses takes this lock, and only those with it touch the
    /// environment: parsing reads `SHOP_CRASHTEST_*`, and tests run on several threads.
    static ENV: Mutex<()> = Mutex::new(());

    const VARIABLES: [&str; 6] = [
        "SHOP_CRASHTEST_KILLS",
        "SHOP_CRASHTEST_DIR",
        "SHOP_CRASHTEST_DB_URL",
        "SHOP_CRASHTEST_SEED",
        "SHOP_CRASHTEST_DB",
        "SHOP_CRASHTEST_LOG",
    ];

    /// Parses `args` with exactly the variables in `env` set.
    fn parse(args: &str, env: &[(&str, &str)]) -> Result<Run, clap::Error> {
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
            Cli::try_parse_from(std::iter::once("shop-crashtest").chain(args.split_whitespace()));
        for (name, _) in env {
            // SAFETY: as above.
            unsafe { std::env::remove_var(name) };
        }
        parsed.map(|cli| cli.command)
    }

    fn drive(kills: u32, dir: Option<&str>, seed: u64) -> Run {
        Run::Drive {
            kills,
            dir: dir.map(PathBuf::from),
            seed,
            db: None,
        }
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_documented_invocations() {
        assert_eq!(parse("drive", &[]).unwrap(), drive(20, None, 0x5eed));
        // README's long run, CI's run (examples/tests), and what the driver starts.
        assert_eq!(
            parse("drive --kills 1000", &[]).unwrap(),
            drive(1000, None, 0x5eed)
        );
        assert_eq!(
            parse("drive --kills 20 --seed 2026 --dir /tmp/x", &[]).unwrap(),
            drive(20, Some("/tmp/x"), 2026)
        );
        assert_eq!(
            parse("worker --db /d/shop.db --log /d/acknowledged.log", &[]).unwrap(),
            Run::Worker {
                db: "/d/shop.db".into(),
                log: "/d/acknowledged.log".into()
            }
        );
        assert_eq!(
            parse("check --db a --log b", &[]).unwrap(),
            Run::Check {
                db: "a".into(),
                log: "b".into()
            }
        );
    }

    #[test]
    fn the_environment_fills_in_what_the_command_line_leaves_out() {
        let env = [
            ("SHOP_CRASHTEST_KILLS", "7"),
            ("SHOP_CRASHTEST_DIR", "/env/dir"),
            ("SHOP_CRASHTEST_SEED", "99"),
            ("SHOP_CRASHTEST_DB", "/env/shop.db"),
            ("SHOP_CRASHTEST_LOG", "/env/log"),
        ];
        assert_eq!(
            parse("drive", &env).unwrap(),
            drive(7, Some("/env/dir"), 99)
        );
        assert_eq!(
            parse("drive --kills 3 --seed 4", &env).unwrap(),
            drive(3, Some("/env/dir"), 4),
            "the command line wins"
        );
        assert_eq!(
            parse("check", &env).unwrap(),
            Run::Check {
                db: "/env/shop.db".into(),
                log: "/env/log".into()
            }
        );
        assert_eq!(
            parse("check --log /cli/log", &env).unwrap(),
            Run::Check {
                db: "/env/shop.db".into(),
                log: "/cli/log".into()
            }
        );
        // The worker reads none: the driver passes both.
        let e = parse("worker", &env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingRequiredArgument);
        let e = parse("drive", &[("SHOP_CRASHTEST_KILLS", "many")]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::ValueValidation, 2));
    }

    #[test]
    fn mistakes_are_usage_errors_with_status_2() {
        for (args, kind) in [
            ("", ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand),
            ("drvie", ErrorKind::InvalidSubcommand),
            ("drive --kills", ErrorKind::InvalidValue),
            ("drive --kills x", ErrorKind::ValueValidation),
            ("drive --kills 0", ErrorKind::ValueValidation),
            ("drive --seed -1", ErrorKind::UnknownArgument),
            ("drive --kils 5", ErrorKind::UnknownArgument),
            ("check --db x", ErrorKind::MissingRequiredArgument),
            ("worker --log y", ErrorKind::MissingRequiredArgument),
        ] {
            let e = parse(args, &[]).unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (kind, 2), "{args:?}: {e}");
        }
        let e = parse("drvie", &[]).unwrap_err().to_string();
        assert!(e.contains("'drive'"), "{e}");
        let e = parse("drive --kils 5", &[]).unwrap_err().to_string();
        assert!(e.contains("'--kills'"), "{e}");
    }

    #[test]
    fn help_and_version_exit_0() {
        for args in ["--help", "-h", "--version", "drive --help", "help check"] {
            let e = parse(args, &[]).unwrap_err();
            assert_eq!(e.exit_code(), 0, "{args}");
        }
        let help = Cli::command().render_long_help().to_string();
        assert!(
            help.contains("Examples:") && help.contains("Exit status"),
            "{help}"
        );
        let mut cli = Cli::command();
        let drive = cli.find_subcommand_mut("drive").unwrap();
        let help = drive.render_long_help().to_string();
        for name in [
            "SHOP_CRASHTEST_KILLS",
            "SHOP_CRASHTEST_DIR",
            "SHOP_CRASHTEST_SEED",
        ] {
            assert!(help.contains(name), "{name} missing from\n{help}");
        }
    }
}
