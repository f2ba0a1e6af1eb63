//! `load`: the whole shop under N concurrent shoppers, through shopcore's public API only.
//!
//! Each shopper is a thread running a closed-loop mix with no think time: browse the
//! catalog (30%), quote (20%), order paid from the balance (40%: nine in ten for a code-pool
//! product that completes at once in AUTO mode, one in ten for a manual product that staff
//! complete — the shopper waits for the delivery notice, then looks at the order), and
//! request a top-up (10%) that staff approve. Staff threads (two, plus one per 16 shoppers)
//! complete orders and approve top-ups as they are announced; one of them also restocks
//! codes, glances at the dashboard twice a second and indexes the audit log every 2 s (as
//! the bot does; what is left to index is indexed at the end of each run and counted).
//! Every call is durable under the chosen
//! policy. `--mix orders` makes shoppers only order (code product).
//!
//! It prints throughput, p50/p99/max latency, orders per group-commit flush, peak RSS
//! (`VmHWM`), the database size per 1,000 orders, and three baselines measured in the same
//! run on the same disk, next to the database: one fsync per 4 KiB write, a bare sled
//! database flushed once per write, and SQLite doing a minimal order transaction with the
//! same number of shoppers (WAL, `synchronous=FULL`, one connection; see
//! [`shop_benches::sqlite_baseline`]), with the ratio shop ÷ SQLite. Each measurement is
//! repeated `--rounds` times and medians are reported. It ends with `verify()` and exits
//! non-zero if that finds problems (or if a call failed with a storage error).
//!
//! `--compare-ref GITREF` builds another commit's `load` and runs it beside this one,
//! alternately, printing every figure with the ratio new ÷ old
//! ([`shop_benches::compare`]).
//!
//! ```text
//! cargo run --release -p shop-benches --bin load -- [--quick] [--shoppers 1,8,32,128]
//!     [--seconds 4] [--orders 20000] [--durability immediate,power-safe,background]
//!     [--rounds 3] [--db PATH] [--preload N] [--mix realistic|orders] [--cache-mib M]
//!     [--keep] [--no-sqlite] [--compare-ref GITREF]
//! ```
//! (`--help` says more; every option falls back to a `SHOP_LOAD_*` environment variable.)

use shop_benches::baseline::{self, Rate};
use shop_benches::{compare, sqlite_baseline};

shop_benches::use_shop_allocator!();

use clap::builder::{
    BoolishValueParser, EnumValueParser, PossibleValue, RangedU64ValueParser, TypedValueParser,
};
use clap::{Parser, ValueEnum};
use shop_benches::fixture::{self, CODES_PER_UPLOAD, Fixture, key};
use shop_benches::stats::{Summary, fmt_us, median, summarize};
use shop_benches::sysinfo;
use shopcore::{Actor, DashboardOptions, Durability, Error, OrderId, Registration, Shop, TopupId};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LONG_ABOUT: &str = "\
The whole shop under N concurrent shoppers, through shopcore's public API only.

Each shopper is a thread running a closed loop with no think time: browse 30%, quote 20%, order
paid from the balance 40%, request a top-up 10% (--mix orders: orders only; --mix profiles: each
shopper renames themself, an audited write of their own record). Staff threads (two,
plus one per 16 shoppers) complete orders and approve top-ups as they come. Every call is durable
under the policy measured.

It prints throughput, p50/p99/max latency, orders per group-commit flush, peak RSS, the database
size per 1,000 orders and the baselines below; each measurement is repeated --rounds times and
medians are reported. It ends with verify().

Baselines, measured in the same run next to the database: one fsync per 4 KiB write (the disk's
one-commit-at-a-time ceiling); a bare sled database flushed once per insert; and SQLite (bundled, WAL, synchronous=FULL, one connection
shared by the shoppers behind a mutex) doing the minimal order — check and debit the wallet,
insert the order, a ledger row and a hash-chained audit row, in one transaction — with as many
shoppers and as long as each shop measurement of the first policy (orders only, whatever --mix
says), and the ratio shop ÷ SQLite. It is a yardstick, not a backend of the shop.

--compare-ref GITREF runs another commit's load beside this one: it checks that commit out as a
git worktree under TARGET/load-compare/ (TARGET: this program's target directory), builds its
load there (once; the binary is reused after), then runs the old and this build alternately
(old, new, old, new…: --rounds runs of each, each with --rounds 1 and the other options given)
and prints every figure of both with new ÷ old. Options the old load does not know stop it with
a message; --db cannot be compared (both would write to the same store).

Every option can also be set in the environment (SHOP_LOAD_…, shown with each option). The
command line wins over the environment, and both win over --quick's presets.

Exit status: 0 when the run finished and verify() is healthy, 1 when verify() found a problem or
a call failed with a storage error, 2 for a bad command line.";

const EXAMPLES: &str = "  cargo run --release -p shop-benches --bin load                     # the README table, ~5 min
  cargo run --release -p shop-benches --bin load -- --quick          # CI-sized
  load --shoppers 1,32 --durability immediate,power-safe --db COPY   # a copy of a real store
  load --preload 1000000 --mix orders --rounds 1
  load --shoppers 32 --durability immediate --mix orders --compare-ref main   # new ÷ old
  SHOP_LOAD_SECONDS=10 SHOP_LOAD_ROUNDS=5 load --shoppers 32";

/// `Examples:` styled as clap styles its own headings (bold and underlined on a terminal,
/// plain text elsewhere), then the examples.
fn examples() -> String {
    let heading = *clap::builder::Styles::styled().get_header();
    format!("{heading}Examples:{heading:#}\n{EXAMPLES}")
}

/// The command line. Every option falls back to a `SHOP_LOAD_` environment variable; the
/// options left out take `--quick`'s presets, then the defaults ([`Options::default`]).
#[derive(Debug, Parser)]
#[command(
    name = "load",
    version,
    about = "The whole shop under N concurrent shoppers: throughput, latency, memory, verify()",
    long_about = LONG_ABOUT,
    after_help = examples()
)]
struct Cli {
    /// CI-sized presets for the options not given: shoppers 1,32; 1 s each; 5000 orders;
    /// 1 round; immediate only
    #[arg(long, env = "SHOP_LOAD_QUICK", value_parser = BoolishValueParser::new())]
    quick: bool,

    /// Concurrent shoppers per measurement, comma-separated (default 1,8,32,128; --quick
    /// 1,32)
    #[arg(
        long,
        value_name = "N,…",
        env = "SHOP_LOAD_SHOPPERS",
        value_delimiter = ',',
        value_parser = Trimmed(RangedU64ValueParser::<usize>::new().range(1..))
    )]
    shoppers: Option<Vec<usize>>,

    /// Length of one measurement in seconds, more than 0 and at most 600 (default 4;
    /// --quick 1)
    #[arg(long, value_name = "S", env = "SHOP_LOAD_SECONDS", value_parser = parse_seconds)]
    seconds: Option<f64>,

    /// At most this many orders per measurement (default 20000; --quick 5000)
    #[arg(
        long,
        value_name = "N",
        env = "SHOP_LOAD_ORDERS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    orders: Option<u64>,

    /// Durability policies to measure, comma-separated (default all three; --quick
    /// immediate)
    #[arg(
        long,
        value_name = "POLICY,…",
        env = "SHOP_LOAD_DURABILITY",
        value_delimiter = ',',
        ignore_case = true,
        value_parser = Trimmed(EnumValueParser::<Policy>::new())
    )]
    durability: Option<Vec<Policy>>,

    /// Repeat every measurement this often, 1 to 20; medians are reported (default 3;
    /// --quick 1)
    #[arg(
        long,
        value_name = "R",
        env = "SHOP_LOAD_ROUNDS",
        value_parser = RangedU64ValueParser::<usize>::new().range(1..=20)
    )]
    rounds: Option<usize>,

    /// The shop to load (default: a new one in a temporary directory), or a postgres:// URL
    /// (give a new `?schema=NAME` for an empty shop). An existing sled shop with orders is
    /// compared with an empty one made next to it; the run writes to it (benchmark
    /// products, users, orders; AUTO fulfilment), so point it at a copy
    #[arg(long, value_name = "PATH", env = "SHOP_LOAD_DB")]
    db: Option<PathBuf>,

    /// First measure the shop as it is, then add N orders through the API (Background
    /// durability) and measure again
    #[arg(long, value_name = "N", env = "SHOP_LOAD_PRELOAD", default_value_t = 0)]
    preload: u64,

    /// sled's cache size in MiB (default: shopcore's, 64 MiB)
    #[arg(
        long,
        value_name = "M",
        env = "SHOP_LOAD_CACHE_MIB",
        value_parser = clap::value_parser!(u64).range(1..=1_048_576)
    )]
    cache_mib: Option<u64>,

    /// What shoppers do: the realistic mix, only orders (a code product that completes at
    /// once), or only profile changes (each shopper renames themself: an audited write of
    /// their own record)
    #[arg(
        long,
        value_name = "MIX",
        env = "SHOP_LOAD_MIX",
        value_enum,
        default_value_t = Mix::Realistic
    )]
    mix: Mix,

    /// How shoppers and staff call the shop: `direct` (each thread calls it and waits, as
    /// an embedding program does) or `calls` (through `Shop::call`, the future the bot
    /// awaits: a few call threads run the calls, one flusher answers them)
    #[arg(
        long,
        value_name = "HOW",
        env = "SHOP_LOAD_VIA",
        value_enum,
        default_value_t = Via::Direct
    )]
    via: Via,

    /// Keep the temporary directory
    #[arg(long, env = "SHOP_LOAD_KEEP", value_parser = BoolishValueParser::new())]
    keep: bool,

    /// Skip the SQLite baseline (measured by default with each shop measurement of the
    /// first policy)
    #[arg(long, env = "SHOP_LOAD_NO_SQLITE", value_parser = BoolishValueParser::new())]
    no_sqlite: bool,

    /// Also build the load of this git commit (branch, tag, id) and run it alternately with
    /// this one, --rounds times each, with the same options; prints new ÷ old for every
    /// figure
    #[arg(
        long,
        value_name = "GITREF",
        env = "SHOP_LOAD_COMPARE_REF",
        conflicts_with = "db",
        value_parser = clap::builder::NonEmptyStringValueParser::new()
    )]
    compare_ref: Option<String>,
}

/// A durability policy as typed (shopcore's `Durability` has no command-line names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Policy {
    /// Group commit: a call returns after a flush that covers it (survives a killed process)
    #[value(alias = "group-commit", alias = "group_commit")]
    Immediate,
    /// Immediate plus fdatasync (survives power loss)
    #[value(alias = "power_safe", alias = "powersafe")]
    PowerSafe,
    /// Flushed in the background
    Background,
}

impl From<Policy> for Durability {
    fn from(p: Policy) -> Durability {
        match p {
            Policy::Immediate => Durability::Immediate,
            Policy::PowerSafe => Durability::PowerSafe,
            Policy::Background => Durability::Background,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mix {
    /// Browse, quote, order, top up
    Realistic,
    /// Only orders
    Orders,
    /// Only profile changes: each shopper renames themself, an audited write of their own
    /// record (of the shop's shared records, it writes only the audit log)
    Profiles,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Via {
    /// Each thread calls the shop and waits
    Direct,
    /// Through `Shop::call`, as the bot
    Calls,
}

/// Trims spaces around a value, as in `--shoppers "1, 8"` (the list is split at commas
/// first), then parses it with the inner parser, whose possible values help still lists.
#[derive(Clone)]
struct Trimmed<P>(P);

impl<P: TypedValueParser> TypedValueParser for Trimmed<P> {
    type Value = P::Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<P::Value, clap::Error> {
        let trimmed = value.to_str().map_or(value, |v| OsStr::new(v.trim()));
        self.0.parse_ref(cmd, arg, trimmed)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        self.0.possible_values()
    }
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= 600.0)
        .ok_or_else(|| "must be a number of seconds, more than 0 and at most 600".into())
}

/// Command-line options, resolved.
#[derive(Clone, Debug, PartialEq)]
struct Options {
    shoppers: Vec<usize>,
    seconds: f64,
    orders: u64,
    policies: Vec<Durability>,
    rounds: usize,
    db: Option<PathBuf>,
    preload: u64,
    keep: bool,
    /// What shoppers do (`Orders`: code product, AUTO, pure durable order throughput).
    mix: Mix,
    /// Calls go through `Shop::call` (`--via calls`).
    via_calls: bool,
    /// sled's cache in bytes; `None` keeps shopcore's default.
    cache_bytes: Option<u64>,
    /// Measure the SQLite baseline.
    sqlite: bool,
    /// Run this commit's `load` beside this one instead ([`compare::drive`]).
    compare_ref: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            shoppers: vec![1, 8, 32, 128],
            seconds: 4.0,
            orders: 20_000,
            policies: vec![
                Durability::Immediate,
                Durability::PowerSafe,
                Durability::Background,
            ],
            rounds: 3,
            db: None,
            preload: 0,
            keep: false,
            mix: Mix::Realistic,
            via_calls: false,
            cache_bytes: None,
            sqlite: true,
            compare_ref: None,
        }
    }
}

impl Options {
    /// `--quick`'s presets: CI-sized.
    fn quick() -> Options {
        Options {
            shoppers: vec![1, 32],
            seconds: 1.0,
            orders: 5_000,
            policies: vec![Durability::Immediate],
            rounds: 1,
            ..Options::default()
        }
    }
}

impl From<Cli> for Options {
    fn from(cli: Cli) -> Options {
        let base = if cli.quick {
            Options::quick()
        } else {
            Options::default()
        };
        Options {
            shoppers: cli.shoppers.unwrap_or(base.shoppers),
            seconds: cli.seconds.unwrap_or(base.seconds),
            orders: cli.orders.unwrap_or(base.orders),
            policies: cli.durability.map_or(base.policies, |p| {
                p.into_iter().map(Durability::from).collect()
            }),
            rounds: cli.rounds.unwrap_or(base.rounds),
            db: cli.db,
            preload: cli.preload,
            keep: cli.keep,
            mix: cli.mix,
            via_calls: cli.via == Via::Calls,
            cache_bytes: cli.cache_mib.map(|mib| mib * 1024 * 1024),
            sqlite: !cli.no_sqlite,
            compare_ref: cli.compare_ref,
        }
    }
}

fn policy_name(d: Durability) -> &'static str {
    match d {
        Durability::Immediate => "immediate",
        Durability::PowerSafe => "power-safe",
        Durability::Background => "background",
    }
}

/// Parses the arguments after the program name (and the `SHOP_LOAD_*` variables).
fn parse_args<I: AsRef<OsStr>>(args: impl IntoIterator<Item = I>) -> Result<Options, clap::Error> {
    let args = args.into_iter().map(|a| a.as_ref().to_owned());
    Cli::try_parse_from(std::iter::once(OsString::from("load")).chain(args)).map(Options::from)
}

/// The kinds of calls the load makes; latencies are kept per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Browse,
    Quote,
    Order,
    OrderStatus,
    Topup,
    Approve,
    Complete,
    Restock,
    Dashboard,
    IndexAudit,
    Profile,
}

impl Op {
    const ALL: [Op; 11] = [
        Op::Browse,
        Op::Quote,
        Op::Order,
        Op::OrderStatus,
        Op::Topup,
        Op::Approve,
        Op::Complete,
        Op::Restock,
        Op::Dashboard,
        Op::IndexAudit,
        Op::Profile,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Browse => "browse",
            Op::Quote => "quote",
            Op::Order => "create order",
            Op::OrderStatus => "order status",
            Op::Topup => "request top-up",
            Op::Approve => "approve top-up",
            Op::Complete => "complete order",
            Op::Restock => "restock codes",
            Op::Dashboard => "dashboard",
            Op::IndexAudit => "index audit log",
            Op::Profile => "profile",
        }
    }
}

/// What one thread saw: latencies per kind (µs), refusals by kind, storage errors.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Vec<u64>>,
    refusals: BTreeMap<&'static str, u64>,
    fatal: Vec<String>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            latencies: vec![Vec::new(); Op::ALL.len()],
            ..Tally::default()
        }
    }

    /// Runs `f`, records its latency under `op` when it succeeds, and its error otherwise.
    fn time<T>(&mut self, op: Op, f: impl FnOnce() -> shopcore::Result<T>) -> Option<T> {
        let start = Instant::now();
        match f() {
            Ok(v) => {
                self.latencies[op as usize].push(start.elapsed().as_micros() as u64);
                Some(v)
            }
            Err(e) => {
                self.error(op, e);
                None
            }
        }
    }

    fn error(&mut self, op: Op, e: Error) {
        if matches!(e, Error::Store(_)) {
            self.fatal.push(format!("{}: {e}", op.name()));
        }
        *self.refusals.entry(e.kind()).or_default() += 1;
    }

    fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.latencies.iter_mut().zip(other.latencies) {
            mine.extend(theirs);
        }
        for (k, v) in other.refusals {
            *self.refusals.entry(k).or_default() += v;
        }
        self.fatal.extend(other.fatal);
    }
}

/// Work announced to staff, as a frontend would notify them.
enum Task {
    /// Complete the order, then tell the shopper.
    Complete(OrderId, Sender<()>),
    Approve(TopupId),
}

/// A tiny deterministic generator (xorshift64*) for the mix.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

struct Shared {
    shop: Arc<Shop>,
    fixture: Arc<Fixture>,
    deadline: Instant,
    order_slots: AtomicU64,
    mix: Mix,
    via_calls: bool,
}

impl Shared {
    /// Runs `call` against the shop: directly, or through `Shop::call` awaited on this
    /// thread (`--via calls`), as the bot does.
    fn on_shop<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Shop) -> shopcore::Result<T> + Send + 'static,
    ) -> shopcore::Result<T> {
        if self.via_calls {
            match futures_executor::block_on(self.shop.call(call)) {
                Ok(answer) => answer,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        } else {
            call(&self.shop)
        }
    }
}

/// One shopper's loop until the deadline or until the orders of the measurement run out.
fn shopper(s: &Shared, actor: Actor, tasks: Sender<Task>, seed: u64) -> Tally {
    let mut t = Tally::new();
    let mut rng = Rng(seed | 1);
    let user = actor.user_id().expect("a shopper is a user");
    let code_order = Fixture::by_balance(s.fixture.code_product);
    let manual_order = Fixture::by_balance(s.fixture.manual_product);
    let mut open_manual: Option<(OrderId, Receiver<()>)> = None;
    let mut n = 0u64;
    while Instant::now() < s.deadline {
        n += 1;
        if let Some((id, delivered)) = open_manual.take() {
            // Waiting for staff to deliver (one open order per shopper): the bot tells the
            // shopper when it is done, and they look at the order once.
            let wait = s.deadline.saturating_duration_since(Instant::now());
            if delivered.recv_timeout(wait).is_err() {
                break;
            }
            let who = actor.clone();
            t.time(Op::OrderStatus, || {
                s.on_shop(move |shop| shop.order(&who, id))
            });
        }
        let roll = match s.mix {
            Mix::Orders => 50,
            Mix::Realistic => rng.below(100),
            Mix::Profiles => {
                let name = format!("Shopper {} ({n})", user.get());
                t.time(Op::Profile, || {
                    s.on_shop(move |shop| {
                        shop.register_user(&Registration {
                            id: user,
                            username: None,
                            display_name: &name,
                            language: Some("en"),
                        })
                    })
                });
                continue;
            }
        };
        match roll {
            0..30 => {
                let category = s.fixture.category;
                t.time(Op::Browse, || {
                    s.on_shop(move |shop| {
                        shop.categories(true)?;
                        shop.products_on_sale(category, None, 10)
                    })
                });
            }
            30..50 => {
                let (who, request) = (actor.clone(), code_order.clone());
                t.time(Op::Quote, || {
                    s.on_shop(move |shop| shop.quote(&who, &request))
                });
            }
            50..90 => {
                if s.order_slots
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| x.checked_sub(1))
                    .is_err()
                {
                    break;
                }
                let manual = s.mix == Mix::Realistic && rng.below(10) == 0;
                let request = if manual { &manual_order } else { &code_order }.clone();
                let (who, k) = (actor.clone(), key(&format!("o{n}")));
                if let Some(order) = t.time(Op::Order, || {
                    s.on_shop(move |shop| shop.create_order(&who, &request, &k))
                }) {
                    if order.status.is_open() {
                        let (done, delivered) = mpsc::channel();
                        open_manual = Some((order.id, delivered));
                        let _ = tasks.send(Task::Complete(order.id, done));
                    }
                } else {
                    // A refused order gives its slot back.
                    s.order_slots.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {
                let pending = s
                    .on_shop(move |shop| shop.wallet(user))
                    .map(|w| w.pending_topups)
                    .unwrap_or(0);
                if pending < 3 {
                    // Each transfer its own proof (a repeated one would need a second
                    // confirmation from staff).
                    let request = s.fixture.topup(5, &format!("t{}-{n}", user.get()));
                    let who = actor.clone();
                    if let Some(topup) = t.time(Op::Topup, || {
                        s.on_shop(move |shop| shop.request_topup(&who, &request))
                    }) {
                        let _ = tasks.send(Task::Approve(topup.id));
                    }
                }
            }
        }
    }
    t
}

/// A staff member's loop: handles announced work until every shopper is done and the queue
/// is empty. The first one also restocks codes and glances at the dashboard twice a second.
fn staff(s: &Shared, tasks: &Mutex<Receiver<Task>>, upkeep: bool) -> Tally {
    let mut t = Tally::new();
    let mut last_upkeep = Instant::now();
    let mut last_index = Instant::now();
    let admin = &s.fixture.admin;
    loop {
        // As the bot does: the audit log's index keys are written in the background, by
        // one process of a shared shop at a time (the one holding the job's lease).
        if upkeep && last_index.elapsed() >= INDEX_EVERY {
            last_index = Instant::now();
            let holder = format!("load-{}", std::process::id());
            let mine = !s.shop.is_shared()
                || s.shop
                    .claim_job(
                        "audit_index",
                        &holder,
                        INDEX_EVERY * 3 + Duration::from_secs(10),
                    )
                    .unwrap_or(false);
            if mine {
                t.time(Op::IndexAudit, || s.shop.index_audit_log());
            }
        }
        if upkeep && last_upkeep.elapsed() >= Duration::from_millis(500) {
            last_upkeep = Instant::now();
            for _ in 0..4 {
                match s.fixture.codes_available(&s.shop) {
                    Ok(left) if left < 3 * CODES_PER_UPLOAD as u64 => {
                        t.time(Op::Restock, || s.fixture.restock(&s.shop));
                    }
                    Ok(_) => break,
                    Err(e) => {
                        t.error(Op::Restock, e);
                        break;
                    }
                }
            }
            t.time(Op::Dashboard, || {
                s.shop.dashboard(admin, DashboardOptions::default())
            });
        }
        let next = tasks
            .lock()
            .expect("task queue")
            .recv_timeout(Duration::from_millis(20));
        let support = &s.fixture.support;
        match next {
            Ok(Task::Complete(id, done)) => {
                let (who, k) = (support.clone(), key(&format!("c{id}")));
                t.time(Op::Complete, || {
                    s.on_shop(move |shop| shop.complete_order(&who, id, Some("Delivered"), &k))
                });
                let _ = done.send(());
            }
            Ok(Task::Approve(id)) => {
                let (who, k) = (support.clone(), key(&format!("a{id}")));
                t.time(Op::Approve, || {
                    s.on_shop(move |shop| shop.approve_topup(&who, id, &k))
                });
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    t
}

/// How often the first staff thread indexes the audit log, as the bot does.
const INDEX_EVERY: Duration = Duration::from_secs(2);

/// Staff on duty for a number of concurrent shoppers: two, plus one per 16 shoppers.
fn staff_count(shoppers: usize) -> usize {
    2 + shoppers / 16
}

/// One measurement: `shoppers` threads for `seconds`.
struct Level {
    orders: u64,
    elapsed: Duration,
    flushes: u64,
    tally: Tally,
}

impl Level {
    fn orders_per_second(&self) -> f64 {
        self.orders as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn ops(&self) -> u64 {
        self.tally.latencies.iter().map(|v| v.len() as u64).sum()
    }

    /// Calls of every kind per second (what `--mix profiles` measures: it places no order).
    fn ops_per_second(&self) -> f64 {
        self.ops() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn summary(&self, op: Op) -> Summary {
        summarize(&mut self.tally.latencies[op as usize].clone())
    }
}

fn run_level(
    shop: &Arc<Shop>,
    fixture: &Arc<Fixture>,
    shoppers: usize,
    o: &Options,
) -> shopcore::Result<Level> {
    let actors: Vec<Actor> = (0..shoppers)
        .map(|_| fixture.shopper(shop))
        .collect::<shopcore::Result<_>>()?;
    let flushes_before = shop.flush_count();
    let store_before = shop.store_counters();
    let tables_before = shop.store_writes_by_table();
    let start = Instant::now();
    let shared = Arc::new(Shared {
        shop: shop.clone(),
        fixture: fixture.clone(),
        deadline: start + Duration::from_secs_f64(o.seconds),
        order_slots: AtomicU64::new(o.orders),
        mix: o.mix,
        via_calls: o.via_calls,
    });
    let (tx, rx) = mpsc::channel();
    let rx = Arc::new(Mutex::new(rx));
    let staff_threads: Vec<_> = (0..staff_count(shoppers))
        .map(|i| {
            let (s, rx) = (shared.clone(), rx.clone());
            std::thread::spawn(move || staff(&s, &rx, i == 0))
        })
        .collect();
    let shopper_threads: Vec<_> = actors
        .into_iter()
        .enumerate()
        .map(|(i, actor)| {
            let (s, tx) = (shared.clone(), tx.clone());
            std::thread::spawn(move || shopper(&s, actor, tx, 0x9e37_79b9 + i as u64))
        })
        .collect();
    drop(tx);
    let mut tally = Tally::new();
    for h in shopper_threads {
        tally.merge(h.join().expect("a shopper panicked"));
    }
    let elapsed = start.elapsed();
    for h in staff_threads {
        tally.merge(h.join().expect("a staff thread panicked"));
    }
    let orders = tally.latencies[Op::Order as usize].len() as u64;
    // What the run left to index is part of its cost.
    tally.time(Op::IndexAudit, || shop.index_audit_log());
    let store = shop.store_counters();
    let (commits, batches) = (
        store.commits - store_before.commits,
        store.batches - store_before.batches,
    );
    let sled_writes = store.sled_writes - store_before.sled_writes;
    let body_writes = store.body_writes - store_before.body_writes;
    let conflicts = store.conflicts - store_before.conflicts;
    println!(
        "  store: {commits} commits in {batches} batches ({conflicts} batches ran again after a conflict with another process); sled writes {:.1} per order (every write of the run ÷ orders), {:.1} per commit ({:.1} before batching)",
        sled_writes as f64 / orders.max(1) as f64,
        sled_writes as f64 / commits.max(1) as f64,
        body_writes as f64 / commits.max(1) as f64,
    );
    let mut by_table: Vec<(&str, f64)> = shop
        .store_writes_by_table()
        .into_iter()
        .map(|(table, n)| {
            let before = tables_before
                .iter()
                .find(|(t, _)| *t == table)
                .map_or(0, |(_, b)| *b);
            (table, (n - before) as f64 / orders.max(1) as f64)
        })
        .filter(|(_, per_order)| *per_order >= 0.05)
        .collect();
    by_table.sort_by(|a, b| b.1.total_cmp(&a.1));
    let listed: Vec<String> = by_table
        .iter()
        .map(|(table, per_order)| format!("{table} {per_order:.2}"))
        .collect();
    println!("  sled writes per order by table: {}", listed.join(", "));
    Ok(Level {
        orders,
        elapsed,
        flushes: shop.flush_count() - flushes_before,
        tally,
    })
}

/// Adds `n` orders through the API with Background durability, on both cores.
fn preload(path: &Path, n: u64, o: &Options) -> shopcore::Result<()> {
    let started = Instant::now();
    let shop = Arc::new(fixture::open_with(
        path,
        Durability::Background,
        o.cache_bytes,
    )?);
    let fixture = Arc::new(Fixture::setup(&shop, 4 * CODES_PER_UPLOAD)?);
    let left = Arc::new(AtomicU64::new(n));
    let restock = Arc::new(Mutex::new(()));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (shop, fixture, left, restock) =
                (shop.clone(), fixture.clone(), left.clone(), restock.clone());
            std::thread::spawn(move || -> shopcore::Result<()> {
                let request = Fixture::by_balance(fixture.code_product);
                let mut buyer = fixture.shopper(&shop)?;
                let mut i = 0u64;
                while left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| x.checked_sub(1))
                    .is_ok()
                {
                    i += 1;
                    if i.is_multiple_of(1_000) {
                        // About a thousand orders per shopper, as in a real history.
                        buyer = fixture.shopper(&shop)?;
                        let _guard = restock.lock().expect("restock lock");
                        while fixture.codes_available(&shop)? < 3 * CODES_PER_UPLOAD as u64 {
                            fixture.restock(&shop)?;
                        }
                    }
                    shop.create_order(&buyer, &request, &key(&format!("p{i}")))?;
                    let remaining = left.load(Ordering::Relaxed);
                    if remaining.is_multiple_of(100_000) && remaining > 0 {
                        eprintln!(
                            "  preload: {} orders left after {:.0} s",
                            remaining,
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                Ok(())
            })
        })
        .collect();
    for h in threads {
        h.join().expect("a preload thread panicked")?;
    }
    shop.flush()?;
    eprintln!(
        "  preloaded {n} orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Dashboard latency on a quiet shop: 5 warm-up calls, then 40 measured.
fn dashboard_latency(shop: &Shop) -> shopcore::Result<Summary> {
    let admin = shop.system_actor("bench")?;
    for _ in 0..5 {
        shop.dashboard(&admin, DashboardOptions::default())?;
    }
    let mut samples = Vec::new();
    for _ in 0..40 {
        let start = Instant::now();
        shop.dashboard(&admin, DashboardOptions::default())?;
        samples.push(start.elapsed().as_micros() as u64);
    }
    Ok(summarize(&mut samples))
}

fn total_orders(shop: &Shop) -> shopcore::Result<u64> {
    let admin = shop.system_actor("bench")?;
    Ok(shop
        .dashboard(&admin, DashboardOptions::default())?
        .orders
        .total)
}

/// Everything measured on one database.
struct Phase {
    label: String,
    orders_before: u64,
    dashboard_before: Summary,
    dashboard_after: Summary,
    /// (policy, shoppers) → one level per round.
    levels: Vec<(Durability, usize, Vec<Level>)>,
    fsync: Vec<Rate>,
    sled: Vec<Rate>,
    /// shoppers → one SQLite baseline run per round.
    sqlite: Vec<(usize, Vec<sqlite_baseline::Run>)>,
    orders_after: u64,
    size_after: u64,
    problems: Vec<String>,
    fatal: Vec<String>,
}

fn run_phase(label: &str, path: &Path, o: &Options) -> shopcore::Result<Phase> {
    // Baselines write files on the store's disk; a PostgreSQL store's server is on this
    // machine's temporary directory's disk here.
    let dir = if shopcore::Location::is_postgres_url(&path.to_string_lossy()) {
        std::env::temp_dir()
    } else {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    let (orders_before, dashboard_before) = {
        let shop = fixture::open_with(path, Durability::Immediate, o.cache_bytes)?;
        (total_orders(&shop)?, dashboard_latency(&shop)?)
    };
    println!("\n## {label}: {orders_before} orders in the store at the start");
    memory("after opening it and reading the dashboard");
    println!(
        "dashboard on the quiet store: {}",
        fmt_summary(&dashboard_before)
    );
    let seconds = Duration::from_secs_f64(o.seconds);
    let mut phase = Phase {
        label: label.into(),
        orders_before,
        dashboard_before,
        dashboard_after: Summary::default(),
        levels: Vec::new(),
        fsync: Vec::new(),
        sled: Vec::new(),
        sqlite: Vec::new(),
        orders_after: 0,
        size_after: 0,
        problems: Vec::new(),
        fatal: Vec::new(),
    };
    println!(
        "{:<11} {:>8} {:>5} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10}",
        "policy",
        "shoppers",
        "round",
        "orders",
        "orders/s",
        "ops/s",
        "p50",
        "p99",
        "max",
        "orders/flush",
        "RSS",
        "peak RSS"
    );
    for &policy in &o.policies {
        let shop = Arc::new(fixture::open_with(path, policy, o.cache_bytes)?);
        let fixture = Arc::new(Fixture::setup(&shop, 4 * CODES_PER_UPLOAD)?);
        for round in 1..=o.rounds {
            let fsync = baseline::fsync_4k(&dir, seconds, u64::MAX).map_err(io_error)?;
            let sled = baseline::sled_flush_per_write(&dir, seconds, u64::MAX).map_err(io_error)?;
            println!(
                "baseline round {round}: fsync per 4 KiB write {:.0}/s, sled insert+flush {:.0}/s",
                fsync.per_second(),
                sled.per_second()
            );
            phase.fsync.push(fsync);
            phase.sled.push(sled);
            for &n in &o.shoppers {
                let level = run_level(&shop, &fixture, n, o)?;
                let s = level.summary(Op::Order);
                println!(
                    "{:<11} {:>8} {:>5} {:>8} {:>10.0} {:>9.0} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10}",
                    policy_name(policy),
                    n,
                    round,
                    level.orders,
                    level.orders_per_second(),
                    level.ops_per_second(),
                    fmt_us(s.p50_us),
                    fmt_us(s.p99_us),
                    fmt_us(s.max_us),
                    per_flush(level.orders, level.flushes),
                    sysinfo::mib(sysinfo::rss_bytes().unwrap_or(0)),
                    sysinfo::mib(sysinfo::peak_rss_bytes().unwrap_or(0)),
                );
                phase.fatal.extend(level.tally.fatal.iter().cloned());
                match phase
                    .levels
                    .iter_mut()
                    .find(|(p, k, _)| *p == policy && *k == n)
                {
                    Some((_, _, runs)) => runs.push(level),
                    None => phase.levels.push((policy, n, vec![level])),
                }
                if o.sqlite && policy == o.policies[0] {
                    sqlite_level(&mut phase, &dir, n, round, o)?;
                }
            }
        }
    }
    let shop = fixture::open_with(path, Durability::Immediate, o.cache_bytes)?;
    phase.dashboard_after = dashboard_latency(&shop)?;
    phase.orders_after = total_orders(&shop)?;
    phase.size_after = shop.size_on_disk_bytes()?;
    memory("after the load");
    let started = Instant::now();
    phase.problems = shop.verify()?.problems;
    println!(
        "verify: {} problem(s) in {:.1} s",
        phase.problems.len(),
        started.elapsed().as_secs_f64()
    );
    memory("after verify");
    Ok(phase)
}

fn io_error(e: std::io::Error) -> Error {
    Error::Store(shopcore::StoreError::Storage {
        reason: e.to_string(),
    })
}

fn fmt_summary(s: &Summary) -> String {
    format!(
        "p50 {}, p99 {}, max {}",
        fmt_us(s.p50_us),
        fmt_us(s.p99_us),
        fmt_us(s.max_us)
    )
}

fn median_of(levels: &[Level], f: impl Fn(&Level) -> f64) -> f64 {
    median(&levels.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
}

fn rate_median(rates: &[Rate]) -> f64 {
    median(&rates.iter().map(Rate::per_second).collect::<Vec<_>>()).unwrap_or(0.0)
}

fn level_median(phase: &Phase, policy: Durability, shoppers: usize) -> Option<(f64, f64)> {
    phase
        .levels
        .iter()
        .find(|(p, n, _)| *p == policy && *n == shoppers)
        .map(|(_, _, runs)| {
            (
                median_of(runs, Level::orders_per_second),
                median_of(runs, |l| l.summary(Op::Order).p99_us as f64),
            )
        })
}

/// Orders per group-commit flush, or "-" when nothing was flushed (Background).
fn per_flush(orders: u64, flushes: u64) -> String {
    if flushes == 0 {
        "-".into()
    } else {
        format!("{:.1}", orders as f64 / flushes as f64)
    }
}

/// Prints where the process stands on memory.
fn memory(when: &str) {
    println!(
        "memory {when}: RSS {}, peak {}",
        sysinfo::mib(sysinfo::rss_bytes().unwrap_or(0)),
        sysinfo::mib(sysinfo::peak_rss_bytes().unwrap_or(0))
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn report(phase: &Phase) {
    println!(
        "\n### {} — medians over rounds (baselines: median of {} runs)",
        phase.label,
        phase.fsync.len()
    );
    let fsync = rate_median(&phase.fsync);
    let sled = rate_median(&phase.sled);
    println!(
        "| policy | shoppers | orders/s | calls/s | × fsync/4 KiB | × sled flush/order | order p50 | order p99 | order max | orders per flush |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (policy, n, runs) in &phase.levels {
        let ops = median_of(runs, Level::orders_per_second);
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} |",
            policy_name(*policy),
            n,
            ops,
            median_of(runs, Level::ops_per_second),
            ops / fsync,
            ops / sled,
            fmt_us(median_of(runs, |l| l.summary(Op::Order).p50_us as f64) as u64),
            fmt_us(median_of(runs, |l| l.summary(Op::Order).p99_us as f64) as u64),
            fmt_us(median_of(runs, |l| l.summary(Op::Order).max_us as f64) as u64),
            per_flush(
                median_of(runs, |l| l.orders as f64) as u64,
                median_of(runs, |l| l.flushes as f64) as u64
            ),
        );
    }
    println!("| baseline: fsync per 4 KiB write | 1 | {fsync:.0} | | 1.00 | | | | | |");
    println!(
        "| baseline: sled insert + flush per write | 1 | {sled:.0} | | {:.2} | 1.00 | | | | |",
        sled / fsync
    );
    sqlite_rows(phase, fsync, sled);
    // Latency of every kind of call, from the busiest durable level measured.
    if let Some((policy, n, runs)) = phase
        .levels
        .iter()
        .filter(|(p, _, _)| *p != Durability::Background)
        .chain(phase.levels.iter())
        .max_by_key(|(p, n, _)| (*p != Durability::Background, *n))
    {
        println!(
            "\nall calls, {} with {} shoppers (round 1): count, p50, p99, max",
            policy_name(*policy),
            n
        );
        for op in Op::ALL {
            let s = runs[0].summary(op);
            if s.count > 0 {
                println!("  {:<15} {:>7}  {}", op.name(), s.count, fmt_summary(&s));
            }
        }
        let refusals = &runs[0].tally.refusals;
        if !refusals.is_empty() {
            println!("  refusals: {refusals:?}");
        }
    }
    println!(
        "dashboard: {} before the load, {} after",
        fmt_summary(&phase.dashboard_before),
        fmt_summary(&phase.dashboard_after)
    );
    println!(
        "store: {} orders, {} on disk, {} per 1,000 orders",
        phase.orders_after,
        sysinfo::mib(phase.size_after),
        sysinfo::mib(phase.size_after * 1_000 / phase.orders_after.max(1))
    );
}

/// The SQLite baseline at `shoppers`: median orders/s and the medians of its order p50,
/// p99 and max over the rounds.
fn sqlite_median(phase: &Phase, shoppers: usize) -> Option<(f64, Summary)> {
    let (_, runs) = phase.sqlite.iter().find(|(n, _)| *n == shoppers)?;
    let summaries: Vec<Summary> = runs
        .iter()
        .map(|r| summarize(&mut r.latencies_us.clone()))
        .collect();
    let med = |f: fn(&Summary) -> u64| {
        median(&summaries.iter().map(|s| f(s) as f64).collect::<Vec<_>>()).unwrap_or(0.0) as u64
    };
    let ops = median(
        &runs
            .iter()
            .map(|r| r.orders_per_second())
            .collect::<Vec<_>>(),
    )?;
    Some((
        ops,
        Summary {
            count: runs.first().map_or(0, |r| r.latencies_us.len()),
            p50_us: med(|s| s.p50_us),
            p99_us: med(|s| s.p99_us),
            max_us: med(|s| s.max_us),
        },
    ))
}

/// One run of the SQLite baseline with `shoppers` shoppers, as long as a shop measurement,
/// in the shop's directory; printed as a row of the rounds table.
fn sqlite_level(
    phase: &mut Phase,
    dir: &Path,
    shoppers: usize,
    round: usize,
    o: &Options,
) -> shopcore::Result<()> {
    let run = sqlite_baseline::measure(dir, shoppers, Duration::from_secs_f64(o.seconds), o.orders)
        .map_err(io_error)?;
    let s = summarize(&mut run.latencies_us.clone());
    println!(
        "{:<11} {:>8} {:>5} {:>8} {:>10.0} {:>9.0} {:>9} {:>9} {:>9}",
        "SQLite",
        shoppers,
        round,
        run.orders,
        run.orders_per_second(),
        run.orders_per_second(),
        fmt_us(s.p50_us),
        fmt_us(s.p99_us),
        fmt_us(s.max_us),
    );
    match phase.sqlite.iter_mut().find(|(n, _)| *n == shoppers) {
        Some((_, runs)) => runs.push(run),
        None => phase.sqlite.push((shoppers, vec![run])),
    }
    Ok(())
}

/// The SQLite baseline's rows of the report table.
fn sqlite_rows(phase: &Phase, fsync: f64, sled: f64) {
    for (n, _) in &phase.sqlite {
        if let Some((ops, s)) = sqlite_median(phase, *n) {
            println!(
                "| {} | {n} | {ops:.0} | | {:.2} | {:.2} | {} | {} | {} | |",
                sqlite_baseline::LABEL,
                ops / fsync,
                ops / sled,
                fmt_us(s.p50_us),
                fmt_us(s.p99_us),
                fmt_us(s.max_us),
            );
        }
    }
}

/// The shop ÷ the SQLite baseline with as many shoppers, for every level measured.
fn sqlite_ratios(phase: &Phase, orders_only: bool) {
    if phase.sqlite.is_empty() {
        return;
    }
    println!(
        "\n### {} — shop ÷ SQLite baseline, same shoppers, same run (medians)",
        phase.label
    );
    if !orders_only {
        println!(
            "(the shop runs the realistic mix, where 40% of calls are orders; the baseline only orders)"
        );
    }
    println!(
        "| policy | shoppers | shop orders/s | SQLite orders/s | shop ÷ SQLite | shop order p50 | SQLite order p50 | shop order p99 | SQLite order p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (policy, n, runs) in &phase.levels {
        let Some((base, s)) = sqlite_median(phase, *n) else {
            continue;
        };
        let ops = median_of(runs, Level::orders_per_second);
        println!(
            "| {} | {n} | {ops:.0} | {base:.0} | {:.2} | {} | {} | {} | {} |",
            policy_name(*policy),
            ops / base,
            fmt_us(median_of(runs, |l| l.summary(Op::Order).p50_us as f64) as u64),
            fmt_us(s.p50_us),
            fmt_us(median_of(runs, |l| l.summary(Op::Order).p99_us as f64) as u64),
            fmt_us(s.p99_us),
        );
    }
}

/// Issue 18's target against the SQLite baseline.
fn sqlite_targets(phases: &[Phase], orders_only: bool) {
    for phase in phases {
        if let (Some((ops, _)), Some((base, _))) = (
            level_median(phase, Durability::Immediate, 32),
            sqlite_median(phase, 32),
        ) {
            println!(
                "[{}] immediate, 32 shoppers{}: {ops:.0} orders/s = {:.2}x the SQLite baseline ({base:.0}/s, 32 shoppers); target >= 3x (issue 18): {}",
                phase.label,
                if orders_only { "" } else { ", realistic mix" },
                ops / base,
                verdict(ops >= 3.0 * base)
            );
        }
    }
}

fn targets(phases: &[Phase]) {
    println!("\n### Targets");
    for phase in phases {
        let fsync = rate_median(&phase.fsync);
        let imm = level_median(phase, Durability::Immediate, 32);
        let safe = level_median(phase, Durability::PowerSafe, 32);
        if let Some((ops, p99)) = imm {
            println!(
                "[{}] immediate, 32 shoppers: {ops:.0} orders/s = {:.2}x one-fsync-per-commit ({fsync:.0}/s); target >= 2x: {}",
                phase.label,
                ops / fsync,
                verdict(ops >= 2.0 * fsync)
            );
            println!(
                "[{}] immediate, 32 shoppers: order p99 {}; target < 25 ms: {}",
                phase.label,
                fmt_us(p99 as u64),
                verdict(p99 < 25_000.0)
            );
            if let Some((safe_ops, safe_p99)) = safe {
                println!(
                    "[{}] power-safe, 32 shoppers: {safe_ops:.0} orders/s, immediate is {:.2}x that; target <= 1.5x: {} (and {:.2}x one-fsync-per-commit; p99 {})",
                    phase.label,
                    ops / safe_ops,
                    verdict(ops <= 1.5 * safe_ops),
                    safe_ops / fsync,
                    fmt_us(safe_p99 as u64),
                );
            }
        }
    }
    if let [empty, .., loaded] = phases
        && loaded.orders_before > empty.orders_before
    {
        let before = empty.dashboard_before.p50_us.max(1) as f64;
        let after = loaded.dashboard_before.p50_us as f64;
        println!(
            "[{} vs {}] dashboard p50 {} vs {} = {:.2}x; target <= 2x: {}",
            loaded.label,
            empty.label,
            fmt_us(after as u64),
            fmt_us(before as u64),
            after / before,
            verdict(after <= 2.0 * before)
        );
        for policy in [Durability::Immediate, Durability::PowerSafe] {
            for n in [1, 8, 32, 128] {
                if let (Some((a, _)), Some((b, _))) = (
                    level_median(empty, policy, n),
                    level_median(loaded, policy, n),
                ) {
                    println!(
                        "[{} vs {}] {} with {n} shoppers: {b:.0} vs {a:.0} orders/s = {:.2}; target >= 0.80: {}",
                        loaded.label,
                        empty.label,
                        policy_name(policy),
                        b / a,
                        verdict(b >= 0.8 * a)
                    );
                }
            }
        }
    }
    let peak = sysinfo::peak_rss_bytes().unwrap_or(0);
    println!(
        "peak RSS of the whole run (VmHWM): {}; target < 512 MiB with the default config: {}",
        sysinfo::mib(peak),
        verdict(peak < 512 * 1024 * 1024)
    );
}

fn main() {
    // A bad command line exits with status 2 and clap's message; --help and --version
    // with 0.
    let o = parse_args(std::env::args_os().skip(1)).unwrap_or_else(|e| e.exit());
    if let Some(reference) = &o.compare_ref {
        let args: Vec<OsString> = std::env::args_os().skip(1).collect();
        let system_allocator = cfg!(feature = "system-allocator");
        match compare::drive(reference, o.rounds, &args, system_allocator) {
            Ok(true) => return,
            Ok(false) => std::process::exit(1),
            Err(e) => {
                eprintln!("load --compare-ref failed: {e}");
                std::process::exit(1);
            }
        }
    }
    match run(&o) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("load failed: {e}");
            std::process::exit(1);
        }
    }
}

/// Runs every phase; `Ok(false)` when verify found problems or a call hit a storage error.
fn run(o: &Options) -> shopcore::Result<bool> {
    let on_postgres =
        o.db.as_ref()
            .is_some_and(|db| shopcore::Location::is_postgres_url(&db.to_string_lossy()));
    let temp = tempfile::Builder::new()
        .prefix("shop-load-")
        .tempdir_in(match &o.db {
            Some(db) if !on_postgres => db
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
            _ => std::env::temp_dir(),
        })
        .map_err(io_error)?;
    let main_path = o.db.clone().unwrap_or_else(|| temp.path().join("shop.db"));
    println!(
        "# load: {} CPUs ({}), allocator {}, {} mix, calls {}, shoppers {:?}, {} s per measurement, at most {} orders each, {} round(s), policies {:?}",
        sysinfo::cpus(),
        sysinfo::cpu_model(),
        shop_benches::ALLOCATOR,
        match o.mix {
            Mix::Orders => "orders-only",
            Mix::Realistic => "realistic",
            Mix::Profiles => "profiles-only",
        },
        if o.via_calls {
            "through Shop::call"
        } else {
            "direct"
        },
        o.shoppers,
        o.seconds,
        o.orders,
        o.rounds,
        o.policies
            .iter()
            .map(|p| policy_name(*p))
            .collect::<Vec<_>>()
    );
    if on_postgres {
        println!(
            "database: {} (PostgreSQL; baselines in {})",
            shopcore::Location::from(&main_path),
            temp.path().display()
        );
    } else {
        println!(
            "database: {} (sled cache {})",
            main_path.display(),
            sysinfo::mib(
                o.cache_bytes
                    .unwrap_or(shopcore::Config::CACHE_CAPACITY_BYTES_DEFAULT)
            )
        );
    }
    let existing = if main_path.exists() || on_postgres {
        total_orders(&fixture::open_with(
            &main_path,
            Durability::Immediate,
            o.cache_bytes,
        )?)?
    } else {
        0
    };
    let mut phases = Vec::new();
    if existing > 0 && !on_postgres {
        // Compare with an empty shop made next to it, on the same disk.
        let empty = temp.path().join("empty.db");
        phases.push(run_phase("empty shop", &empty, o)?);
        let _ = std::fs::remove_dir_all(&empty);
        if o.preload == 0 {
            phases.push(run_phase(
                &format!("store with {existing} orders"),
                &main_path,
                o,
            )?);
        }
    } else {
        phases.push(run_phase("empty shop", &main_path, o)?);
    }
    if o.preload > 0 {
        println!("\npreloading {} orders (Background durability)…", o.preload);
        preload(&main_path, o.preload, o)?;
        let total = total_orders(&fixture::open_with(
            &main_path,
            Durability::Immediate,
            o.cache_bytes,
        )?)?;
        phases.push(run_phase(
            &format!("store with {total} orders"),
            &main_path,
            o,
        )?);
    }
    for phase in &phases {
        report(phase);
        sqlite_ratios(phase, o.mix == Mix::Orders);
    }
    targets(&phases);
    sqlite_targets(&phases, o.mix == Mix::Orders);
    let mut healthy = true;
    for phase in &phases {
        if !phase.problems.is_empty() {
            healthy = false;
            println!("verify of {} found problems:", phase.label);
            for p in &phase.problems {
                println!("- {p}");
            }
        }
        if !phase.fatal.is_empty() {
            healthy = false;
            println!("storage errors during {}: {:?}", phase.label, phase.fatal);
        }
    }
    if o.keep {
        let kept = temp.keep();
        println!("kept {}", kept.display());
    }
    println!(
        "\nverify: {}",
        if healthy {
            "healthy"
        } else {
            "PROBLEMS (exit 1)"
        }
    );
    Ok(healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::error::ErrorKind;
    use std::sync::Mutex;

    /// Every test here that parses takes this lock, and only those with it touch the
    /// environment: parsing reads `SHOP_LOAD_*`, and tests run on several threads.
    static ENV: Mutex<()> = Mutex::new(());

    const VARIABLES: [&str; 13] = [
        "SHOP_LOAD_QUICK",
        "SHOP_LOAD_SHOPPERS",
        "SHOP_LOAD_SECONDS",
        "SHOP_LOAD_ORDERS",
        "SHOP_LOAD_DURABILITY",
        "SHOP_LOAD_ROUNDS",
        "SHOP_LOAD_DB",
        "SHOP_LOAD_PRELOAD",
        "SHOP_LOAD_CACHE_MIB",
        "SHOP_LOAD_MIX",
        "SHOP_LOAD_KEEP",
        "SHOP_LOAD_NO_SQLITE",
        "SHOP_LOAD_COMPARE_REF",
    ];

    /// Parses `text` (split at spaces) with exactly the variables in `env` set.
    fn parse_with(text: &str, env: &[(&str, &str)]) -> Result<Options, clap::Error> {
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
        let parsed = parse_args(text.split_whitespace());
        for (name, _) in env {
            // SAFETY: as above.
            unsafe { std::env::remove_var(name) };
        }
        parsed
    }

    fn parse(text: &str) -> Result<Options, clap::Error> {
        parse_with(text, &[])
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_options() {
        assert_eq!(parse("").unwrap(), Options::default());
        let o = parse(
            "--shoppers 2,4 --seconds 1.5 --durability power_safe,background --rounds 2 --db /x/shop.db --preload 10 --keep --mix orders --cache-mib 8 --orders 7",
        )
        .unwrap();
        assert_eq!(o.shoppers, vec![2, 4]);
        assert_eq!(o.seconds, 1.5);
        assert_eq!(
            o.policies,
            vec![Durability::PowerSafe, Durability::Background]
        );
        assert_eq!((o.rounds, o.preload, o.keep), (2, 10, true));
        assert_eq!(o.db, Some(PathBuf::from("/x/shop.db")));
        assert_eq!(
            (o.mix, o.cache_bytes, o.orders),
            (Mix::Orders, Some(8 << 20), 7)
        );
        assert_eq!((o.sqlite, o.compare_ref), (true, None));
    }

    #[test]
    fn parses_the_baseline_and_comparison_options() {
        let o = parse("--no-sqlite --compare-ref main~2 --rounds 2").unwrap();
        assert_eq!(
            (o.sqlite, o.compare_ref.as_deref(), o.rounds),
            (false, Some("main~2"), 2)
        );
        let o = parse("--compare-ref=v1.0 --quick").unwrap();
        assert_eq!((o.compare_ref.as_deref(), o.sqlite), (Some("v1.0"), true));
        let o = parse_with(
            "",
            &[
                ("SHOP_LOAD_NO_SQLITE", "true"),
                ("SHOP_LOAD_COMPARE_REF", "abc123"),
            ],
        )
        .unwrap();
        assert_eq!(
            (o.sqlite, o.compare_ref.as_deref()),
            (false, Some("abc123"))
        );
        let o = parse_with("--compare-ref def", &[("SHOP_LOAD_COMPARE_REF", "abc")]).unwrap();
        assert_eq!(o.compare_ref.as_deref(), Some("def"));
        // Both runs would write to the same store.
        let e = parse("--compare-ref main --db /x/shop.db").unwrap_err();
        assert_eq!(
            (e.kind(), e.exit_code()),
            (ErrorKind::ArgumentConflict, 2),
            "{e}"
        );
        let e = parse_with("--compare-ref main", &[("SHOP_LOAD_DB", "/x/shop.db")]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ArgumentConflict, "{e}");
        // The children of a comparison get the same options, less the driver's.
        assert_eq!(
            compare::child_args(["--compare-ref", "main", "--shoppers", "32", "--rounds", "3"]),
            ["--shoppers", "32", "--rounds", "1"].map(OsString::from)
        );
        // ... which this load takes.
        let child = {
            let _lock = ENV.lock().unwrap_or_else(|p| p.into_inner());
            parse_args(compare::child_args([
                "--compare-ref=main",
                "--no-sqlite",
                "--rounds=5",
                "--mix",
                "orders",
            ]))
            .unwrap()
        };
        assert_eq!(
            (child.compare_ref, child.rounds, child.sqlite, child.mix),
            (None, 1, false, Mix::Orders)
        );
    }

    #[test]
    fn every_spelling_of_a_policy_the_old_parser_took() {
        for (text, policy) in [
            ("immediate", Durability::Immediate),
            ("group-commit", Durability::Immediate),
            ("Group_Commit", Durability::Immediate),
            ("power-safe", Durability::PowerSafe),
            ("power_safe", Durability::PowerSafe),
            ("powersafe", Durability::PowerSafe),
            ("POWER-SAFE", Durability::PowerSafe),
            ("background", Durability::Background),
        ] {
            let o = parse(&format!("--durability {text}")).unwrap();
            assert_eq!(o.policies, vec![policy], "{text}");
        }
        // Spaces around list items, as one shell word.
        let o = {
            let _lock = ENV.lock().unwrap_or_else(|p| p.into_inner());
            parse_args([
                "--durability",
                "immediate, background",
                "--shoppers",
                "1, 8",
            ])
            .unwrap()
        };
        assert_eq!(
            (o.policies, o.shoppers),
            (
                vec![Durability::Immediate, Durability::Background],
                vec![1, 8]
            )
        );
    }

    #[test]
    fn quick_sets_small_defaults_that_options_override() {
        let o = parse("--quick").unwrap();
        assert_eq!(o, Options::quick());
        assert_eq!((o.shoppers.clone(), o.rounds), (vec![1, 32], 1));
        let o = parse("--shoppers 8 --quick").unwrap();
        assert_eq!(o.shoppers, vec![8]);
        assert_eq!(o.seconds, 1.0);
    }

    #[test]
    fn the_environment_fills_in_what_the_command_line_leaves_out() {
        let env = [
            ("SHOP_LOAD_SHOPPERS", "3,5"),
            ("SHOP_LOAD_SECONDS", "2"),
            ("SHOP_LOAD_ORDERS", "100"),
            ("SHOP_LOAD_DURABILITY", "background"),
            ("SHOP_LOAD_ROUNDS", "4"),
            ("SHOP_LOAD_DB", "/env/shop.db"),
            ("SHOP_LOAD_PRELOAD", "50"),
            ("SHOP_LOAD_CACHE_MIB", "16"),
            ("SHOP_LOAD_MIX", "orders"),
            ("SHOP_LOAD_KEEP", "yes"),
        ];
        let expected = Options {
            shoppers: vec![3, 5],
            seconds: 2.0,
            orders: 100,
            policies: vec![Durability::Background],
            rounds: 4,
            db: Some("/env/shop.db".into()),
            preload: 50,
            keep: true,
            mix: Mix::Orders,
            via_calls: false,
            cache_bytes: Some(16 << 20),
            sqlite: true,
            compare_ref: None,
        };
        assert_eq!(parse_with("", &env).unwrap(), expected);
        // The environment wins over --quick's presets ...
        assert_eq!(parse_with("--quick", &env).unwrap(), expected);
        // ... and the command line over the environment.
        assert_eq!(
            parse_with("--mix profiles", &env).unwrap().mix,
            Mix::Profiles
        );
        let o = parse_with("--shoppers 9 --mix realistic --db /cli/shop.db", &env).unwrap();
        assert_eq!(
            (o.shoppers, o.mix, o.db, o.rounds),
            (vec![9], Mix::Realistic, Some("/cli/shop.db".into()), 4)
        );
        // SHOP_LOAD_QUICK is --quick.
        let o = parse_with("--rounds 2", &[("SHOP_LOAD_QUICK", "1")]).unwrap();
        assert_eq!(
            o,
            Options {
                rounds: 2,
                ..Options::quick()
            }
        );
        let e = parse_with("", &[("SHOP_LOAD_SECONDS", "forever")]).unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::ValueValidation, 2));
    }

    #[test]
    fn refuses_bad_options() {
        for bad in [
            "--shoppers 0",
            "--shoppers x",
            "--shoppers 1,,2",
            "--seconds 0",
            "--seconds 601",
            "--seconds -1",
            "--durability fast",
            "--rounds 0",
            "--rounds 21",
            "--orders",
            "--orders 0",
            "--frobnicate",
            "--mix lots",
            "--cache-mib 0",
            "--preload -1",
            "--keep=no",
            "--no-sqlite=maybe",
            "--compare-ref",
            "--compare-ref=",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}: {e}");
        }
        let e = parse("--durability powersafee").unwrap_err().to_string();
        assert!(e.contains("power-safe"), "{e}");
        let e = parse("--shopers 8").unwrap_err().to_string();
        assert!(e.contains("'--shoppers'"), "{e}");
    }

    #[test]
    fn help_and_version_exit_0() {
        for flag in ["--help", "-h", "--version", "-V"] {
            assert_eq!(parse(flag).unwrap_err().exit_code(), 0, "{flag}");
        }
        let help = Cli::command().render_long_help().to_string();
        for name in VARIABLES {
            assert!(help.contains(name), "{name} missing from\n{help}");
        }
        assert!(
            help.contains("Examples:") && help.contains("Exit status"),
            "{help}"
        );
    }

    #[test]
    fn orders_per_flush() {
        assert_eq!(per_flush(10, 4), "2.5");
        assert_eq!(per_flush(10, 0), "-");
    }

    #[test]
    fn staff_grows_with_shoppers() {
        assert_eq!([1, 8, 32, 128].map(staff_count), [2, 2, 4, 10]);
    }

    #[test]
    fn rng_stays_in_range() {
        let mut r = Rng(7);
        let mut seen = [false; 10];
        for _ in 0..1_000 {
            seen[r.below(10) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
