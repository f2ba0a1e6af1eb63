//! The console's commands: each maps to one shopcore call and returns both a human-readable
//! text and a JSON value. Errors are the core's errors, or a usage error naming the command's
//! expected shape.

use crate::suggest;
use crate::table;
use crate::words::{self, Args};
use serde_json::{Value, json};
use shopcore::analytics::DashboardOptions;
use shopcore::catalog::{self, ProductFilter};
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::payment_methods::MethodFilter;
use shopcore::{
    Actor, AuditAction, AuditQuery, Config, Delivery, Error, ExportKind, FulfilmentMode, Money,
    NewPaymentMethod, NewProduct, OrderId, OrderRequest, OrderStatus, PaymentChoice,
    PaymentMethodId, PlayerField, PlayerIdRule, ProductChange, ProductId, ProductKind, Proof,
    Registration, RequestKey, Role, Shop, Stock, StoreState, Timestamp, TopupId, TopupRequest,
    UserFilter, UserId,
};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// One console command: its words, its usage, one line of help, and examples. `help`,
/// completion, suggestions for mistyped commands and usage errors all read [`COMMANDS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    /// One or two words: `verify`, `order create`.
    pub name: &'static str,
    pub usage: &'static str,
    /// One line, lower case, no full stop.
    pub about: &'static str,
    /// At least one per command. Run in this table's order on a fresh `demo` shop, every
    /// example succeeds (a test checks it), so they make a tour of the console.
    pub examples: &'static [&'static str],
}

const fn command(
    name: &'static str,
    usage: &'static str,
    about: &'static str,
    examples: &'static [&'static str],
) -> CommandSpec {
    CommandSpec {
        name,
        usage,
        about,
        examples,
    }
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    command(
        "demo",
        "demo",
        "seed a demo shop: categories, products, methods, coupons, users",
        &["demo"],
    ),
    command(
        "user add",
        "user add ID [@username] [--role ROLE] [--lang ar|en] [--name NAME]",
        "register a user",
        &[
            "user add 104 @mona --name Mona --lang ar",
            "user add 105 @karim --name Karim --role support",
        ],
    ),
    command(
        "user show",
        "user show ID|@username",
        "show a user with their balance",
        &["user show @sara", "user show 103"],
    ),
    command(
        "user list",
        "user list [--role R] [--banned]",
        "list users",
        &["user list", "user list --role support"],
    ),
    command(
        "user ban",
        "user ban ID|@username REASON…",
        "ban a user",
        &["user ban @mona chargeback fraud"],
    ),
    command(
        "user unban",
        "user unban ID|@username",
        "lift a ban",
        &["user unban @mona"],
    ),
    command(
        "user role",
        "user role ID|@username user|support|operator|super_admin",
        "change a role",
        &["user role @karim operator"],
    ),
    command(
        "category add",
        "category add NAME [--sort N]",
        "add a category",
        &["category add Free Fire --sort 4"],
    ),
    command(
        "category list",
        "category list",
        "list categories",
        &["category list"],
    ),
    command(
        "product add",
        "product add --name N --price P [--category C] [--desc D] [--type game_top_up|gift_card|subscription|other] [--stock N] [--delivery manual|codes|supplier:SKU] [--player-field LABEL --player-rule RULE]",
        "add a product (RULE: digits:6-12, alnum:3-20 or mask:###-AAA)",
        &[
            "product add --name '100 Diamonds' --price 1.10 --category 'Free Fire' --type game_top_up --player-field 'Player ID' --player-rule digits:8-12",
            "product add --name 'Google Play $5' --price 5.25 --category 'Gift cards' --type gift_card --delivery codes",
        ],
    ),
    command(
        "product list",
        "product list [--all]",
        "list products (--all: inactive and archived too)",
        &["product list", "product list --all"],
    ),
    command(
        "product show",
        "product show ID",
        "show a product",
        &["product show 3"],
    ),
    command(
        "product edit",
        "product edit ID name|desc|price|type|stock|category|per-order VALUE…",
        "change one field",
        &[
            "product edit 6 price 1.15",
            "product edit 5 stock unlimited",
            "product edit 3 per-order 5",
            "product edit 6 desc Delivered to your player id within minutes",
        ],
    ),
    command(
        "product toggle",
        "product toggle ID",
        "activate or deactivate",
        &["product toggle 6"],
    ),
    command(
        "product delete",
        "product delete ID",
        "delete (archived if it has orders)",
        &["product delete 6"],
    ),
    command(
        "product codes",
        "product codes ID add CODE…",
        "add codes to a product's pool",
        &["product codes 7 add GP5-AAAA-0001 GP5-BBBB-0002"],
    ),
    command(
        "method add",
        "method add --name N --details D [--currency C] [--min X] [--max Y]",
        "add a payment method",
        &[
            "method add --name 'Bank transfer' --details 'IBAN EG00 1234 5678' --currency EGP --min 100 --max 50000",
        ],
    ),
    command(
        "method list",
        "method list [--all]",
        "list payment methods (--all: deleted too)",
        &["method list", "method list --all"],
    ),
    command(
        "method delete",
        "method delete ID",
        "soft-delete a payment method",
        &["method delete 3"],
    ),
    command(
        "currency set",
        "currency set CODE RATE [--decimals N] [--symbol S]",
        "add a currency or set its rate (units per USD)",
        &[
            "currency set SAR 3.75 --symbol ر.س",
            "currency set EGP 49.10",
        ],
    ),
    command(
        "currency list",
        "currency list",
        "list currencies",
        &["currency list"],
    ),
    command(
        "coupon add",
        "coupon add CODE percent|fixed VALUE [--max-uses N] [--per-user N] [--min-order X] [--expires YYYY-MM-DD]",
        "add a coupon",
        &[
            "coupon add RAMADAN20 percent 20 --max-uses 500 --expires 2030-04-01",
            "coupon add SAVE2 fixed 2 --min-order 10",
        ],
    ),
    command(
        "coupon list",
        "coupon list",
        "list coupons with their uses",
        &["coupon list"],
    ),
    command(
        "coupon disable",
        "coupon disable CODE",
        "disable a coupon",
        &["coupon disable SAVE2"],
    ),
    command(
        "topup request",
        "topup request USER METHOD AMOUNT [--proof TEXT]",
        "request a top-up on a user's behalf",
        &[
            "topup request @john 1 500 --proof 'Vodafone ref 55120'",
            "topup request 103 2 20 --proof 'TRC20 tx 9f3a'",
        ],
    ),
    command(
        "topup list",
        "topup list [--pending] [--user USER]",
        "list top-ups (the pending queue by default)",
        &["topup list", "topup list --user @john"],
    ),
    command(
        "topup approve",
        "topup approve ID",
        "approve a top-up",
        &["topup approve 2"],
    ),
    command(
        "topup reject",
        "topup reject ID REASON…",
        "reject a top-up",
        &["topup reject 3 no transfer found"],
    ),
    command(
        "balance",
        "balance USER",
        "show a balance",
        &["balance @john"],
    ),
    command(
        "balance adjust",
        "balance adjust USER +X|-X REASON…",
        "credit or debit a balance",
        &[
            "balance adjust @john +5 goodwill for a late delivery",
            "balance adjust 103 -1.50 correction",
        ],
    ),
    command(
        "ledger",
        "ledger USER [--limit N]",
        "a user's ledger, newest first",
        &["ledger @john --limit 5"],
    ),
    command(
        "order create",
        "order create USER PRODUCT [--quantity N] [--player-id X] [--coupon C] [--pay balance|method:ID] [--proof TEXT]",
        "place an order on a user's behalf",
        &[
            "order create @john 3 --quantity 1",
            "order create @sara 1 --player-id 5123456789 --coupon WELCOME10",
            "order create @mona 5 --pay method:2 --proof 'TRC20 tx 77ab'",
            "order create @karim 4 --pay method:1 --proof 'Vodafone ref 70012'",
        ],
    ),
    command(
        "order list",
        "order list [--status S] [--user USER]",
        "list orders",
        &[
            "order list",
            "order list --status awaiting_payment",
            "order list --user @john",
        ],
    ),
    command(
        "order show",
        "order show ID",
        "show an order",
        &["order show 2"],
    ),
    command(
        "order confirm",
        "order confirm ID",
        "confirm an outside payment",
        &["order confirm 4"],
    ),
    command(
        "order complete",
        "order complete ID [DELIVERY…]",
        "complete an order",
        &[
            "order complete 2",
            "order complete 3 60 UC sent to 5123456789",
        ],
    ),
    command(
        "order fail",
        "order fail ID REASON…",
        "fail an order (refunds)",
        &["order fail 4 the subscription provider refused the account"],
    ),
    command(
        "order cancel",
        "order cancel ID",
        "cancel an order (refunds)",
        &["order cancel 5"],
    ),
    command(
        "order expire",
        "order expire",
        "cancel unpaid orders past their deadline",
        &["order expire"],
    ),
    command(
        "mode",
        "mode manual|auto",
        "set the fulfilment mode",
        &["mode auto", "mode manual"],
    ),
    command(
        "state",
        "state open|maintenance|emergency [REASON…]",
        "set the store state",
        &[
            "state maintenance updating prices",
            "state emergency suspicious top-ups",
            "state open",
        ],
    ),
    command(
        "zone",
        "zone [IANA-NAME]",
        "show or set the shop's time zone (statistics days and dates follow it, daylight saving included)",
        &["zone", "zone Asia/Riyadh"],
    ),
    command(
        "stats",
        "stats [--days N]",
        "the statistics dashboard",
        &["stats", "stats --days 30"],
    ),
    command(
        "audit",
        "audit [--limit N] [--action A] [--actor USER]",
        "the audit log, newest first",
        &["audit --limit 10", "audit --action create_order --limit 5"],
    ),
    command("verify", "verify", "check every invariant", &["verify"]),
    command(
        "backup",
        "backup PATH",
        "write a consistent backup",
        &["backup shop.bak"],
    ),
    command(
        "restore",
        "restore BACKUP_PATH NEW_DB_PATH",
        "build a new database from a backup",
        &["restore shop.bak restored.db"],
    ),
    command(
        "copy",
        "copy TARGET",
        "copy the shop into a new store (a directory, or a postgres:// URL), verifying both",
        &["copy moved.db"],
    ),
    command(
        "export",
        "export orders|ledger|audit|users CSV_PATH",
        "write a CSV export",
        &["export orders orders.csv", "export users users.csv"],
    ),
    command(
        "as",
        "as USER COMMAND…",
        "run one command as another user",
        &[
            "as @layla_support topup list",
            "as @omar_ops order list --status completed",
        ],
    ),
    command(
        "help",
        "help [COMMAND]",
        "list commands, or show one with examples",
        &["help", "help order", "help order create"],
    ),
    command(
        "quit",
        "quit",
        "end the session (so do `exit` and Ctrl-D)",
        &["quit"],
    ),
    command("exit", "exit", "end the session", &["exit"]),
];

/// The commands that end a session instead of running (`run_line` stops at them).
pub const QUIT_COMMANDS: [&str; 2] = ["quit", "exit"];

/// A console failure.
#[derive(Debug)]
pub enum CommandError {
    /// The command was malformed; `usage` shows its shape.
    Usage {
        message: String,
        usage: String,
    },
    Shop(Error),
    Io(String),
}

impl CommandError {
    pub fn kind(&self) -> String {
        match self {
            CommandError::Usage { .. } => "usage".into(),
            CommandError::Shop(e) => e.kind().into(),
            CommandError::Io(_) => "io".into(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            CommandError::Usage { message, usage } => format!("{message}\nusage: {usage}"),
            CommandError::Shop(e) => e.to_string(),
            CommandError::Io(e) => e.clone(),
        }
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> CommandError {
        CommandError::Shop(e)
    }
}

/// What a command produced.
#[derive(Debug)]
pub struct Output {
    pub text: String,
    pub json: Value,
}

fn out(text: impl Into<String>, json: Value) -> Output {
    Output {
        text: text.into(),
        json,
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn usd(m: Money) -> String {
    format!("{} USD", m.display_with(2))
}

/// An open shop and who is acting on it.
pub struct Console {
    shop: Shop,
    actor: Actor,
    system: Actor,
    session: i64,
    counter: AtomicU64,
}

impl Console {
    /// Opens the shop at `db` acting as `as_user` (an id or `@username`), or as the built-in
    /// `console` identity (super-admin rights, recorded as `system:console`).
    pub fn open(db: &Path, as_user: Option<&str>) -> Result<Console, CommandError> {
        let config = Config::default().with_migration_progress(|p| {
            eprintln!(
                "migrating the database from schema {}: {} ({} records so far)",
                p.from, p.doing, p.done
            );
        });
        let shop = Shop::open(db, config)?;
        let system = shop.system_actor("console")?;
        let session = shop.now().millis();
        let mut console = Console {
            actor: system.clone(),
            shop,
            system,
            session,
            counter: AtomicU64::new(0),
        };
        if let Some(user) = as_user {
            let id = console.user_id(user)?;
            console.actor = console.shop.actor(id)?;
        }
        Ok(console)
    }

    pub fn shop(&self) -> &Shop {
        &self.shop
    }

    /// Runs one command line (no `;`) as the console's actor.
    pub fn execute(&self, line: &str) -> Result<Output, CommandError> {
        let words = words::words(line).map_err(|message| CommandError::Usage {
            message,
            usage: "COMMAND [ARGS…]".into(),
        })?;
        self.run(&self.actor, &words)
    }

    fn key(&self) -> Result<RequestKey, CommandError> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        Ok(RequestKey::new(&format!("console-{}-{n}", self.session)).map_err(Error::from)?)
    }

    /// Resolves a numeric id or `@username` (looked up with the console's own rights).
    fn user_id(&self, text: &str) -> Result<UserId, CommandError> {
        if text.starts_with('@') {
            return Ok(self.shop.find_user(&self.system, text)?.id);
        }
        Ok(text.parse::<UserId>().map_err(Error::from)?)
    }

    fn run(&self, actor: &Actor, words: &[String]) -> Result<Output, CommandError> {
        let (spec, taken) = find_command(words).map_err(|message| CommandError::Usage {
            message,
            usage: "help [COMMAND]".into(),
        })?;
        let bad = |message: String| usage_error(&message, spec.usage);
        self.dispatch(actor, spec.name, &words[taken..])
            .map_err(|e| match e {
                Failure::Usage(message) => bad(message),
                Failure::Command(e) => e,
            })
    }

    fn dispatch(&self, actor: &Actor, name: &str, w: &[String]) -> Result<Output, Failure> {
        let shop = &self.shop;
        match name {
            "help" => help(&w.join(" ")),
            "quit" | "exit" => {
                no_args(w)?;
                // `run_line` ends the session before a bare `quit` gets here; this is
                // `as USER quit`.
                Err(Failure::Usage(format!(
                    "{name} ends the session: give it on its own"
                )))
            }
            "as" => {
                let user = w
                    .first()
                    .ok_or_else(|| Failure::Usage("missing USER".into()))?;
                if w.len() < 2 {
                    return Err(Failure::Usage("missing COMMAND".into()));
                }
                let id = self.user_id(user)?;
                let other = shop.actor(id).map_err(CommandError::from)?;
                Ok(self.run(&other, &w[1..])?)
            }
            "demo" => {
                no_args(w)?;
                Ok(crate::demo::seed(self, actor)?)
            }
            "user add" => {
                let a = Args::parse(w, &["role", "lang", "name"], &[])?;
                a.at_most(2)?;
                let id = UserId::new(parse_u64(a.at(0, "ID")?, "ID")?).map_err(Error::from)?;
                let username = a.positional.get(1).map(String::as_str);
                let name = a
                    .value("name")
                    .map_or_else(|| format!("User {id}"), str::to_owned);
                let mut user = shop.register_user(&Registration {
                    id,
                    username,
                    display_name: &name,
                    language: a.value("lang"),
                })?;
                if let Some(role) = a.value("role") {
                    let role = Role::parse(role)
                        .ok_or_else(|| Failure::Usage(format!("unknown role {role:?}")))?;
                    if role != user.role {
                        user = shop.set_role(actor, id, role)?;
                    }
                }
                Ok(out(
                    format!("user {} registered ({})", user.id, user.role),
                    to_json(&user),
                ))
            }
            "user show" => {
                let id = self.user_id(one(w, "ID|@username")?)?;
                let user = shop.find_user(actor, &id.to_string())?;
                let balance = shop.balance(id)?;
                let text = format!(
                    "user {}  {}  {}\nrole: {}   banned: {}\nbalance: {}\nlanguage: {}   currency: {}",
                    user.id,
                    user.username
                        .as_ref()
                        .map_or("-".into(), ToString::to_string),
                    user.display_name,
                    user.role,
                    user.ban
                        .as_ref()
                        .map_or("no".into(), |b| format!("yes ({})", b.reason)),
                    usd(balance),
                    user.preferred_language
                        .as_ref()
                        .or(user.language.as_ref())
                        .map_or("-".into(), ToString::to_string),
                    user.preferred_currency
                        .as_ref()
                        .map_or("USD".into(), ToString::to_string),
                );
                let mut json = to_json(&user);
                json["balance_usd"] = json!(balance.to_string());
                Ok(out(text, json))
            }
            "user list" => {
                let a = Args::parse(w, &["role"], &["banned"])?;
                a.at_most(0)?;
                let role = a
                    .value("role")
                    .map(|r| {
                        Role::parse(r).ok_or_else(|| Failure::Usage(format!("unknown role {r:?}")))
                    })
                    .transpose()?;
                let filter = UserFilter {
                    role,
                    banned_only: a.has("banned"),
                };
                let mut users = Vec::new();
                let mut after = None;
                loop {
                    let page = shop.list_users(actor, &filter, after, 200)?;
                    users.extend(page.users);
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
                let rows = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.id.to_string(),
                            u.username.as_ref().map_or("-".into(), ToString::to_string),
                            u.display_name.clone(),
                            u.role.to_string(),
                            if u.is_banned() {
                                "banned".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["id", "username", "name", "role", ""], &rows),
                    to_json(&users),
                ))
            }
            "user ban" => {
                let a = Args::parse(w, &[], &[])?;
                let id = self.user_id(a.at(0, "ID|@username")?)?;
                let reason = a.rest(1);
                if reason.is_empty() {
                    return Err(Failure::Usage("missing REASON".into()));
                }
                let user = shop.ban_user(actor, id, &reason)?;
                Ok(out(format!("user {id} banned"), to_json(&user)))
            }
            "user unban" => {
                let id = self.user_id(one(w, "ID|@username")?)?;
                let user = shop.unban_user(actor, id)?;
                Ok(out(format!("user {id} unbanned"), to_json(&user)))
            }
            "user role" => {
                let (user, role) = two(w, "ID|@username", "ROLE")?;
                let id = self.user_id(user)?;
                let role = Role::parse(role)
                    .ok_or_else(|| Failure::Usage(format!("unknown role {role:?}")))?;
                let user = shop.set_role(actor, id, role)?;
                Ok(out(format!("user {id} is now {role}"), to_json(&user)))
            }
            "category add" => {
                let a = Args::parse(w, &["sort"], &[])?;
                let name = a.rest(0);
                if name.is_empty() {
                    return Err(Failure::Usage("missing NAME".into()));
                }
                let sort = a
                    .value("sort")
                    .map(|s| parse_i32(s, "--sort"))
                    .transpose()?
                    .unwrap_or(0);
                let c = shop.create_category(actor, &name, sort)?;
                Ok(out(format!("category {} added", c.id), to_json(&c)))
            }
            "category list" => {
                no_args(w)?;
                let cats = shop.categories(false)?;
                let rows = cats
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.to_string(),
                            c.name.clone(),
                            c.sort_order.to_string(),
                            yes(c.active),
                            c.product_count.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["id", "name", "sort", "active", "products"], &rows),
                    to_json(&cats),
                ))
            }
            "product add" => {
                let a = Args::parse(
                    w,
                    &[
                        "name",
                        "price",
                        "category",
                        "desc",
                        "type",
                        "stock",
                        "delivery",
                        "player-field",
                        "player-rule",
                    ],
                    &[],
                )?;
                a.at_most(0)?;
                let name = a
                    .value("name")
                    .ok_or_else(|| Failure::Usage("missing --name".into()))?;
                let price = catalog::parse_price(
                    a.value("price")
                        .ok_or_else(|| Failure::Usage("missing --price".into()))?,
                )?;
                let category = match a.value("category") {
                    Some(c) => self.category_id(c)?,
                    None => shop
                        .categories(false)?
                        .first()
                        .map(|c| c.id)
                        .ok_or_else(|| {
                            Failure::Usage("no categories yet: add one or pass --category".into())
                        })?,
                };
                let kind = a
                    .value("type")
                    .map(ProductKind::parse)
                    .transpose()?
                    .unwrap_or(ProductKind::Other);
                let stock = a
                    .value("stock")
                    .map(|s| parse_u64(s, "--stock").map(Stock::Limited))
                    .transpose()?
                    .unwrap_or(Stock::Unlimited);
                let delivery = a
                    .value("delivery")
                    .map(parse_delivery)
                    .transpose()?
                    .unwrap_or(Delivery::Manual);
                let player_field = match (a.value("player-field"), a.value("player-rule")) {
                    (None, None) => None,
                    (Some(label), Some(rule)) => Some(PlayerField {
                        label: label.to_owned(),
                        rule: parse_rule(rule)?,
                    }),
                    _ => {
                        return Err(Failure::Usage(
                            "--player-field and --player-rule go together".into(),
                        ));
                    }
                };
                let p = shop.create_product(
                    actor,
                    &NewProduct {
                        category,
                        name: name.to_owned(),
                        description: a.value("desc").unwrap_or("").to_owned(),
                        price_usd: price,
                        kind,
                        delivery,
                        stock,
                        player_field,
                        sort_order: 0,
                        active: true,
                    },
                )?;
                Ok(out(format!("product {} added", p.id), to_json(&p)))
            }
            "product list" => {
                let a = Args::parse(w, &[], &["all"])?;
                a.at_most(0)?;
                let filter = ProductFilter {
                    include_archived: a.has("all"),
                    active: if a.has("all") { None } else { Some(true) },
                    category: None,
                };
                let mut products = Vec::new();
                let mut cursor = None;
                loop {
                    let page = shop.list_products(actor, &filter, cursor.as_ref(), 100)?;
                    products.extend(page.products);
                    match page.next {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                }
                let rows = products
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.to_string(),
                            p.name.clone(),
                            usd(p.price_usd),
                            p.available().map_or("∞".into(), |n| n.to_string()),
                            p.delivery.to_string(),
                            if p.archived {
                                "archived".into()
                            } else {
                                yes(p.active)
                            },
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(
                        &["id", "name", "price", "stock", "delivery", "active"],
                        &rows,
                    ),
                    to_json(&products),
                ))
            }
            "product show" => {
                let id = product_id(one(w, "ID")?)?;
                let p = shop
                    .product(id)?
                    .ok_or(Error::from(shopcore::CatalogError::ProductNotFound { id }))?;
                let per_order = shop.order_limit(id)?;
                let text = format!(
                    "product {}  {}\nprice: {}   type: {}   delivery: {}\nstock: {}   per order: {}   active: {}{}\ncategory: {}   orders: {}\nplayer id: {}\n{}",
                    p.id,
                    p.name,
                    usd(p.price_usd),
                    p.kind,
                    p.delivery,
                    p.available().map_or("unlimited".into(), |n| n.to_string()),
                    per_order,
                    yes(p.active),
                    if p.archived { " (archived)" } else { "" },
                    p.category,
                    p.order_count,
                    p.player_field
                        .as_ref()
                        .map_or("-".into(), ToString::to_string),
                    p.description
                );
                Ok(out(text.trim_end(), to_json(&p)))
            }
            "product edit" => {
                let a = Args::parse(w, &[], &[])?;
                let id = product_id(a.at(0, "ID")?)?;
                let field = a.at(1, "FIELD")?;
                let value = a.rest(2);
                if value.is_empty() {
                    return Err(Failure::Usage("missing VALUE".into()));
                }
                if field == "per-order" {
                    let max = u32::try_from(parse_u64(&value, "per-order")?).map_err(|_| {
                        Failure::Usage(format!("per-order: {value:?} is too large"))
                    })?;
                    let max = shop.set_order_limit(actor, id, max)?;
                    return Ok(out(
                        format!("product {id}: up to {max} per order"),
                        json!({"product": id.get(), "per_order": max}),
                    ));
                }
                let change = match field {
                    "name" => ProductChange::Name(value),
                    "desc" => ProductChange::Description(value),
                    "price" => ProductChange::Price(catalog::parse_price(&value)?),
                    "type" => ProductChange::Kind(ProductKind::parse(&value)?),
                    "stock" if value == "unlimited" => ProductChange::Stock(Stock::Unlimited),
                    "stock" => ProductChange::Stock(Stock::Limited(parse_u64(&value, "stock")?)),
                    "category" => ProductChange::Category(self.category_id(&value)?),
                    other => return Err(Failure::Usage(format!("unknown field {other:?}"))),
                };
                let p = shop.update_product(actor, id, change)?;
                Ok(out(format!("product {id} updated"), to_json(&p)))
            }
            "product toggle" => {
                let id = product_id(one(w, "ID")?)?;
                let current = shop
                    .product(id)?
                    .ok_or(Error::from(shopcore::CatalogError::ProductNotFound { id }))?;
                let p = shop.update_product(actor, id, ProductChange::Active(!current.active))?;
                Ok(out(
                    format!(
                        "product {id} is now {}",
                        if p.active { "active" } else { "inactive" }
                    ),
                    to_json(&p),
                ))
            }
            "product delete" => {
                let id = product_id(one(w, "ID")?)?;
                let archived = shop.delete_product(actor, id)?;
                let text = if archived.is_some() {
                    format!("product {id} archived (it has orders)")
                } else {
                    format!("product {id} deleted")
                };
                Ok(out(
                    text,
                    json!({"id": id.get(), "archived": archived.is_some()}),
                ))
            }
            "product codes" => {
                let a = Args::parse(w, &[], &[])?;
                let id = product_id(a.at(0, "ID")?)?;
                if a.at(1, "add")? != "add" {
                    return Err(Failure::Usage("expected `add`".into()));
                }
                let codes: Vec<&str> = a.positional[2..].iter().map(String::as_str).collect();
                let added = shop.add_codes(actor, id, &codes)?;
                Ok(out(
                    format!("{} codes added, {} available", added.added, added.available),
                    json!({"added": added.added, "available": added.available}),
                ))
            }
            "method add" => {
                let a = Args::parse(w, &["name", "details", "currency", "min", "max"], &[])?;
                a.at_most(0)?;
                let currency = a.value("currency").unwrap_or("USD");
                let decimals = shop.currency(currency)?.decimals;
                let amount = |name: &str, default: &str| -> Result<Money, Failure> {
                    Ok(shopcore::money::parse_amount(
                        a.value(name).unwrap_or(default),
                        decimals,
                        Money::units(1_000_000_000),
                    )
                    .map_err(|source| {
                        Error::from(shopcore::InvalidInput::Amount {
                            what: "limit",
                            source,
                        })
                    })?)
                };
                let m = shop.create_payment_method(
                    actor,
                    &NewPaymentMethod {
                        name: a
                            .value("name")
                            .ok_or_else(|| Failure::Usage("missing --name".into()))?
                            .to_owned(),
                        instructions: a
                            .value("details")
                            .ok_or_else(|| Failure::Usage("missing --details".into()))?
                            .to_owned(),
                        currency: currency.to_owned(),
                        min_amount: amount("min", "1")?,
                        max_amount: amount("max", "10000")?,
                        active: true,
                    },
                )?;
                Ok(out(format!("payment method {} added", m.id), to_json(&m)))
            }
            "method list" => {
                let a = Args::parse(w, &[], &["all"])?;
                a.at_most(0)?;
                let methods = shop.payment_methods_panel(
                    actor,
                    if a.has("all") {
                        MethodFilter::IncludingDeleted
                    } else {
                        MethodFilter::NotDeleted
                    },
                )?;
                let rows = methods
                    .iter()
                    .map(|m| {
                        vec![
                            m.id.to_string(),
                            m.name.clone(),
                            m.currency.to_string(),
                            format!("{}..{}", m.min_amount, m.max_amount),
                            if m.deleted_at.is_some() {
                                "deleted".into()
                            } else {
                                yes(m.active)
                            },
                            m.pending_uses.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(
                        &["id", "name", "currency", "limits", "active", "pending"],
                        &rows,
                    ),
                    to_json(&methods),
                ))
            }
            "method delete" => {
                let id = one(w, "ID")?
                    .parse::<PaymentMethodId>()
                    .map_err(Error::from)?;
                let m = shop.delete_payment_method(actor, id)?;
                Ok(out(format!("payment method {id} deleted"), to_json(&m)))
            }
            "currency set" => {
                let a = Args::parse(w, &["decimals", "symbol"], &[])?;
                a.at_most(2)?;
                let code = a.at(0, "CODE")?;
                let rate = shopcore::currency::parse_rate(a.at(1, "RATE")?)?;
                let c = match shop.currency(code) {
                    Ok(existing) if existing.code.as_str() != "USD" => {
                        shop.set_exchange_rate(actor, code, rate)?
                    }
                    Err(Error::Currency(shopcore::CurrencyError::Unknown { .. })) => {
                        let decimals = a
                            .value("decimals")
                            .map(|d| parse_u64(d, "--decimals"))
                            .transpose()?
                            .unwrap_or(2);
                        let symbol = a.value("symbol").unwrap_or(code).to_owned();
                        shop.add_currency(
                            actor,
                            code,
                            &symbol,
                            u32::try_from(decimals).unwrap_or(u32::MAX),
                            rate,
                        )?
                    }
                    Ok(_) => {
                        return Err(Failure::Command(
                            Error::from(shopcore::CurrencyError::BaseCurrencyFixed).into(),
                        ));
                    }
                    Err(e) => return Err(Failure::Command(e.into())),
                };
                Ok(out(
                    format!("1 USD = {} {}", c.units_per_usd, c.code),
                    to_json(&c),
                ))
            }
            "currency list" => {
                no_args(w)?;
                let all = shop.currencies()?;
                let rows = all
                    .iter()
                    .map(|c| {
                        vec![
                            c.code.to_string(),
                            c.symbol.clone(),
                            c.units_per_usd.to_string(),
                            c.decimals.to_string(),
                            yes(c.enabled),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["code", "symbol", "per USD", "decimals", "enabled"], &rows),
                    to_json(&all),
                ))
            }
            "coupon add" => {
                let a = Args::parse(w, &["max-uses", "per-user", "min-order", "expires"], &[])?;
                a.at_most(3)?;
                let code = a.at(0, "CODE")?;
                let value = a.at(2, "VALUE")?;
                let kind = match a.at(1, "percent|fixed")? {
                    "percent" => {
                        CouponKind::Percentage(value.parse().map_err(|_| {
                            Failure::Usage(format!("{value:?} is not a percentage"))
                        })?)
                    }
                    "fixed" => CouponKind::Fixed(catalog::parse_price(value)?),
                    other => {
                        return Err(Failure::Usage(format!("{other:?} is not percent or fixed")));
                    }
                };
                let zone = shop.settings().time_zone;
                let expires_at = a
                    .value("expires")
                    .map(|d| parse_date(d, &zone))
                    .transpose()?;
                let c = shop.create_coupon(
                    actor,
                    &NewCoupon {
                        code: code.to_owned(),
                        kind,
                        max_uses: u32::try_from(
                            a.value("max-uses")
                                .map(|v| parse_u64(v, "--max-uses"))
                                .transpose()?
                                .unwrap_or(100),
                        )
                        .unwrap_or(u32::MAX),
                        uses_per_user: u32::try_from(
                            a.value("per-user")
                                .map(|v| parse_u64(v, "--per-user"))
                                .transpose()?
                                .unwrap_or(1),
                        )
                        .unwrap_or(u32::MAX),
                        min_order_usd: a
                            .value("min-order")
                            .map(catalog::parse_price)
                            .transpose()?,
                        expires_at,
                        scope: CouponScope::All,
                    },
                )?;
                Ok(out(
                    format!("coupon {} added ({})", c.code, c.kind),
                    to_json(&c),
                ))
            }
            "coupon list" => {
                no_args(w)?;
                let all = shop.coupons(actor)?;
                let rows = all
                    .iter()
                    .map(|c| {
                        vec![
                            c.code.to_string(),
                            c.kind.to_string(),
                            format!("{}/{}", c.uses, c.max_uses),
                            c.min_order_usd.map_or("-".into(), usd),
                            yes(c.active),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["code", "discount", "uses", "min order", "active"], &rows),
                    to_json(&all),
                ))
            }
            "coupon disable" => {
                let c = shop.set_coupon_active(actor, one(w, "CODE")?, false)?;
                Ok(out(format!("coupon {} disabled", c.code), to_json(&c)))
            }
            "topup request" => {
                let a = Args::parse(w, &["proof"], &[])?;
                a.at_most(3)?;
                let user = self.user_id(a.at(0, "USER")?)?;
                let method_id = a
                    .at(1, "METHOD")?
                    .parse::<PaymentMethodId>()
                    .map_err(Error::from)?;
                let method = shop.payment_method(method_id)?.ok_or(Error::from(
                    shopcore::PaymentMethodError::NotFound { id: method_id },
                ))?;
                let decimals = shop.currency(method.currency.as_str())?.decimals;
                let amount = shopcore::money::parse_amount(
                    a.at(2, "AMOUNT")?,
                    decimals,
                    Money::units(1_000_000_000),
                )
                .map_err(|source| {
                    Error::from(shopcore::InvalidInput::Amount {
                        what: "top-up amount",
                        source,
                    })
                })?;
                // As the console's actor: for someone else that is acting on their behalf,
                // which needs `act_for_users` and is audited as the one who did it.
                let topup = shop.request_topup_for(
                    actor,
                    user,
                    &TopupRequest {
                        method: method_id,
                        amount,
                        proof: Proof::Text(
                            a.value("proof")
                                .unwrap_or("entered from the console")
                                .to_owned(),
                        ),
                        key: self.key()?,
                    },
                )?;
                Ok(out(
                    format!(
                        "top-up {} requested: {} {} = {}",
                        topup.id,
                        topup.amount,
                        topup.currency,
                        usd(topup.amount_usd)
                    ),
                    to_json(&topup),
                ))
            }
            "topup list" => {
                let a = Args::parse(w, &["user"], &["pending"])?;
                a.at_most(0)?;
                let topups = match a.value("user") {
                    Some(u) => shop.topups_of(actor, self.user_id(u)?, None, 100)?,
                    None => shop.pending_topups(actor, None, 100)?,
                };
                let rows = topups
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.to_string(),
                            t.user.to_string(),
                            format!("{} {}", t.amount, t.currency),
                            usd(t.amount_usd),
                            t.status.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["id", "user", "paid", "credit", "status"], &rows),
                    to_json(&topups),
                ))
            }
            "topup approve" => {
                let id = one(w, "ID")?.parse::<TopupId>().map_err(Error::from)?;
                let t = shop.approve_topup(actor, id, &self.key()?)?;
                Ok(out(
                    format!(
                        "top-up {id} approved: {} credited to user {}",
                        usd(t.amount_usd),
                        t.user
                    ),
                    to_json(&t),
                ))
            }
            "topup reject" => {
                let a = Args::parse(w, &[], &[])?;
                let id = a.at(0, "ID")?.parse::<TopupId>().map_err(Error::from)?;
                let reason = a.rest(1);
                if reason.is_empty() {
                    return Err(Failure::Usage("missing REASON".into()));
                }
                let t = shop.reject_topup(actor, id, &reason, &self.key()?)?;
                Ok(out(format!("top-up {id} rejected"), to_json(&t)))
            }
            "balance" => {
                let user = self.user_id(one(w, "USER")?)?;
                let wallet = shop.wallet(user)?;
                Ok(out(
                    format!("user {user}: {}", usd(wallet.balance)),
                    json!({"user": user.get(), "balance_usd": wallet.balance.to_string(), "pending_topups": wallet.pending_topups}),
                ))
            }
            "balance adjust" => {
                let a = Args::parse(w, &[], &[])?;
                let user = self.user_id(a.at(0, "USER")?)?;
                let text = a.at(1, "+X|-X")?;
                let (negative, digits) = match text.chars().next() {
                    Some('+') => (false, &text[1..]),
                    Some('-') => (true, &text[1..]),
                    _ => return Err(Failure::Usage("the amount needs a sign: +X or -X".into())),
                };
                let amount = shopcore::money::parse_amount(digits, 2, Money::units(100_000))
                    .map_err(|source| {
                        Error::from(shopcore::InvalidInput::Amount {
                            what: "adjustment",
                            source,
                        })
                    })?;
                let reason = a.rest(2);
                if reason.is_empty() {
                    return Err(Failure::Usage("missing REASON".into()));
                }
                let entry = shop.adjust_balance(
                    actor,
                    user,
                    if negative { amount.negated() } else { amount },
                    &reason,
                    &self.key()?,
                )?;
                Ok(out(
                    format!(
                        "user {user}: {} -> {}",
                        usd(entry.balance_before),
                        usd(entry.balance_after)
                    ),
                    to_json(&entry),
                ))
            }
            "ledger" => {
                let a = Args::parse(w, &["limit"], &[])?;
                a.at_most(1)?;
                let user = self.user_id(a.at(0, "USER")?)?;
                let limit = usize::try_from(
                    a.value("limit")
                        .map(|l| parse_u64(l, "--limit"))
                        .transpose()?
                        .unwrap_or(20),
                )
                .unwrap_or(20);
                let page = shop.ledger(actor, user, None, limit)?;
                let rows = page
                    .entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.kind.to_string(),
                            e.amount.to_string(),
                            e.balance_after.to_string(),
                            e.note.clone().unwrap_or_default(),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["seq", "kind", "amount", "balance", "note"], &rows),
                    to_json(&page.entries),
                ))
            }
            "order create" => {
                let a = Args::parse(w, &["quantity", "player-id", "coupon", "pay", "proof"], &[])?;
                let quantity = match a.value("quantity") {
                    None => 1,
                    Some(n) => u32::try_from(parse_u64(n, "quantity")?)
                        .map_err(|_| Failure::Usage(format!("quantity: {n:?} is too large")))?,
                };
                a.at_most(2)?;
                let user = self.user_id(a.at(0, "USER")?)?;
                let product = product_id(a.at(1, "PRODUCT")?)?;
                let payment = match a.value("pay").unwrap_or("balance") {
                    "balance" => PaymentChoice::Balance,
                    other => match other.strip_prefix("method:") {
                        Some(id) => PaymentChoice::Method(
                            id.parse::<PaymentMethodId>().map_err(Error::from)?,
                        ),
                        None => {
                            return Err(Failure::Usage(format!(
                                "--pay {other:?}: use balance or method:ID"
                            )));
                        }
                    },
                };
                let proof = match payment {
                    PaymentChoice::Method(_) => Some(Proof::Text(
                        a.value("proof")
                            .unwrap_or("entered from the console")
                            .to_owned(),
                    )),
                    PaymentChoice::Balance | PaymentChoice::Invoice(_) => None,
                };
                let order = shop.create_order_for(
                    actor,
                    user,
                    &OrderRequest {
                        quantity,
                        product,
                        payment,
                        coupon: a.value("coupon").map(str::to_owned),
                        player_id: a.value("player-id").map(str::to_owned),
                        currency: None,
                        proof,
                    },
                    &self.key()?,
                )?;
                Ok(out(
                    format!(
                        "order {} {}: {} ({} off)",
                        order.id,
                        order.status,
                        usd(order.total_usd),
                        usd(order.discount_usd)
                    ),
                    to_json(&order),
                ))
            }
            "order list" => {
                let a = Args::parse(w, &["status", "user"], &[])?;
                a.at_most(0)?;
                let orders = match (a.value("user"), a.value("status")) {
                    (Some(u), _) => shop.orders_of(actor, self.user_id(u)?, None, 100)?.orders,
                    (None, Some(s)) => {
                        let status = OrderStatus::ALL
                            .into_iter()
                            .find(|x| x.name() == s)
                            .ok_or_else(|| Failure::Usage(format!("unknown status {s:?}")))?;
                        shop.orders_with_status(actor, status, None, 100)?.orders
                    }
                    (None, None) => {
                        let mut all = Vec::new();
                        for status in OrderStatus::ALL {
                            all.extend(shop.orders_with_status(actor, status, None, 100)?.orders);
                        }
                        all.sort_by_key(|o| o.id);
                        all
                    }
                };
                let rows = orders
                    .iter()
                    .map(|o| {
                        vec![
                            o.id.to_string(),
                            o.user.to_string(),
                            o.product_name.clone(),
                            usd(o.total_usd),
                            o.status.to_string(),
                            o.fulfilment.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(
                        &["id", "user", "product", "total", "status", "fulfilment"],
                        &rows,
                    ),
                    to_json(&orders),
                ))
            }
            "order show" => {
                let id = order_id(one(w, "ID")?)?;
                let o = shop.order(actor, id)?;
                let text = format!(
                    "{}\nprice {} - discount {} = {}\nshown as {} {} (rate {})\nplayer id: {}   coupon: {}\ndelivery: {}",
                    shop.order_summary(actor, id)?,
                    usd(o.price_usd),
                    usd(o.discount_usd),
                    usd(o.total_usd),
                    o.price_local,
                    o.currency,
                    o.exchange_rate,
                    o.player_id.as_deref().unwrap_or("-"),
                    o.coupon.as_ref().map_or("-".into(), ToString::to_string),
                    o.delivery
                        .as_deref()
                        .unwrap_or(o.failure_reason.as_deref().unwrap_or("-")),
                );
                Ok(out(text, to_json(&o)))
            }
            "order confirm" => {
                let id = order_id(one(w, "ID")?)?;
                let o = shop.confirm_payment(actor, id, &self.key()?)?;
                Ok(out(format!("order {id} is {}", o.status), to_json(&o)))
            }
            "order complete" => {
                let a = Args::parse(w, &[], &[])?;
                let id = order_id(a.at(0, "ID")?)?;
                let delivery = a.rest(1);
                let o = shop.complete_order(
                    actor,
                    id,
                    (!delivery.is_empty()).then_some(delivery.as_str()),
                    &self.key()?,
                )?;
                Ok(out(format!("order {id} completed"), to_json(&o)))
            }
            "order fail" => {
                let a = Args::parse(w, &[], &[])?;
                let id = order_id(a.at(0, "ID")?)?;
                let reason = a.rest(1);
                if reason.is_empty() {
                    return Err(Failure::Usage("missing REASON".into()));
                }
                let o = shop.fail_order(actor, id, &reason, &self.key()?)?;
                Ok(out(
                    format!(
                        "order {id} failed{}",
                        if o.refund_seq.is_some() {
                            "; refunded"
                        } else {
                            ""
                        }
                    ),
                    to_json(&o),
                ))
            }
            "order cancel" => {
                let id = order_id(one(w, "ID")?)?;
                let o = shop.cancel_order(actor, id, &self.key()?)?;
                Ok(out(
                    format!(
                        "order {id} cancelled{}",
                        if o.refund_seq.is_some() {
                            "; refunded"
                        } else {
                            ""
                        }
                    ),
                    to_json(&o),
                ))
            }
            "order expire" => {
                no_args(w)?;
                let n = shop.expire_unpaid_orders()?;
                Ok(out(
                    format!("{n} unpaid orders expired"),
                    json!({"expired": n}),
                ))
            }
            "mode" => {
                let mode = match one(w, "manual|auto")? {
                    "manual" => FulfilmentMode::Manual,
                    "auto" => FulfilmentMode::Auto,
                    other => {
                        return Err(Failure::Usage(format!("{other:?} is not manual or auto")));
                    }
                };
                let s = shop.set_fulfilment_mode(actor, mode)?;
                Ok(out(
                    format!("fulfilment mode: {}", s.fulfilment),
                    to_json(&s),
                ))
            }
            "state" => {
                let a = Args::parse(w, &[], &[])?;
                let state = match a.at(0, "open|maintenance|emergency")? {
                    "open" => StoreState::Open,
                    "maintenance" => StoreState::Maintenance,
                    "emergency" => StoreState::Emergency,
                    other => {
                        return Err(Failure::Usage(format!(
                            "{other:?} is not open, maintenance or emergency"
                        )));
                    }
                };
                let reason = a.rest(1);
                let s = shop.set_store_state(
                    actor,
                    state,
                    (!reason.is_empty()).then_some(reason.as_str()),
                )?;
                Ok(out(format!("store state: {}", s.state), to_json(&s)))
            }
            "zone" => {
                let a = Args::parse(w, &[], &[])?;
                a.at_most(1)?;
                let s = match a.rest(0) {
                    name if name.is_empty() => shop.settings(),
                    name => shop.set_time_zone(actor, &name)?,
                };
                Ok(out(
                    format!("time zone: {}", s.time_zone),
                    serde_json::json!({ "time_zone": s.time_zone.name() }),
                ))
            }
            "stats" => {
                let a = Args::parse(w, &["days"], &[])?;
                a.at_most(0)?;
                let days = usize::try_from(
                    a.value("days")
                        .map(|d| parse_u64(d, "--days"))
                        .transpose()?
                        .unwrap_or(7),
                )
                .unwrap_or(7);
                let d = shop.dashboard(
                    actor,
                    DashboardOptions {
                        top_n: 5,
                        series_days: days,
                    },
                )?;
                Ok(out(crate::render::dashboard(&d), to_json(&d)))
            }
            "audit" => {
                let a = Args::parse(w, &["limit", "action", "actor"], &[])?;
                a.at_most(0)?;
                let limit = usize::try_from(
                    a.value("limit")
                        .map(|l| parse_u64(l, "--limit"))
                        .transpose()?
                        .unwrap_or(20),
                )
                .unwrap_or(20);
                let action = a.value("action").map(AuditAction::parse).transpose()?;
                let who = a
                    .value("actor")
                    .map(|u| self.user_id(u).map(shopcore::ActorRef::User))
                    .transpose()?;
                let page = shop.audit_log(
                    actor,
                    &AuditQuery {
                        actor: who,
                        action,
                        limit,
                        ..AuditQuery::default()
                    },
                )?;
                let rows = page
                    .entries
                    .iter()
                    .map(|e| {
                        let outcome = match &e.outcome {
                            shopcore::audit::Outcome::Done => String::new(),
                            shopcore::audit::Outcome::Denied { reason } => {
                                format!("DENIED: {reason}")
                            }
                            shopcore::audit::Outcome::Failed { reason } => {
                                format!("FAILED: {reason}")
                            }
                        };
                        let details: Vec<String> = e
                            .details
                            .iter()
                            .map(|d| match (&d.before, &d.after) {
                                (Some(b), Some(a)) => format!("{}: {b} → {a}", d.field),
                                (None, Some(a)) => format!("{}: {a}", d.field),
                                _ => d.field.clone(),
                            })
                            .collect();
                        vec![
                            e.seq.to_string(),
                            e.action.to_string(),
                            e.actor.to_string(),
                            e.target.to_string(),
                            if outcome.is_empty() {
                                details.join("; ")
                            } else {
                                outcome
                            },
                        ]
                    })
                    .collect::<Vec<_>>();
                Ok(out(
                    table::render(&["seq", "action", "actor", "target", "details"], &rows),
                    to_json(&page.entries),
                ))
            }
            "verify" => {
                no_args(w)?;
                let report = shop.verify()?;
                Ok(out(report.to_string().trim_end(), to_json(&report)))
            }
            "backup" => {
                let path = one(w, "PATH")?;
                let s = shop.backup(actor, path)?;
                Ok(out(
                    format!(
                        "backup written to {path}: {} records, {} bytes",
                        s.entries, s.bytes
                    ),
                    to_json(&s),
                ))
            }
            "restore" => {
                let (from, to) = two(w, "BACKUP_PATH", "NEW_DB_PATH")?;
                let restored = Shop::restore(from, to, Config::default())?;
                let report = restored.verify()?;
                Ok(out(
                    format!("restored into {to}: {}", report.to_string().trim_end()),
                    json!({"path": to, "healthy": report.is_healthy()}),
                ))
            }
            "copy" => {
                let target = one(w, "TARGET")?;
                let location = shopcore::Location::from(target);
                let mut last_table = String::new();
                let summary = shop.copy_to(actor, &location, Config::default(), |table, n| {
                    if table != last_table {
                        eprintln!("copying {table}… ({n} records so far)");
                        last_table = table.to_owned();
                    }
                })?;
                Ok(out(
                    format!(
                        "copied {} records ({} tables) into {location} in {:.1} s; the copy verifies and its records equal the shop's (sha256 {})",
                        summary.records, summary.tables, summary.seconds, summary.digest
                    ),
                    json!({"records": summary.records, "tables": summary.tables, "digest": summary.digest, "target": location.to_string()}),
                ))
            }
            "export" => {
                let (kind, path) = two(w, "orders|ledger|audit|users", "CSV_PATH")?;
                let kind = ExportKind::parse(kind).ok_or_else(|| {
                    Failure::Usage(format!("{kind:?} is not orders, ledger, audit or users"))
                })?;
                let mut file = std::fs::File::create(path)
                    .map_err(|e| CommandError::Io(format!("{path}: {e}")))?;
                let rows = shop.export_csv(actor, kind, &mut file)?;
                Ok(out(
                    format!("{rows} rows written to {path}"),
                    json!({"rows": rows, "path": path}),
                ))
            }
            other => Err(Failure::Usage(format!("{other} is not implemented"))),
        }
    }

    fn category_id(&self, text: &str) -> Result<shopcore::CategoryId, Failure> {
        if let Ok(id) = text.parse::<shopcore::CategoryId>() {
            return Ok(id);
        }
        self.shop
            .categories(false)?
            .into_iter()
            .find(|c| c.name.eq_ignore_ascii_case(text))
            .map(|c| c.id)
            .ok_or_else(|| Failure::Usage(format!("no category {text:?}")))
    }

    pub(crate) fn request_key(&self) -> Result<RequestKey, CommandError> {
        self.key()
    }
}

/// The command named by the first one or two of `words` (the longest name that matches), and
/// how many words its name took. An unknown name is an error message that suggests the
/// nearest known names.
pub fn find_command(words: &[String]) -> Result<(&'static CommandSpec, usize), String> {
    let Some(first) = words.first() else {
        return Err("empty command".into());
    };
    if let Some(second) = words.get(1) {
        let two = format!("{first} {second}");
        if let Some(spec) = COMMANDS.iter().find(|c| c.name == two) {
            return Ok((spec, 2));
        }
    }
    let group: Vec<&str> = COMMANDS
        .iter()
        .filter_map(|c| c.name.strip_prefix(first.as_str())?.strip_prefix(' '))
        .collect();
    if let Some(spec) = COMMANDS.iter().find(|c| c.name == first.as_str()) {
        // `balance adjst 5 +1 x` is a mistyped `balance adjust`, not the balance of a user
        // "adjst" (users are ids or @names).
        let mistyped = words.get(1).filter(|second| {
            !second.starts_with(|c: char| c == '@' || c.is_ascii_digit())
                && !suggest::nearest(second, group.iter().copied()).is_empty()
        });
        if mistyped.is_none() {
            return Ok((spec, 1));
        }
    }
    if group.is_empty() {
        let names = command_words();
        return Err(format!(
            "unknown command {first:?}{}",
            suggest::did_you_mean(&suggest::nearest(first, names.iter().copied()))
        ));
    }
    match words.get(1) {
        None => Err(format!(
            "{first:?} needs one of: {} (see `help {first}`)",
            group.join(", ")
        )),
        Some(second) => {
            let near: Vec<String> = suggest::nearest(second, group.iter().copied())
                .into_iter()
                .map(|sub| format!("{first} {sub}"))
                .collect();
            let near: Vec<&str> = near.iter().map(String::as_str).collect();
            Err(format!(
                "unknown {first} command {second:?}{}",
                suggest::did_you_mean(&near)
            ))
        }
    }
}

/// The words a command line can start with: `order`, `verify`, `help`… each once.
fn command_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = COMMANDS
        .iter()
        .filter_map(|c| c.name.split(' ').next())
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// `help` (every command with one line) or `help TOPIC` (a command, or every command of a
/// group such as `order`, with usage and examples).
fn help(topic: &str) -> Result<Output, Failure> {
    if topic.is_empty() {
        let rows: Vec<Vec<String>> = COMMANDS
            .iter()
            .map(|c| vec![c.name.to_owned(), c.about.to_owned()])
            .collect();
        return Ok(out(
            format!(
                "{}\n`help COMMAND` shows its usage and examples; `quit`, `exit` or Ctrl-D ends the session.",
                table::render(&["command", "what it does"], &rows)
            ),
            json!(COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>()),
        ));
    }
    let group = format!("{topic} ");
    let matches: Vec<&CommandSpec> = COMMANDS
        .iter()
        .filter(|c| c.name == topic || c.name.starts_with(&group))
        .collect();
    if matches.is_empty() {
        let names: Vec<&str> = COMMANDS
            .iter()
            .map(|c| c.name)
            .chain(command_words())
            .collect();
        return Err(Failure::Usage(format!(
            "no command {topic:?}{}",
            suggest::did_you_mean(&suggest::nearest(topic, names))
        )));
    }
    let text: Vec<String> = matches.iter().map(|c| help_text(c)).collect();
    Ok(out(
        text.join("\n"),
        json!(
            matches
                .iter()
                .map(|c| json!({
                    "command": c.name,
                    "usage": c.usage,
                    "help": c.about,
                    "examples": c.examples,
                }))
                .collect::<Vec<_>>()
        ),
    ))
}

/// One command's help: usage, what it does, examples.
fn help_text(spec: &CommandSpec) -> String {
    let mut lines = vec![spec.usage.to_owned(), format!("    {}", spec.about)];
    lines.extend(spec.examples.iter().map(|e| format!("    example: {e}")));
    lines.join("\n")
}

/// Inside `dispatch`: a usage problem (completed with the usage line by `run`) or a real
/// failure.
enum Failure {
    Usage(String),
    Command(CommandError),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Usage(message)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Command(CommandError::Shop(e))
    }
}

impl From<shopcore::InvalidInput> for Failure {
    fn from(e: shopcore::InvalidInput) -> Failure {
        Failure::Command(CommandError::Shop(e.into()))
    }
}

impl From<CommandError> for Failure {
    fn from(e: CommandError) -> Failure {
        Failure::Command(e)
    }
}

fn usage_error(message: &str, usage: &str) -> CommandError {
    CommandError::Usage {
        message: message.to_owned(),
        usage: usage.to_owned(),
    }
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

fn no_args(w: &[String]) -> Result<(), Failure> {
    match w.first() {
        Some(extra) => Err(Failure::Usage(format!("unexpected {extra:?}"))),
        None => Ok(()),
    }
}

fn one<'a>(w: &'a [String], what: &str) -> Result<&'a str, Failure> {
    match w {
        [only] => Ok(only),
        [] => Err(Failure::Usage(format!("missing {what}"))),
        [_, extra, ..] => Err(Failure::Usage(format!("unexpected {extra:?}"))),
    }
}

fn two<'a>(w: &'a [String], first: &str, second: &str) -> Result<(&'a str, &'a str), Failure> {
    match w {
        [a, b] => Ok((a, b)),
        [] => Err(Failure::Usage(format!("missing {first}"))),
        [_] => Err(Failure::Usage(format!("missing {second}"))),
        [_, _, extra, ..] => Err(Failure::Usage(format!("unexpected {extra:?}"))),
    }
}

fn parse_u64(text: &str, what: &str) -> Result<u64, Failure> {
    text.parse()
        .map_err(|_| Failure::Usage(format!("{what}: {text:?} is not a whole number")))
}

fn parse_i32(text: &str, what: &str) -> Result<i32, Failure> {
    text.parse()
        .map_err(|_| Failure::Usage(format!("{what}: {text:?} is not a whole number")))
}

fn product_id(text: &str) -> Result<ProductId, Failure> {
    Ok(text.parse::<ProductId>().map_err(Error::from)?)
}

fn order_id(text: &str) -> Result<OrderId, Failure> {
    Ok(text.parse::<OrderId>().map_err(Error::from)?)
}

fn parse_delivery(text: &str) -> Result<Delivery, Failure> {
    match text {
        "manual" => Ok(Delivery::Manual),
        "codes" => Ok(Delivery::Codes),
        other => match other.strip_prefix("supplier:") {
            Some(sku) if !sku.is_empty() => Ok(Delivery::Supplier {
                sku: sku.to_owned(),
            }),
            _ => Err(Failure::Usage(format!(
                "--delivery {other:?}: use manual, codes or supplier:SKU"
            ))),
        },
    }
}

/// `digits:6-12`, `alnum:3-20` or `mask:###-AAA`.
fn parse_rule(text: &str) -> Result<PlayerIdRule, Failure> {
    let bad = || {
        Failure::Usage(format!(
            "--player-rule {text:?}: use digits:MIN-MAX, alnum:MIN-MAX or mask:PATTERN"
        ))
    };
    let (kind, spec) = text.split_once(':').ok_or_else(bad)?;
    let range = || -> Result<(u8, u8), Failure> {
        let (a, b) = spec.split_once('-').ok_or_else(bad)?;
        Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
    };
    match kind {
        "digits" => range().map(|(len_min, len_max)| PlayerIdRule::Digits { len_min, len_max }),
        "alnum" => {
            range().map(|(len_min, len_max)| PlayerIdRule::Alphanumeric { len_min, len_max })
        }
        "mask" => Ok(PlayerIdRule::Mask(spec.to_owned())),
        _ => Err(bad()),
    }
}

/// `YYYY-MM-DD` → the start of that day in the shop's time zone.
fn parse_date(text: &str, zone: &shopcore::Zone) -> Result<Timestamp, Failure> {
    shopcore::analytics::parse_day(text, zone)
        .ok_or_else(|| Failure::Usage(format!("{text:?} is not a date like 2026-12-31")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        let utc = shopcore::Zone::utc();
        assert_eq!(
            super::parse_date("2026-01-01", &utc)
                .ok()
                .map(|t| t.millis()),
            Some(1_767_225_600_000)
        );
        let riyadh = shopcore::Zone::named("Asia/Riyadh").unwrap();
        assert_eq!(
            super::parse_date("2026-01-01", &riyadh)
                .ok()
                .map(|t| t.millis()),
            Some(1_767_225_600_000 - 3 * 3_600_000)
        );
        assert!(super::parse_date("2026-02-30", &utc).is_err());
        assert!(super::parse_date("tomorrow", &utc).is_err());
    }
}
