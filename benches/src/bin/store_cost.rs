//! `store-cost`: what a big store costs to keep — disk per 1,000 orders, memory and time to
//! open it and read the dashboard, the start-up check (on a store never opened since it
//! was built, and again on one opened before, as after a restart), the full `verify()`, a
//! backup and a restore of that backup (time and peak memory) — each measured in a fresh child process, so one phase's peak memory does
//! not hide another's.
//!
//! The store is the dashboard benchmark's (`shop_benches::bigstore`): built once through
//! the public API and cached under `target/bench-data/`. Every phase works on a copy, so
//! the cached store stays as built.
//!
//! ```text
//! cargo run --release -p shop-benches --bin store-cost -- [--orders 1000000] [--runs 3]
//! ```

shop_benches::use_shop_allocator!();

use clap::{Parser, Subcommand};
use shop_benches::{bigstore, stats, sysinfo};
use shopcore::{DashboardOptions, Durability, Shop, UserId};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Parser)]
#[command(
    version,
    about = "What a big store costs: disk, memory and time to open, the start-up check, the full verify()",
    after_help = "Examples:\n  store-cost --orders 100000\n  store-cost --orders 1000000 --runs 3"
)]
struct Cli {
    /// Orders in the store (built once and cached under target/bench-data/).
    #[arg(long, default_value_t = 1_000_000, env = "SHOP_STORE_COST_ORDERS")]
    orders: u64,
    /// Runs of each phase; medians are reported.
    #[arg(long, default_value_t = 3, env = "SHOP_STORE_COST_RUNS")]
    runs: usize,
    /// Measure this store (which must hold --orders orders, built as the cached one is)
    /// instead of the cached build: e.g. a copy of it migrated to the current schema.
    #[arg(long, env = "SHOP_STORE_COST_STORE")]
    store: Option<PathBuf>,
    /// sled's cache in MiB (the shop's default when not given).
    #[arg(long, env = "SHOP_STORE_COST_CACHE_MIB")]
    cache_mib: Option<u64>,
    #[command(subcommand)]
    phase: Option<PhaseCmd>,
}

#[derive(Subcommand)]
enum PhaseCmd {
    /// (internal) Runs one phase on DB and prints its figures.
    #[command(hide = true)]
    Phase {
        /// open, startup, scan or verify.
        name: String,
        /// The store to open.
        #[arg(long)]
        db: PathBuf,
    },
}

/// One phase's figures, as a child prints them: `figures SECONDS RSS_BYTES PEAK_BYTES`.
struct Figures {
    seconds: f64,
    rss: u64,
    peak: u64,
    detail: String,
}

fn run_phase(
    name: &str,
    db: &Path,
    orders: u64,
    cache_mib: Option<u64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let clock = bigstore::clock_after(orders);
    let started = Instant::now();
    let mut config = bigstore::config(clock, Durability::Immediate);
    if let Some(mib) = cache_mib {
        config.cache_capacity_bytes = mib * 1024 * 1024;
    }
    if name == "restore" {
        // The backup the `backup` phase left, into a new store (which `restore` verifies).
        let restored = Shop::restore(
            db.with_extension("bak"),
            db.with_extension("restored"),
            config,
        )?;
        drop(restored);
        let detail = "restored (Shop::restore verifies it)";
        println!(
            "figures {} {} {} {detail}",
            started.elapsed().as_secs_f64(),
            sysinfo::rss_bytes().unwrap_or(0),
            sysinfo::peak_rss_bytes().unwrap_or(0)
        );
        return Ok(());
    }
    let shop = Shop::open(db, config)?;
    let detail = match name {
        "open" => {
            let owner = shop.actor(UserId::new(bigstore::OWNER).expect("a valid id"))?;
            let dashboard = shop.dashboard(&owner, DashboardOptions::default())?;
            format!("{} orders on the dashboard", dashboard.orders.total)
        }
        "startup" => {
            let check = shop.check_startup()?;
            if !check.problems.is_empty() {
                return Err(format!("the start-up check found problems: {check}").into());
            }
            check.to_string()
        }
        "scan" => {
            // Every record read once, nothing kept: what reading the whole store costs.
            let digest = shop.state_digest()?;
            format!("state digest {:02x}{:02x}…", digest[0], digest[1])
        }
        "verify" => {
            let report = shop.verify()?;
            if !report.is_healthy() {
                return Err(format!("verify() found problems: {report}").into());
            }
            report.to_string()
        }
        "backup" => {
            // A consistent snapshot of the whole store into one file (what the bot does on
            // its schedule), next to the store.
            let owner = shop.actor(UserId::new(bigstore::OWNER).expect("a valid id"))?;
            let summary = shop.backup(&owner, db.with_extension("bak"))?;
            format!(
                "{} records, {}",
                summary.entries,
                sysinfo::mib(summary.bytes)
            )
        }
        other => return Err(format!("unknown phase {other}").into()),
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "figures {seconds} {} {} {detail}",
        sysinfo::rss_bytes().unwrap_or(0),
        sysinfo::peak_rss_bytes().unwrap_or(0)
    );
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(to)?;
    let mut bytes = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            bytes += copy_dir(&entry.path(), &target)?;
        } else {
            bytes += std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(bytes)
}

fn child(
    name: &str,
    db: &Path,
    orders: u64,
    cache_mib: Option<u64>,
) -> Result<Figures, Box<dyn std::error::Error>> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--orders", &orders.to_string()]);
    if let Some(mib) = cache_mib {
        command.args(["--cache-mib", &mib.to_string()]);
    }
    let out = command.args(["phase", name, "--db"]).arg(db).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("figures "))
        .ok_or_else(|| {
            format!(
                "phase {name} failed ({}): {}{}",
                out.status,
                text,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let mut parts = line.splitn(4, ' ');
    let mut next = || parts.next().unwrap_or_default().to_string();
    Ok(Figures {
        seconds: next().parse()?,
        rss: next().parse()?,
        peak: next().parse()?,
        detail: next(),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    if let Some(PhaseCmd::Phase { name, db }) = &cli.phase {
        return run_phase(name, db, cli.orders, cli.cache_mib);
    }
    let cached = match &cli.store {
        Some(path) => path.clone(),
        None => bigstore::store_for(cli.orders)?,
    };
    let work = tempfile::tempdir_in(cached.parent().unwrap_or(Path::new(".")))?;
    let bytes = copy_dir(&cached, &work.path().join("shop.db"))?;
    println!(
        "store: {} orders, {} on disk, {:.2} MiB per 1,000 orders; {} CPUs ({}), {}",
        cli.orders,
        sysinfo::mib(bytes),
        bytes as f64 / 1_048_576.0 / (cli.orders as f64 / 1_000.0),
        sysinfo::cpus(),
        sysinfo::cpu_model(),
        shop_benches::ALLOCATOR
    );
    let mut table: Vec<(String, Vec<Figures>)> = Vec::new();
    for round in 0..cli.runs.max(1) {
        for name in [
            "open", "startup", "restart", "scan", "verify", "backup", "restore",
        ] {
            // A fresh copy per run: the first open of the cached store may migrate it, and
            // the start-up check and verify() record their watermark.
            let db = work.path().join(format!("{name}-{round}.db"));
            copy_dir(&cached, &db)?;
            if name == "restore" {
                // The file to restore, made by an uncounted backup phase.
                child("backup", &db, cli.orders, cli.cache_mib)?;
            }
            let figures = if name == "restart" {
                // The start-up of a bot that has started on this store before: sled replays
                // its log from the snapshot it wrote when it was last opened, so an
                // uncounted first start comes first.
                child("startup", &db, cli.orders, cli.cache_mib)?;
                child("startup", &db, cli.orders, cli.cache_mib)?
            } else {
                child(name, &db, cli.orders, cli.cache_mib)?
            };
            println!(
                "  {name:8} run {}: {:.2} s, RSS after {}, peak {} ({})",
                round + 1,
                figures.seconds,
                sysinfo::mib(figures.rss),
                sysinfo::mib(figures.peak),
                figures.detail
            );
            std::fs::remove_dir_all(&db)?;
            let _ = std::fs::remove_file(db.with_extension("bak"));
            let _ = std::fs::remove_dir_all(db.with_extension("restored"));
            match table.iter_mut().find(|(n, _)| n == name) {
                Some((_, runs)) => runs.push(figures),
                None => table.push((name.to_string(), vec![figures])),
            }
        }
    }
    println!("\nmedians of {} run(s):", cli.runs.max(1));
    println!("| phase | seconds | RSS after | peak RSS |\n|---|---|---|---|");
    let mut medians = Vec::new();
    for (name, runs) in &table {
        let median = |f: fn(&Figures) -> f64| {
            stats::median(&runs.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
        };
        let secs = median(|f| f.seconds);
        let rss = median(|f| f.rss as f64);
        let peak = median(|f| f.peak as f64);
        println!(
            "| {name} | {secs:.2} | {} | {} |",
            sysinfo::mib(rss as u64),
            sysinfo::mib(peak as u64)
        );
        medians.push((name.clone(), secs, peak));
    }
    if let (Some(startup), Some(verify)) = (
        medians.iter().find(|m| m.0 == "startup"),
        medians.iter().find(|m| m.0 == "verify"),
    ) {
        println!(
            "start-up check ÷ full verify(): time {:.3}, peak memory {:.2}",
            startup.1 / verify.1.max(f64::EPSILON),
            startup.2 / verify.2.max(1.0)
        );
    }
    Ok(())
}
