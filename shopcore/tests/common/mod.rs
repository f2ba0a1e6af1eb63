//! Helpers shared by the integration tests: a shop in a temporary directory on a manual
//! clock, and quick ways to make users and actors.

pub use shopcore::testkit::postgres::TestSchema;
use shopcore::{
    Actor, Config, Durability, ManualClock, Registration, Role, Shop, Timestamp, User, UserId,
};
use std::path::PathBuf;
use std::sync::Arc;

/// 2026-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp(1_767_225_600_000);
pub const OWNER: u64 = 1;

pub struct TestShop {
    pub shop: Shop,
    pub clock: Arc<ManualClock>,
    pub dir: Place,
}

/// The backend the shared suites run on: sled unless `SHOPCORE_TEST_BACKEND=postgres`,
/// which takes the server at `SHOPCORE_TEST_POSTGRES_URL` (`.ci/postgres start` prints one).
pub fn postgres_backend() -> Option<String> {
    match std::env::var("SHOPCORE_TEST_BACKEND").as_deref() {
        Ok("postgres") => Some(shopcore::testkit::postgres::server_url().expect(
            "SHOPCORE_TEST_BACKEND=postgres needs SHOPCORE_TEST_POSTGRES_URL (see .ci/postgres)",
        )),
        Ok("sled") | Ok("") | Err(_) => None,
        Ok(other) => panic!("SHOPCORE_TEST_BACKEND={other}: use sled or postgres"),
    }
}

/// Where one test's shop lives: a temporary directory (for files: backups, exports, and
/// the sled database), and on the PostgreSQL backend a schema of its own, dropped with it.
pub struct Place {
    dir: tempfile::TempDir,
    schema: Option<TestSchema>,
}

impl Place {
    /// A new place on the backend the suites run on.
    pub fn new() -> Place {
        let dir = tempfile::tempdir().expect("tempdir");
        let schema = postgres_backend().map(|url| TestSchema::new(&url));
        Place { dir, schema }
    }

    /// A new place on sled, whatever the suites run on (tests of sled's files).
    pub fn on_sled() -> Place {
        Place {
            dir: tempfile::tempdir().expect("tempdir"),
            schema: None,
        }
    }

    /// The shop's location: the sled database's path in the directory, or the schema's URL
    /// (a `PathBuf` holding a `postgres://` URL opens PostgreSQL).
    pub fn location(&self) -> PathBuf {
        match &self.schema {
            Some(schema) => PathBuf::from(schema.url()),
            None => self.dir.path().join("shop.db"),
        }
    }

    /// The temporary directory, for files beside the shop.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Whether the shop is in PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
    }
}

impl TestShop {
    /// A fresh shop whose only super admin is user 1, on the suites' backend.
    pub fn new() -> TestShop {
        TestShop::at(Place::new())
    }

    /// A fresh shop on sled, whatever the suites run on.
    pub fn on_sled() -> TestShop {
        TestShop::at(Place::on_sled())
    }

    fn at(dir: Place) -> TestShop {
        let clock = Arc::new(ManualClock::new(START));
        let shop = Shop::open(dir.location(), config(&clock)).expect("open");
        TestShop { shop, clock, dir }
    }

    /// The shop's location (see [`Place::location`]).
    pub fn path(&self) -> PathBuf {
        self.dir.location()
    }

    /// Closes and reopens the database.
    pub fn reopen(self) -> TestShop {
        let TestShop { shop, clock, dir } = self;
        drop(shop);
        let shop = Shop::open(dir.location(), config(&clock)).expect("reopen");
        TestShop { shop, clock, dir }
    }

    pub fn owner(&self) -> Actor {
        self.shop.actor(uid(OWNER)).expect("owner actor")
    }

    pub fn user(&self, id: u64, username: Option<&str>) -> User {
        self.shop
            .register_user(&Registration {
                id: uid(id),
                username,
                display_name: &format!("User {id}"),
                language: Some("en"),
            })
            .expect("register")
    }

    /// Registers user `id` and gives them `role` (as the owner).
    pub fn staff(&self, id: u64, role: Role) -> Actor {
        self.user(id, None);
        if role != Role::User {
            self.shop
                .set_role(&self.owner(), uid(id), role)
                .expect("set role");
        }
        self.shop.actor(uid(id)).expect("actor")
    }

    pub fn digest(&self) -> [u8; 32] {
        self.shop.state_digest().expect("digest")
    }
}

pub fn config(clock: &Arc<ManualClock>) -> Config {
    Config {
        // On PostgreSQL the suites run as a second replica would: audit entries in a lane
        // other than the first (sled has one lane and ignores this).
        postgres_first_lane: 1,
        ..Config::default()
            .with_clock(clock.clone())
            .with_durability(Durability::Background)
            .with_super_admins(vec![uid(OWNER)])
    }
}

pub fn uid(id: u64) -> UserId {
    UserId::new(id).expect("valid id")
}

/// Runs `attempt`, which must fail; asserts that nothing but the audit log changed.
pub fn refused<T: std::fmt::Debug>(
    t: &TestShop,
    attempt: impl FnOnce() -> Result<T, shopcore::Error>,
) -> shopcore::Error {
    let before = t.digest();
    let err = attempt().expect_err("the attempt must be refused");
    assert_eq!(t.digest(), before, "a refused attempt changed state: {err}");
    err
}

/// `user` (registered if need be) is credited 100 USD and buys `product` from the balance;
/// the owner completes the order. `k` makes the request keys.
pub fn buy_completed(
    t: &TestShop,
    user: u64,
    product: shopcore::ProductId,
    k: &str,
) -> shopcore::Order {
    let owner = t.owner();
    if t.shop.user(uid(user)).expect("read").is_none() {
        t.staff(user, shopcore::Role::User);
    }
    t.shop
        .adjust_balance(
            &owner,
            uid(user),
            money("100"),
            "float",
            &key(&format!("f{k}")),
        )
        .expect("fund");
    let buyer = t.shop.actor(uid(user)).expect("buyer");
    let order = t
        .shop
        .create_order(&buyer, &crate::orders::by_balance(product), &key(k))
        .expect("order");
    t.shop
        .complete_order(&owner, order.id, Some("sent"), &key(&format!("c{k}")))
        .expect("complete")
}

/// The newest audit entry.
pub fn last_audit(t: &TestShop) -> shopcore::AuditEntry {
    last_audit_of(&t.shop, &t.owner())
}

/// The newest audit entry of `shop`, as `reader` sees it.
pub fn last_audit_of(shop: &Shop, reader: &Actor) -> shopcore::AuditEntry {
    let page = shop
        .audit_log(
            reader,
            &shopcore::AuditQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .expect("audit log");
    page.entries.into_iter().next().expect("an audit entry")
}

pub fn money(text: &str) -> shopcore::Money {
    shopcore::Money::from_decimal(text.parse().expect("decimal"))
}

/// A manual-delivery product with unlimited stock.
pub fn new_product(
    category: shopcore::CategoryId,
    name: &str,
    price: &str,
) -> shopcore::NewProduct {
    shopcore::NewProduct {
        category,
        name: name.into(),
        description: String::new(),
        price_usd: money(price),
        kind: shopcore::ProductKind::GameTopUp,
        delivery: shopcore::Delivery::Manual,
        stock: shopcore::Stock::Unlimited,
        player_field: None,
        sort_order: 0,
        active: true,
    }
}

pub fn new_method(name: &str, currency: &str, min: &str, max: &str) -> shopcore::NewPaymentMethod {
    shopcore::NewPaymentMethod {
        name: name.into(),
        instructions: "Send to account 123-456".into(),
        currency: currency.into(),
        min_amount: money(min),
        max_amount: money(max),
        active: true,
    }
}

pub fn key(text: &str) -> shopcore::RequestKey {
    shopcore::RequestKey::new(text).expect("request key")
}

/// A shopper's top-up request with a text proof.
pub fn topup_request(
    method: shopcore::PaymentMethodId,
    amount: &str,
    request_key: &str,
) -> shopcore::TopupRequest {
    shopcore::TopupRequest {
        method,
        amount: money(amount),
        proof: shopcore::Proof::Text(format!("txn {request_key}")),
        key: key(request_key),
    }
}

/// Opens the database with sled directly (to tamper with it), waiting briefly for the lock
/// of a shop that was just closed: sled finishes its last writes on a background thread.
pub fn raw_sled(path: &std::path::Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    sled::open(path).expect("raw sled open")
}

/// Every table's tag: the first byte of its records' keys in the `records` tree, as
/// `docs/storage.md` lists them (`storage::the_raw_helper_knows_every_documented_tag` holds
/// the two equal).
pub const TABLE_TAGS: [(&str, u8); 72] = [
    ("meta", 1),
    ("counters", 2),
    ("users", 3),
    ("usernames", 4),
    ("users_by_role", 5),
    ("banned_users", 6),
    ("audit", 7),
    ("audit_by_actor", 8),
    ("audit_by_action", 9),
    ("audit_by_time", 10),
    ("settings", 11),
    ("currencies", 12),
    ("categories", 13),
    ("categories_by_order", 14),
    ("products", 15),
    ("products_by_category", 16),
    ("codes", 17),
    ("codes_by_hash", 18),
    ("payment_methods", 19),
    ("wallets", 20),
    ("ledger", 21),
    ("ledger_by_user", 22),
    ("topups", 23),
    ("topups_by_status", 24),
    ("topups_by_user", 25),
    ("request_keys", 26),
    ("orders", 27),
    ("orders_by_status", 28),
    ("orders_by_user", 29),
    ("open_orders", 30),
    ("coupons", 31),
    ("coupon_uses", 32),
    ("sessions", 33),
    ("outbox", 34),
    ("outbox_cursors", 35),
    ("rollups", 36),
    ("activity", 37),
    ("broadcasts", 38),
    ("blocked_bot", 39),
    ("audit_pruned", 40),
    ("codes_seen", 41),
    ("proofs_seen", 42),
    ("proof_reuses", 43),
    ("topups_filed_for", 44),
    ("audit_actor_postings", 45),
    ("audit_action_postings", 46),
    ("audit_time_postings", 47),
    ("code_chunks", 48),
    ("order_status_postings", 49),
    ("audit_chunks", 50),
    ("outbox_chunks", 51),
    ("ledger_chunks", 52),
    ("leases", 53),
    ("panel_links", 54),
    ("panel_sessions", 55),
    ("invoices", 56),
    ("invoices_by_status", 57),
    ("invoices_by_user", 58),
    ("invoices_open_by_user", 59),
    ("invoice_payments", 60),
    ("broadcast_mutes", 61),
    ("search_terms", 62),
    ("time_zone", 63),
    ("product_photos", 64),
    ("referral_program", 65),
    ("referrals", 66),
    ("referrers", 67),
    ("co_purchases", 68),
    ("co_purchase_rank", 69),
    ("purchase_baskets", 70),
    ("order_limits", 71),
    ("outbox_lane_cursors", 72),
];

/// A closed shop's database opened directly (sled, or the PostgreSQL schema of a
/// `postgres://` location), to read and tamper with its records by table name and key
/// within the table, as `docs/storage.md` lays them out.
pub struct RawStore {
    backend: RawBackend,
}

enum RawBackend {
    Sled { db: sled::Db, records: sled::Tree },
    Postgres(Box<std::cell::RefCell<postgres::Client>>),
}

impl RawStore {
    pub fn open(path: &std::path::Path) -> RawStore {
        let text = path.to_string_lossy();
        if shopcore::Location::is_postgres_url(&text) {
            let mut client = shopcore::testkit::postgres::client_for(&text);
            // A tamperer with the server's keys: triggers and foreign keys off, so the
            // records the database itself would refuse can be planted for verify() to find.
            client
                .batch_execute("SET session_replication_role = replica")
                .unwrap();
            return RawStore {
                backend: RawBackend::Postgres(Box::new(std::cell::RefCell::new(client))),
            };
        }
        let db = raw_sled(path);
        let records = db.open_tree("records").expect("the records tree");
        RawStore {
            backend: RawBackend::Sled { db, records },
        }
    }

    /// sled's database (tests of sled's own layout).
    pub fn sled(&self) -> &sled::Db {
        match &self.backend {
            RawBackend::Sled { db, .. } => db,
            RawBackend::Postgres(_) => panic!("not a sled store"),
        }
    }

    /// One table: the records whose keys start with its tag.
    /// `"audit"` is the audit log seen a record per entry (sequence number → entry), as
    /// schemas 1 to 7 kept it: reads and writes go to the entries inside its chunks
    /// (`audit_chunks`, 8 entries a record) as a tamperer editing the log would.
    pub fn table(&self, name: &str) -> RawTable<'_> {
        for (per_entry, chunked) in [
            ("audit", "audit_chunks"),
            ("outbox", "outbox_chunks"),
            ("ledger", "ledger_chunks"),
        ] {
            if name == per_entry {
                return RawTable {
                    store: self,
                    tag: tag_of(chunked),
                    log: true,
                };
            }
        }
        RawTable {
            store: self,
            tag: tag_of(name),
            log: false,
        }
    }

    pub fn flush(&self) -> sled::Result<usize> {
        match &self.backend {
            RawBackend::Sled { db, .. } => db.flush(),
            RawBackend::Postgres(_) => Ok(0),
        }
    }

    fn pg_table(tag: u8) -> &'static str {
        TABLE_TAGS
            .iter()
            .find(|(_, t)| *t == tag)
            .expect("a known tag")
            .0
    }

    fn get(&self, full: &[u8]) -> Option<sled::IVec> {
        match &self.backend {
            RawBackend::Sled { records, .. } => records.get(full).unwrap(),
            RawBackend::Postgres(client) => client
                .borrow_mut()
                .query_opt(
                    &format!("SELECT v FROM \"{}\" WHERE k = $1", Self::pg_table(full[0])),
                    &[&&full[1..]],
                )
                .unwrap()
                .map(|row| sled::IVec::from(row.get::<_, Vec<u8>>(0))),
        }
    }

    fn insert(&self, full: &[u8], value: &[u8]) {
        match &self.backend {
            RawBackend::Sled { records, .. } => {
                records.insert(full, value).unwrap();
            }
            RawBackend::Postgres(client) => {
                client
                    .borrow_mut()
                    .execute(
                        &format!(
                            "INSERT INTO \"{}\" (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
                            Self::pg_table(full[0])
                        ),
                        &[&&full[1..], &value],
                    )
                    .unwrap();
            }
        }
    }

    fn remove(&self, full: &[u8]) {
        match &self.backend {
            RawBackend::Sled { records, .. } => {
                records.remove(full).unwrap();
            }
            RawBackend::Postgres(client) => {
                client
                    .borrow_mut()
                    .execute(
                        &format!("DELETE FROM \"{}\" WHERE k = $1", Self::pg_table(full[0])),
                        &[&&full[1..]],
                    )
                    .unwrap();
            }
        }
    }

    /// Every record of the table with `tag`, in key order, with keys within the table.
    fn scan(&self, tag: u8) -> Vec<(Vec<u8>, sled::IVec)> {
        match &self.backend {
            RawBackend::Sled { records, .. } => records
                .scan_prefix([tag])
                .map(|item| item.map(|(k, v)| (k[1..].to_vec(), v)).unwrap())
                .collect(),
            RawBackend::Postgres(client) => client
                .borrow_mut()
                .query(
                    &format!("SELECT k, v FROM \"{}\" ORDER BY k", Self::pg_table(tag)),
                    &[],
                )
                .unwrap()
                .into_iter()
                .map(|row| {
                    (
                        row.get::<_, Vec<u8>>(0),
                        sled::IVec::from(row.get::<_, Vec<u8>>(1)),
                    )
                })
                .collect(),
        }
    }
}

fn tag_of(name: &str) -> u8 {
    TABLE_TAGS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no table {name}"))
        .1
}

/// A table of the store, with the calls of a `sled::Tree` on keys within it.
pub struct RawTable<'a> {
    store: &'a RawStore,
    tag: u8,
    /// A log in chunks (`shopcore`'s `store::log`), seen as a record per entry.
    log: bool,
}

/// A chunk of a log: (sequence number, the entry's encoding), ascending.
type LogChunk = Vec<(u64, Vec<u8>)>;

impl RawTable<'_> {
    fn chunk_key(&self, key: &[u8]) -> (Vec<u8>, u64) {
        let seq = u64::from_be_bytes(key.try_into().expect("an 8-byte sequence number"));
        (self.full(&(seq / 8).to_be_bytes()), seq)
    }

    fn load_chunk(&self, full: &[u8]) -> LogChunk {
        self.store.get(full).map_or_else(Vec::new, |v| {
            bincode::serde::decode_from_slice(&v, bincode::config::standard())
                .unwrap()
                .0
        })
    }

    fn save_chunk(&self, full: Vec<u8>, chunk: &LogChunk) {
        if chunk.is_empty() {
            self.store.remove(&full);
        } else {
            self.store.insert(
                &full,
                &bincode::serde::encode_to_vec(chunk, bincode::config::standard()).unwrap(),
            );
        }
    }

    fn full(&self, key: &[u8]) -> Vec<u8> {
        let mut full = vec![self.tag];
        full.extend_from_slice(key);
        full
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<sled::IVec>> {
        if self.log {
            let (full, seq) = self.chunk_key(key.as_ref());
            return Ok(self
                .load_chunk(&full)
                .into_iter()
                .find(|(s, _)| *s == seq)
                .map(|(_, v)| v.into()));
        }
        Ok(self.store.get(&self.full(key.as_ref())))
    }

    pub fn insert(
        &self,
        key: impl AsRef<[u8]>,
        value: impl Into<sled::IVec>,
    ) -> sled::Result<Option<sled::IVec>> {
        if self.log {
            let before = self.get(key.as_ref())?;
            let (full, seq) = self.chunk_key(key.as_ref());
            let mut chunk = self.load_chunk(&full);
            chunk.retain(|(s, _)| *s != seq);
            chunk.push((seq, value.into().to_vec()));
            chunk.sort_by_key(|(s, _)| *s);
            self.save_chunk(full, &chunk);
            return Ok(before);
        }
        let full = self.full(key.as_ref());
        let before = self.store.get(&full);
        self.store.insert(&full, &value.into());
        Ok(before)
    }

    pub fn remove(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<sled::IVec>> {
        if self.log {
            let before = self.get(key.as_ref())?;
            let (full, seq) = self.chunk_key(key.as_ref());
            let mut chunk = self.load_chunk(&full);
            chunk.retain(|(s, _)| *s != seq);
            self.save_chunk(full, &chunk);
            return Ok(before);
        }
        let full = self.full(key.as_ref());
        let before = self.store.get(&full);
        self.store.remove(&full);
        Ok(before)
    }

    /// Every record, in key order, with keys within the table.
    pub fn iter(
        &self,
    ) -> Box<dyn DoubleEndedIterator<Item = sled::Result<(Vec<u8>, sled::IVec)>> + '_> {
        let records = self.store.scan(self.tag).into_iter().map(Ok);
        if !self.log {
            return Box::new(records);
        }
        let mut entries = Vec::new();
        for item in records {
            let (_, v) = item.expect("read");
            let chunk: LogChunk =
                bincode::serde::decode_from_slice(&v, bincode::config::standard())
                    .unwrap()
                    .0;
            for (seq, bytes) in chunk {
                entries.push(Ok((seq.to_be_bytes().to_vec(), sled::IVec::from(bytes))));
            }
        }
        Box::new(entries.into_iter())
    }

    /// The record with the greatest key.
    pub fn last(&self) -> sled::Result<Option<(Vec<u8>, sled::IVec)>> {
        self.iter().next_back().transpose()
    }

    /// Removes every record of the table (what dropping its tree did before schema 3).
    pub fn clear(&self) {
        let keys: Vec<Vec<u8>> = self.iter().map(|item| item.expect("read").0).collect();
        for key in keys {
            self.remove(key).expect("remove");
        }
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }
}

/// The schema-2 shop checked in under `tests/data/schema2` (see its README), copied into a
/// new temporary directory: opening it migrates it in place. Returns the directory and the
/// database's path in it.
pub fn schema2_shop() -> (tempfile::TempDir, PathBuf) {
    let from = schema2_dir().join("shop.db");
    let dir = tempfile::tempdir().expect("tempdir");
    let to = dir.path().join("shop.db");
    std::fs::create_dir_all(to.join("blobs")).expect("mkdir");
    for file in ["conf", "db"] {
        std::fs::copy(from.join(file), to.join(file)).expect("copy the schema-2 shop");
    }
    (dir, to)
}

/// The users who had a wallet record in the checked-in schema-2 shop (read from its own
/// per-table layout).
pub fn schema2_wallets() -> std::collections::BTreeSet<Vec<u8>> {
    let (_dir, path) = schema2_shop();
    let db = sled::open(&path).expect("open the schema-2 shop's copy");
    let wallets = db.open_tree("wallets").expect("wallets tree");
    wallets
        .iter()
        .map(|item| item.expect("read").0.to_vec())
        .collect()
}

pub fn schema2_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema2")
}

/// What the schema-2 shop said before it was closed (`tests/data/schema2/expected.txt`).
pub struct Schema2Expected {
    pub digest: String,
    pub audit_head: (u64, String),
    /// (user, balance, ledger entries)
    pub wallets: Vec<(u64, String, usize)>,
    /// (user, "#id status total")
    pub orders: Vec<(u64, String)>,
}

pub fn schema2_expected() -> Schema2Expected {
    let text = std::fs::read_to_string(schema2_dir().join("expected.txt")).expect("expected.txt");
    let mut expected = Schema2Expected {
        digest: String::new(),
        audit_head: (0, String::new()),
        wallets: Vec::new(),
        orders: Vec::new(),
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["digest", d] => expected.digest = d.to_string(),
            ["audit_head", seq, hash] => {
                expected.audit_head = (seq.parse().unwrap(), hash.to_string())
            }
            ["balance", user, amount] => {
                expected
                    .wallets
                    .push((user.parse().unwrap(), amount.to_string(), 0))
            }
            ["ledger", user, n] => {
                let wallet = expected.wallets.last_mut().unwrap();
                assert_eq!(wallet.0, user.parse::<u64>().unwrap());
                wallet.2 = n.parse().unwrap();
            }
            ["order", user, rest @ ..] => expected
                .orders
                .push((user.parse().unwrap(), rest.join(" "))),
            _ => panic!("unexpected line in expected.txt: {line}"),
        }
    }
    assert!(!expected.digest.is_empty() && !expected.orders.is_empty());
    expected
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every record of a closed shop by (table, key within the table), from the `records` tree.
pub fn all_records(raw: &RawStore) -> std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for (name, _) in TABLE_TAGS {
        for item in raw.table(name).iter() {
            let (k, v) = item.expect("read");
            out.insert((name, k), v.to_vec());
        }
    }
    out
}

/// The state digest as the code before schema 3 computed it (a SHA-256 over every table in
/// order, but the audit tables and their bookkeeping), over these records with the schema
/// version record set to `schema_version`: equal to a digest that code took, the records are
/// byte for byte the ones it had.
pub fn digest_as_schema_2_did(
    records: &std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>>,
    schema_version: u32,
) -> String {
    use sha2::{Digest, Sha256};
    let skipped_tables = [
        "audit",
        "audit_by_actor",
        "audit_by_action",
        "audit_by_time",
        "audit_actor_postings",
        "audit_action_postings",
        "audit_time_postings",
        "audit_chunks",
    ];
    let version =
        bincode::serde::encode_to_vec(schema_version, bincode::config::standard()).unwrap();
    let mut hasher = Sha256::new();
    for (name, _) in TABLE_TAGS {
        if skipped_tables.contains(&name) {
            continue;
        }
        for ((table, k), v) in records.range((name, Vec::new())..) {
            if *table != name {
                break;
            }
            // The verified watermark is bookkeeping of verify() (a restore runs it), not
            // shop state; the store's own digest skips it too.
            if (name == "meta"
                && (matches!(
                    k.as_slice(),
                    b"audit_head" | b"verified" | b"audit_indexed" | b"verified_lanes"
                ) || k.starts_with(b"audit_head/")
                    || k.starts_with(b"audit_indexed/")))
                || (name == "counters"
                    && (k.as_slice() == b"audit_seq" || k.starts_with(b"audit_seq/")))
            {
                continue;
            }
            let v = if name == "meta" && k.as_slice() == b"schema_version" {
                &version
            } else {
                v
            };
            for part in [name.as_bytes(), k.as_slice(), v.as_slice()] {
                hasher.update(u64::try_from(part.len()).unwrap().to_be_bytes());
                hasher.update(part);
            }
        }
    }
    hex(&hasher.finalize())
}

/// Rewrites a closed shop's database in the per-table layout of schemas 1 and 2 (one sled
/// tree per table, named as the table), stamped `schema_version`: the inverse of the move
/// schema 3 makes when it opens such a store.
pub fn to_per_table_layout(path: &std::path::Path, schema_version: u32) {
    let raw = RawStore::open(path);
    let mut records = all_records(&raw);
    if schema_version < 6 {
        unchunk_codes(&mut records);
    }
    if schema_version < 7 {
        unchunk_order_statuses(&mut records);
    }
    if schema_version < 8 {
        unchunk_log(&mut records, "audit_chunks", "audit");
    }
    if schema_version < 9 {
        unchunk_log(&mut records, "outbox_chunks", "outbox");
    }
    if schema_version < 10 {
        unchunk_log(&mut records, "ledger_chunks", "ledger");
    }
    for ((table, k), v) in &records {
        raw.sled()
            .open_tree(table)
            .unwrap()
            .insert(k.as_slice(), v.as_slice())
            .unwrap();
    }
    raw.sled()
        .open_tree("meta")
        .unwrap()
        .insert(
            "schema_version",
            bincode::serde::encode_to_vec(schema_version, bincode::config::standard()).unwrap(),
        )
        .unwrap();
    let RawStore { backend } = raw;
    let RawBackend::Sled { db, records: tree } = backend else {
        panic!("a sled store")
    };
    drop(tree);
    assert!(db.drop_tree("records").unwrap());
    db.flush().unwrap();
}

/// A log in chunks (the audit log from schema 8, the outbox from 9) as the record per entry
/// that older schemas kept.
pub fn unchunk_log(
    records: &mut std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>>,
    chunked: &'static str,
    per_entry: &'static str,
) {
    let chunks: Vec<(Vec<u8>, Vec<u8>)> = records
        .iter()
        .filter(|((table, _), _)| *table == chunked)
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in chunks {
        records.remove(&(chunked, k));
        let chunk: LogChunk = bincode::serde::decode_from_slice(&v, bincode::config::standard())
            .unwrap()
            .0;
        for (seq, bytes) in chunk {
            records.insert((per_entry, seq.to_be_bytes().to_vec()), bytes);
        }
    }
}

/// The order status index in chunks (schema 7) as the key per order that schemas 1 to 6
/// kept.
pub fn unchunk_order_statuses(
    records: &mut std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>>,
) {
    let chunks: Vec<(Vec<u8>, Vec<u8>)> = records
        .iter()
        .filter(|((table, _), _)| *table == "order_status_postings")
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in chunks {
        records.remove(&("order_status_postings", k.clone()));
        let ids: Vec<u64> = bincode::serde::decode_from_slice(&v, bincode::config::standard())
            .unwrap()
            .0;
        for id in ids {
            let mut key = vec![k[0]];
            key.extend(id.to_be_bytes());
            records.insert(("orders_by_status", key), Vec::new());
        }
    }
}

/// The code pools in chunks (schema 6) as the records per code that schemas 1 to 5 kept.
pub fn unchunk_codes(records: &mut std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>>) {
    let chunks: Vec<(Vec<u8>, Vec<u8>)> = records
        .iter()
        .filter(|((table, _), _)| *table == "code_chunks")
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in chunks {
        records.remove(&("code_chunks", k.clone()));
        let product = &k[..8];
        let chunk = u64::from_be_bytes(k[8..16].try_into().unwrap());
        // A stored code is its text and the time it was added, in this order.
        let slots: Vec<Option<(String, i64)>> =
            bincode::serde::decode_from_slice(&v, bincode::config::standard())
                .unwrap()
                .0;
        for (place, code) in (0u64..).zip(slots) {
            if let Some(code) = code {
                let mut key = product.to_vec();
                key.extend((chunk * 64 + place).to_be_bytes());
                records.insert(
                    ("codes", key),
                    bincode::serde::encode_to_vec(code, bincode::config::standard()).unwrap(),
                );
            }
        }
    }
}

/// The records as schemas 1 to 3 kept them: `codes_by_hash` derived from `codes_seen`
/// (schema 4 dropped it: a code's fate `InPool { slot }` says the same; the value of
/// `InPool { slot }` is the variant's number, 0 in one byte, followed by the slot, which is
/// how the index stored the slot), the counters a record each again (schema 4 keeps
/// them in one record, `all`), and ledger entries without their user chain link, with the
/// user index instead.
pub fn as_schema_3_kept(
    mut records: std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>>,
    wallets_before: &std::collections::BTreeSet<Vec<u8>>,
) -> std::collections::BTreeMap<(&'static str, Vec<u8>), Vec<u8>> {
    // Schema 13's roll-ups by payment route, derived from the orders and top-ups.
    records.retain(|(table, k), _| !(*table == "rollups" && k.first() == Some(&b'r')));
    // Schema 15's search index, derived from the product names.
    records.retain(|(table, _), _| *table != "search_terms");
    // Schema 19's recommendation roll-ups, derived from the completed orders.
    records.retain(|(table, _), _| {
        !matches!(
            *table,
            "co_purchases" | "co_purchase_rank" | "purchase_baskets"
        )
    });
    // The ledger as a record per entry (schema 10 keeps it in chunks), for what follows.
    unchunk_log(&mut records, "ledger_chunks", "ledger");
    // Ledger entries without `prev_for_user` (the last field, so its encoding is a suffix),
    // and the user index it replaced.
    let ledger: Vec<(Vec<u8>, Vec<u8>)> = records
        .iter()
        .filter(|((table, _), _)| *table == "ledger")
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in ledger {
        let entry: shopcore::wallet::LedgerEntry =
            bincode::serde::decode_from_slice(&v, bincode::config::standard())
                .unwrap()
                .0;
        let suffix =
            bincode::serde::encode_to_vec(entry.prev_for_user, bincode::config::standard())
                .unwrap();
        assert!(v.ends_with(&suffix));
        records.insert(("ledger", k), v[..v.len() - suffix.len()].to_vec());
        let mut index_key = entry.user.get().to_be_bytes().to_vec();
        index_key.extend(entry.seq.to_be_bytes());
        records.insert(("ledger_by_user", index_key), Vec::new());
    }
    // Orders without their chain link and the two fields after it (schema 20's quantity, 1,
    // and further codes, none: the bytes 1 and 0), and the user index and open
    // markers they replaced; accounts (wallet records) without their last two fields, and
    // without the records the migration created for buyers who never had a wallet.
    let orders: Vec<(Vec<u8>, Vec<u8>)> = records
        .iter()
        .filter(|((table, _), _)| *table == "orders")
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in orders {
        let order: shopcore::Order =
            bincode::serde::decode_from_slice(&v, bincode::config::standard())
                .unwrap()
                .0;
        assert_eq!(order.quantity, 1);
        let mut suffix =
            bincode::serde::encode_to_vec(order.prev_for_user, bincode::config::standard())
                .unwrap();
        suffix.extend([1, 0]);
        assert!(v.ends_with(&suffix));
        records.insert(("orders", k), v[..v.len() - suffix.len()].to_vec());
        let mut index_key = order.user.get().to_be_bytes().to_vec();
        index_key.extend(order.id.get().to_be_bytes());
        records.insert(("orders_by_user", index_key), Vec::new());
    }
    let wallets: Vec<(Vec<u8>, Vec<u8>)> = records
        .iter()
        .filter(|((table, _), _)| *table == "wallets")
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in wallets {
        let account: shopcore::wallet::Wallet =
            bincode::serde::decode_from_slice(&v, bincode::config::standard())
                .unwrap()
                .0;
        let suffix = bincode::serde::encode_to_vec(
            (account.last_order, account.open_order),
            bincode::config::standard(),
        )
        .unwrap();
        assert!(v.ends_with(&suffix));
        if let Some(open) = account.open_order {
            records.insert(
                ("open_orders", k.clone()),
                bincode::serde::encode_to_vec(open, bincode::config::standard()).unwrap(),
            );
        }
        if wallets_before.contains(&k) {
            records.insert(("wallets", k), v[..v.len() - suffix.len()].to_vec());
        } else {
            records.remove(&("wallets", k));
        }
    }
    if let Some(all) = records.remove(&("counters", b"all".to_vec())) {
        let counters: std::collections::BTreeMap<String, u64> =
            bincode::serde::decode_from_slice(&all, bincode::config::standard())
                .unwrap()
                .0;
        for (name, value) in counters {
            records.insert(
                ("counters", name.into_bytes()),
                bincode::serde::encode_to_vec(value, bincode::config::standard()).unwrap(),
            );
        }
    }
    let derived: Vec<_> = records
        .iter()
        .filter(|((table, _), v)| *table == "codes_seen" && v.first() == Some(&0))
        .map(|((_, k), v)| (("codes_by_hash", k.clone()), v[1..].to_vec()))
        .collect();
    records.extend(derived);
    unchunk_codes(&mut records);
    unchunk_order_statuses(&mut records);
    unchunk_log(&mut records, "audit_chunks", "audit");
    unchunk_log(&mut records, "outbox_chunks", "outbox");
    records
}

/// Asserts that the closed shop at `path` holds what the schema-2 shop held: the same
/// records byte for byte (the digest that shop took), the same audit chain up to the same
/// head, balances, ledgers and orders, and that `verify()` finds nothing. Returns it open.
pub fn assert_holds_the_schema2_shop(path: &std::path::Path, config: Config) -> Shop {
    let expected = schema2_expected();
    {
        let raw = RawStore::open(path);
        assert_eq!(
            digest_as_schema_2_did(&as_schema_3_kept(all_records(&raw), &schema2_wallets()), 2),
            expected.digest,
            "the records differ from the schema-2 shop's"
        );
    }
    let shop = Shop::open(path, config).expect("open");
    let admin = shop.system_actor("harness").unwrap();
    // The audit head first: reading orders adds view entries.
    let head = shop
        .audit_log(
            &admin,
            &shopcore::AuditQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .unwrap()
        .entries
        .remove(0);
    assert_eq!(
        (head.seq, hex(&head.hash)),
        expected.audit_head,
        "audit head"
    );
    for (user, balance, entries) in &expected.wallets {
        assert_eq!(
            &shop.balance(uid(*user)).unwrap().to_string(),
            balance,
            "balance of {user}"
        );
        let ledger = shop.ledger(&admin, uid(*user), None, 100).unwrap();
        assert_eq!(ledger.entries.len(), *entries, "ledger of {user}");
    }
    let mut orders = Vec::new();
    for (user, _, _) in &expected.wallets {
        for order in shop
            .orders_of(&admin, uid(*user), None, 100)
            .unwrap()
            .orders
        {
            orders.push((
                *user,
                format!("{} {} {}", order.id, order.status, order.total_usd),
            ));
        }
    }
    assert_eq!(orders, expected.orders, "orders");
    let report = shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
    shop
}

/// Opens the shop at `path` and asserts that `verify()` reports a problem containing
/// `needle`.
pub fn assert_verify_reports(path: &std::path::Path, clock: &Arc<ManualClock>, needle: &str) {
    let shop = Shop::open(path, config(clock)).unwrap();
    let report = shop.verify().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains(needle)),
        "no problem mentions {needle:?}: {report}"
    );
}
