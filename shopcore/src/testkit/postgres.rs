//! PostgreSQL for tests (the `testkit` and `postgres` features): each test gets a schema of
//! its own on the server named by [`URL_VAR`] (`.ci/postgres start` prints one), dropped
//! when the test ends, so tests run in parallel on one database and leave nothing behind.
//!
//! A test that needs the server takes it from [`TestSchema::from_env`]: without one it says
//! so and is skipped, except under CI (`CI` set), where a missing server fails it.

use std::sync::atomic::{AtomicU64, Ordering};

/// The variable naming the test server: a `postgres://` URL.
pub const URL_VAR: &str = "SHOPCORE_TEST_POSTGRES_URL";

/// The test server's URL, when one is configured.
pub fn server_url() -> Option<String> {
    std::env::var(URL_VAR).ok().filter(|url| !url.is_empty())
}

/// The test server's URL for a test that needs one; `None` (with a note that `what` was not
/// run) without one, and a panic under CI, which always has one.
pub fn server(what: &str) -> Option<String> {
    let url = server_url();
    if url.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the PostgreSQL tests: set {URL_VAR} (.ci/postgres start)"
        );
        eprintln!("no PostgreSQL server ({URL_VAR}): {what} not run");
    }
    url
}

/// A schema of the test server, named uniquely; dropped, with everything in it, on drop.
#[derive(Debug)]
pub struct TestSchema {
    base: String,
    name: String,
}

impl TestSchema {
    /// A new schema on the server at `base` (a URL without `schema=`).
    pub fn new(base: &str) -> TestSchema {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        TestSchema {
            base: base.to_owned(),
            name: format!(
                "t{}_{}_{nanos}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// A new schema on the configured server ([`server`]).
    pub fn from_env(what: &str) -> Option<TestSchema> {
        server(what).map(|base| TestSchema::new(&base))
    }

    /// The shop's location: the server's URL naming this schema.
    pub fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.base, self.name)
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A plain SQL session in this schema, as `psql` would have it.
    pub fn client(&self) -> postgres::Client {
        client_for(&self.url())
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        // On a thread of its own: the client may not run on an async runtime's thread.
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = postgres::Client::connect(&base, postgres::NoTls) {
                let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"));
            }
        })
        .join();
    }
}

/// A plain SQL session on the schema a shop's `postgres://…?schema=NAME` location names
/// (its search path set to it). Panics when it can't connect: for tests.
pub fn client_for(url: &str) -> postgres::Client {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let schema = query
        .split('&')
        .find_map(|p| p.strip_prefix("schema="))
        .unwrap_or(crate::store::DEFAULT_PG_SCHEMA);
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("schema="))
        .collect();
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connecting to the test server: {e}"));
    client
        .batch_execute(&format!("SET search_path TO \"{schema}\""))
        .expect("set the search path");
    client
}
