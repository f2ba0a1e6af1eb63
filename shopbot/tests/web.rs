//! The staff web panel (`shopbot::web`): sign-in with a one-time link from the bot, sessions
//! that end when the person is demoted or banned, forms that need the CSRF token and act
//! once, refusals shown next to their form, escaping — over plain HTTP — and then the same
//! panel driven in headless Chromium through WebDriver (`browser` below).

use crate::common::{TestShop, mock_bot, money, text, uid};
use shopcore::{OrderStatus, Proof, Role, Shop, TopupRequest, TopupStatus};
use std::sync::Arc;

/// The panel's public URL in tests: links name it; requests go to the test's own server.
const PUBLIC: &str = "http://panel.test";

/// The panel on 127.0.0.1 (a port of its own) for a test's shop.
pub struct Server {
    pub base: String,
    pub rt: tokio::runtime::Runtime,
    pub panel: Arc<shopbot::web::Panel>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    pub fn start(shop: &Arc<Shop>) -> Server {
        let public = url::Url::parse(PUBLIC).expect("url");
        shopbot::web::set_public_url(public.clone());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let panel = shopbot::web::Panel::new(Arc::clone(shop), &public);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, _task) = rt
            .block_on(shopbot::ops::health::serve_router(
                "127.0.0.1:0".parse().expect("addr"),
                shopbot::web::router(Arc::clone(&panel)),
                async move {
                    let _ = stopped.await;
                },
            ))
            .expect("serve");
        Server {
            base: format!("http://{addr}"),
            rt,
            panel,
            stop: Some(stop),
        }
    }

    /// The sign-in link the bot sends `user` for `/web`, pointed at this server.
    pub fn link_from_bot(&self, t: &TestShop, user: u64, lang: &str) -> String {
        let token = token_from_bot(self, t, user, lang).expect("the bot sent a sign-in link");
        format!("{}/panel/login/{token}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// What the bot answers `user`'s `/web` with, and the token of the link in it, if any.
fn token_from_bot(server: &Server, t: &TestShop, user: u64, lang: &str) -> Option<String> {
    let responses = server.rt.block_on(async {
        let mut bot = mock_bot(t, text(user, lang, "/web"));
        bot.dispatch().await
    });
    let sent: Vec<String> = responses
        .sent_messages_text
        .iter()
        .map(|m| m.text.clone())
        .collect();
    let all = sent.join("\n");
    let at = all.find(&format!("{PUBLIC}/panel/login/"))?;
    let rest = &all[at + PUBLIC.len() + "/panel/login/".len()..];
    let token: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(token.len(), 64, "{all}");
    Some(token)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.expect("the panel answers");
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    Reply {
        status: response.status().as_u16(),
        headers,
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}

fn get(server: &Server, path: &str, cookie: Option<&str>) -> Reply {
    let mut request = agent().get(format!("{}{path}", server.base));
    if let Some(c) = cookie {
        request = request.header("Cookie", c);
    }
    reply(request.call())
}

fn post(server: &Server, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Reply {
    let mut request = agent().post(format!("{}{path}", server.base));
    if let Some(c) = cookie {
        request = request.header("Cookie", c);
    }
    reply(request.send_form(form.iter().copied()))
}

/// Signs in with a link token; returns the session cookie (`name=value`).
fn sign_in(server: &Server, token: &str) -> String {
    let r = post(server, "/panel/login", None, &[("token", token)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/panel/"));
    let cookie = r.header("set-cookie").expect("a session cookie").to_owned();
    cookie.split(';').next().expect("name=value").to_owned()
}

/// The value of the hidden field `name` on a page (the first one).
fn field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {body}"));
    let rest = &body[at + marker.len()..];
    rest[..rest.find('"').expect("end of value")].to_owned()
}

/// A staff member (registered, given `role` by the owner).
fn staff(t: &TestShop, id: u64, role: Role) {
    t.register(id, "en");
    t.shop
        .set_role(&t.owner(), uid(id), role)
        .expect("set role");
}

fn pending_topup(t: &TestShop, user: u64) -> shopcore::Topup {
    t.register(user, "en");
    let method = t.method("Bank", "USD", "1", "1000");
    let actor = t.shop.actor(uid(user)).expect("actor");
    t.shop
        .request_topup(
            &actor,
            &TopupRequest {
                method,
                amount: money("20"),
                proof: Proof::Text("transfer 8841".into()),
                key: crate::common::key(&format!("topup-{user}")),
            },
        )
        .expect("top-up")
}

fn paid_order(t: &TestShop, user: u64, name: &str) -> shopcore::Order {
    let category = t.category("Games");
    let product = t.product(category, name, "5");
    t.fund(user, "50");
    let actor = t.shop.actor(uid(user)).expect("actor");
    t.shop
        .create_order(
            &actor,
            &shopcore::OrderRequest::from_balance(product.id, 1),
            &crate::common::key(&format!("order-{user}")),
        )
        .expect("order")
}

const OPERATOR: u64 = 2;
const SHOPPER: u64 = 5_001;

#[test]
fn a_link_from_the_bot_signs_in_once_and_only_by_a_post() {
    let t = TestShop::new();
    staff(&t, OPERATOR, Role::Operator);
    let server = Server::start(&t.shop);
    let token = token_from_bot(&server, &t, OPERATOR, "en").expect("a link");
    // Opening the link (or a link preview fetching it) uses nothing up.
    for _ in 0..2 {
        let page = get(&server, &format!("/panel/login/{token}"), None);
        assert_eq!(page.status, 200);
        assert!(page.header("set-cookie").is_none());
        assert_eq!(field(&page.body, "token"), token);
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    }
    let r = post(&server, "/panel/login", None, &[("token", &token)]);
    assert_eq!(r.status, 303);
    let set = r.header("set-cookie").expect("cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "plain http: {set}");
    let cookie = set.split(';').next().unwrap().to_owned();
    let home = get(&server, "/panel/", Some(&cookie));
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Dashboard"));
    assert!(home.body.contains("dir=\"ltr\""));
    let csp = home.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"));
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    // The link worked once.
    let again = post(&server, "/panel/login", None, &[("token", &token)]);
    assert_eq!(again.status, 403);
    assert!(again.body.contains("not valid or was already used"));
    // A shopper asking for a link gets none (the core would refuse them too).
    t.register(SHOPPER, "en");
    assert_eq!(token_from_bot(&server, &t, SHOPPER, "en"), None);
    // Without a cookie, or with a made-up one, the panel says to sign in.
    let out = get(&server, "/panel/topups", None);
    assert_eq!(out.status, 401);
    assert!(out.body.contains("send /web to the bot"));
    let forged = get(
        &server,
        "/panel/",
        Some(&format!("shopcore_panel={}", "a".repeat(64))),
    );
    assert_eq!(forged.status, 401);
    // Signing out ends the session.
    let csrf = field(&home.body, "csrf");
    let bye = post(&server, "/panel/logout", Some(&cookie), &[("csrf", &csrf)]);
    assert_eq!(bye.status, 401);
    assert!(bye.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(get(&server, "/panel/", Some(&cookie)).status, 401);
}

#[test]
fn expired_links_and_the_sessions_of_demoted_or_banned_staff_stop_at_once() {
    let (t, clock) = TestShop::clocked();
    staff(&t, OPERATOR, Role::Operator);
    let server = Server::start(&t.shop);
    // Expired.
    let link = t
        .shop
        .issue_panel_link(&t.shop.actor(uid(OPERATOR)).unwrap())
        .unwrap();
    clock.advance_millis(10 * 60 * 1000);
    let r = post(&server, "/panel/login", None, &[("token", &link.token)]);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("has expired"), "{}", r.body);
    // The bot's periodic sweep drops links and sessions past their time (the expired link
    // above is already gone: it was used up).
    let stale = t
        .shop
        .issue_panel_link(&t.shop.actor(uid(OPERATOR)).unwrap())
        .unwrap();
    clock.advance_millis(10 * 60 * 1000 + 1);
    let gone = server
        .rt
        .block_on(shopbot::ops::expiry::sweep_panel(&t.shop))
        .expect("sweep");
    assert_eq!(gone, 1);
    let r = post(&server, "/panel/login", None, &[("token", &stale.token)]);
    assert!(
        r.body.contains("not valid"),
        "swept, not just expired: {}",
        r.body
    );
    // A staff member demoted while signed in: the next request is refused, the cookie cleared.
    let token = token_from_bot(&server, &t, OPERATOR, "en").unwrap();
    let cookie = sign_in(&server, &token);
    assert_eq!(get(&server, "/panel/", Some(&cookie)).status, 200);
    t.shop
        .set_role(&t.owner(), uid(OPERATOR), Role::User)
        .unwrap();
    let r = get(&server, "/panel/", Some(&cookie));
    assert_eq!(r.status, 401);
    assert!(r.body.contains("staff only"), "{}", r.body);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    // A link issued before the demotion (now a shopper's link) signs nobody in.
    t.shop
        .set_role(&t.owner(), uid(OPERATOR), Role::Operator)
        .unwrap();
    let token = token_from_bot(&server, &t, OPERATOR, "en").unwrap();
    t.shop
        .set_role(&t.owner(), uid(OPERATOR), Role::User)
        .unwrap();
    let r = post(&server, "/panel/login", None, &[("token", &token)]);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("staff only"));
    // Banned while signed in.
    t.shop
        .set_role(&t.owner(), uid(OPERATOR), Role::Operator)
        .unwrap();
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, OPERATOR, "en").unwrap(),
    );
    t.shop.ban_user(&t.owner(), uid(OPERATOR), "left").unwrap();
    let r = get(&server, "/panel/", Some(&cookie));
    assert_eq!(r.status, 401);
    assert!(r.body.contains("banned"));
}

#[test]
fn forms_need_the_csrf_token_act_once_and_show_refusals_beside_them() {
    let t = TestShop::new();
    staff(&t, OPERATOR, Role::Operator);
    let topup = pending_topup(&t, SHOPPER);
    let server = Server::start(&t.shop);
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, OPERATOR, "en").unwrap(),
    );
    let page = get(&server, "/panel/topups", Some(&cookie));
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("id=\"topup-{}\"", topup.id.get()))
    );
    assert!(page.body.contains("transfer 8841"));
    let csrf = field(&page.body, "csrf");
    let nonce = field(&page.body, "nonce");
    let approve = format!("/panel/topups/{}/approve", topup.id.get());
    // Forged: a wrong token, or none, changes nothing.
    let forged = post(
        &server,
        &approve,
        Some(&cookie),
        &[("csrf", &"0".repeat(64)), ("nonce", &nonce)],
    );
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("did not come from this panel"));
    let missing = post(&server, &approve, Some(&cookie), &[("nonce", &nonce)]);
    assert!((400..500).contains(&missing.status), "{}", missing.status);
    // Sent from another site (the browser says so), refused before anything is read.
    let cross = reply(
        agent()
            .post(format!("{}{approve}", server.base))
            .header("Cookie", &cookie)
            .header("Sec-Fetch-Site", "cross-site")
            .send_form([("csrf", csrf.as_str()), ("nonce", nonce.as_str())]),
    );
    assert_eq!(cross.status, 403);
    let login_from_elsewhere = reply(
        agent()
            .post(format!("{}/panel/login", server.base))
            .header("Sec-Fetch-Site", "cross-site")
            .send_form([("token", "0".repeat(64).as_str())]),
    );
    assert_eq!(login_from_elsewhere.status, 403);
    // Without the cookie, even with the right token, nothing happens either.
    let anonymous = post(
        &server,
        &approve,
        None,
        &[("csrf", &csrf), ("nonce", &nonce)],
    );
    assert_eq!(anonymous.status, 401);
    let owner = t.owner();
    assert_eq!(
        t.shop.topup(&owner, topup.id).unwrap().status,
        TopupStatus::Pending
    );
    assert_eq!(t.balance(SHOPPER), money("0"));
    // The real form, sent twice (a double click): one credit.
    for _ in 0..2 {
        let r = post(
            &server,
            &approve,
            Some(&cookie),
            &[("csrf", &csrf), ("nonce", &nonce)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.header("location"), Some("/panel/topups?done=approved"));
    }
    assert_eq!(
        t.shop.topup(&owner, topup.id).unwrap().status,
        TopupStatus::Approved
    );
    assert_eq!(t.balance(SHOPPER), money("20"));
    let audit = t
        .shop
        .audit_log(
            &owner,
            &shopcore::AuditQuery {
                limit: 1,
                action: Some(shopcore::AuditAction::ApproveDeposit),
                ..Default::default()
            },
        )
        .unwrap();
    let entry = &audit.entries[0];
    assert_eq!(entry.actor, shopcore::ActorRef::User(uid(OPERATOR)));
    assert!(
        entry
            .details
            .iter()
            .any(|d| d.field == "via" && d.after.as_deref() == Some("web"))
    );
    // A refusal is shown next to its form: the operator's own order is not theirs to fail.
    let own = paid_order(&t, OPERATOR, "PUBG <script>alert(1)</script>");
    let page = get(&server, "/panel/orders?status=paid", Some(&cookie));
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("PUBG &#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>"));
    let nonce = field(&page.body, "nonce");
    let r = post(
        &server,
        &format!("/panel/orders/{}/fail", own.id.get()),
        Some(&cookie),
        &[("csrf", &csrf), ("nonce", &nonce), ("text", "no stock")],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let row = &r.body[r
        .body
        .find(&format!("id=\"order-{}\"", own.id.get()))
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("role=\"alert\""), "{row}");
    assert!(row.contains("yourself"), "{row}");
    assert_eq!(
        t.shop.order(&owner, own.id).unwrap().status,
        OrderStatus::Paid
    );
}

#[test]
fn pages_follow_the_role_and_the_language() {
    let t = TestShop::new();
    t.register(3, "ar");
    t.shop.set_role(&t.owner(), uid(3), Role::Support).unwrap();
    let server = Server::start(&t.shop);
    let cookie = sign_in(&server, &token_from_bot(&server, &t, 3, "ar").unwrap());
    let home = get(&server, "/panel/", Some(&cookie));
    assert_eq!(home.status, 200);
    assert!(home.body.contains("dir=\"rtl\"") && home.body.contains("lang=\"ar\""));
    assert!(home.body.contains("لوحة المعلومات"));
    // Support reviews top-ups and orders, but neither changes roles nor runs verify().
    assert!(home.body.contains("href=\"/panel/topups\""));
    let ops = get(&server, "/panel/ops", Some(&cookie));
    assert!(!ops.body.contains("id=\"verify\""));
    let csrf = field(&ops.body, "csrf");
    let r = post(
        &server,
        "/panel/ops/verify",
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("role=\"alert\""),
        "the core refuses: {}",
        r.body
    );
    assert!(!r.body.contains("id=\"verify-report\""));
    let export = get(&server, "/panel/export/ledger.csv", Some(&cookie));
    assert!(!export.header("content-type").unwrap_or("").contains("csv"));
    let users = get(
        &server,
        &format!("/panel/users?q={}", crate::common::OWNER),
        Some(&cookie),
    );
    assert_eq!(users.status, 200);
    assert!(!users.body.contains("id=\"role-save\""));
    let r = post(
        &server,
        "/panel/users/1/role",
        Some(&cookie),
        &[("csrf", &csrf), ("role", "user")],
    );
    assert_eq!(r.status, 422);
    assert_eq!(t.shop.user(uid(1)).unwrap().unwrap().role, Role::SuperAdmin);
}

/// The panel in headless Chromium, through WebDriver (the distribution's `chromium` and
/// `chromedriver`, which `.ci/run` installs).
mod browser {
    use super::*;
    use fantoccini::{Client, ClientBuilder, Locator};
    use std::path::PathBuf;
    use std::time::Duration;

    /// A chromedriver of our own on a free port, stopped when dropped.
    struct Driver {
        child: std::process::Child,
        url: String,
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn find(binary: &str) -> Option<PathBuf> {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(binary))
                .find(|p| p.is_file())
        })
    }

    /// The driver, or `None` (and a note) on a machine without Chromium — except under CI,
    /// which always has it (`.ci/run` installs it), where a missing browser fails the test.
    fn driver() -> Option<Driver> {
        let Some(binary) = find("chromedriver") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the browser tests: install chromium and chromium-driver (.ci/run does)"
            );
            eprintln!(
                "skipped: no chromedriver on PATH (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(driver);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("chromedriver did not start listening on {port}");
    }

    async fn chromium(
        driver: &Driver,
        downloads: &std::path::Path,
        profile: &std::path::Path,
    ) -> Client {
        let browser = find("chromium")
            .or_else(|| find("chromium-browser"))
            .expect("chromium beside chromedriver");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": browser,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads,
                    "download.prompt_for_download": false,
                },
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session")
    }

    /// Where the tests leave the dashboard's screenshots for a reviewer.
    fn screenshot_dir() -> PathBuf {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
        let dir = target.join("panel-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        dir
    }

    /// The element, once the page that has it is loaded (after a click that navigates).
    async fn element(c: &Client, css: &str) -> fantoccini::elements::Element {
        c.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
    }

    async fn text_of(c: &Client, css: &str) -> String {
        // A page may be replaced between finding the element and reading it: look again.
        for _ in 0..100 {
            if let Ok(text) = element(c, css).await.text().await {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} kept going stale");
    }

    /// Clicks what submits a form or follows a link, and waits until the browser has left the
    /// page it was on (so what is read next is the new page's).
    async fn click(c: &Client, css: &str) {
        let before = element(c, "html").await;
        element(c, css).await.click().await.expect("click");
        for _ in 0..400 {
            if before.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("clicking {css} did not leave the page");
    }

    #[test]
    fn staff_run_the_shop_from_chromium() {
        let Some(driver) = driver() else { return };
        let (t, clock) = TestShop::clocked();
        t.register(crate::common::OWNER, "en");
        let topup = pending_topup(&t, SHOPPER);
        let second_topup = pending_topup(&t, SHOPPER + 1);
        let order = paid_order(&t, 5_002, "PUBG 60 UC");
        t.register(7, "en");
        let server = Server::start(&t.shop);
        let link = server.link_from_bot(&t, crate::common::OWNER, "en");
        // A shopper gets no link from the bot at all.
        assert!(token_from_bot(&server, &t, SHOPPER, "en").is_none());
        let downloads = tempfile::tempdir().expect("downloads dir");
        let profile = tempfile::tempdir().expect("profile dir");
        let shots = screenshot_dir();
        let owner = t.owner();
        server.rt.block_on(async {
            let c = chromium(&driver, downloads.path(), profile.path()).await;
            // Sign in with the link the bot sent.
            c.goto(&link).await.expect("open the link");
            click(&c, "#sign-in").await;
            assert_eq!(text_of(&c, "h1").await, "Dashboard");
            assert!(text_of(&c, "#figures").await.contains("Revenue"));
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(shots.join("dashboard-en.png"), &png).expect("write screenshot");

            // Approve the top-up.
            c.goto(&format!("{}/panel/topups", server.base))
                .await
                .unwrap();
            click(&c, &format!("#topup-{} button.approve", topup.id.get())).await;
            assert!(text_of(&c, "#done").await.contains("approved"));
            assert_eq!(t.balance(SHOPPER), money("20"));

            // Complete the order with its delivery.
            c.goto(&format!("{}/panel/orders?status=paid", server.base))
                .await
                .unwrap();
            element(
                &c,
                &format!("#order-{} input.complete-text", order.id.get()),
            )
            .await
            .send_keys("UC sent to player 5123")
            .await
            .unwrap();
            click(&c, &format!("#order-{} button.complete", order.id.get())).await;
            assert!(text_of(&c, "#done").await.contains("updated"));
            let done = t.shop.order(&owner, order.id).unwrap();
            assert_eq!(done.status, OrderStatus::Completed);
            assert_eq!(done.delivery.as_deref(), Some("UC sent to player 5123"));

            // Make user 7 support staff.
            c.goto(&format!("{}/panel/users", server.base))
                .await
                .unwrap();
            element(&c, "#user-query")
                .await
                .send_keys("7")
                .await
                .unwrap();
            click(&c, "#user-search").await;
            element(&c, "#role-select")
                .await
                .select_by_value("support")
                .await
                .unwrap();
            click(&c, "#role-save").await;
            assert!(text_of(&c, "#done").await.contains("Role changed"));
            assert_eq!(t.shop.user(uid(7)).unwrap().unwrap().role, Role::Support);

            // Add a product sold from codes, and its codes from a file.
            c.goto(&format!("{}/panel/catalog", server.base))
                .await
                .unwrap();
            click(&c, "#new-product").await;
            element(&c, "#f-name")
                .await
                .send_keys("Google Play 10 USD")
                .await
                .unwrap();
            element(&c, "#f-price")
                .await
                .send_keys("9.50")
                .await
                .unwrap();
            element(&c, "#f-delivery")
                .await
                .select_by_value("codes")
                .await
                .unwrap();
            click(&c, "#product-save").await;
            assert!(text_of(&c, "#done").await.contains("created"));
            let codes_file = downloads.path().join("codes.txt");
            std::fs::write(&codes_file, "GP-1111-2222\nGP-3333-4444\n").unwrap();
            element(&c, "#codes-file")
                .await
                .send_keys(&codes_file.display().to_string())
                .await
                .unwrap();
            click(&c, "#codes-upload").await;
            assert!(text_of(&c, "#done").await.contains("Codes added"));
            assert!(text_of(&c, "#codes-count").await.starts_with("2 codes"));
            let source = c.source().await.unwrap();
            assert!(!source.contains("GP-1111"), "codes are never shown");

            // Run verify().
            c.goto(&format!("{}/panel/ops", server.base)).await.unwrap();
            click(&c, "#verify").await;
            assert!(text_of(&c, "#verify-report").await.contains("Healthy"));

            // Download the orders export.
            // A download: the page stays.
            element(&c, "#export-orders").await.click().await.unwrap();
            let file = downloads.path().join("orders.csv");
            let mut csv = String::new();
            for _ in 0..100 {
                if let Ok(text) = std::fs::read_to_string(&file)
                    && !text.is_empty()
                {
                    csv = text;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(csv.lines().count() >= 2, "the export downloaded: {csv:?}");
            assert!(csv.contains("PUBG 60 UC"), "{csv}");

            // In Arabic: right to left.
            t.shop.set_preferred_language(&owner, "ar").expect("arabic");
            c.goto(&format!("{}/panel/", server.base)).await.unwrap();
            let dir = element(&c, "html").await.attr("dir").await.unwrap();
            assert_eq!(dir.as_deref(), Some("rtl"));
            assert_eq!(text_of(&c, "h1").await, "لوحة المعلومات");
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(shots.join("dashboard-ar.png"), &png).expect("write screenshot");

            // Signing out: the panel asks to sign in again; the old link stays used.
            click(&c, "#sign-out").await;
            c.goto(&format!("{}/panel/", server.base)).await.unwrap();
            assert!(text_of(&c, "#message").await.contains("/web"));
            c.goto(&link).await.unwrap();
            click(&c, "#sign-in").await;
            assert!(text_of(&c, "#message").await.contains("already used"));

            // The new support member (user 7) signs in; a form whose CSRF token was tampered
            // with is refused and changes nothing.
            let link_for = |user: u64| {
                let actor = t.shop.actor(uid(user)).unwrap();
                let link = t.shop.issue_panel_link(&actor).unwrap();
                format!("{}/panel/login/{}", server.base, link.token)
            };
            let support_link = link_for(7);
            c.goto(&support_link).await.unwrap();
            click(&c, "#sign-in").await;
            c.goto(&format!("{}/panel/topups", server.base))
                .await
                .unwrap();
            element(&c, &format!("#topup-{}", second_topup.id.get())).await;
            c.execute(
                "document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'forged');",
                vec![],
            )
            .await
            .expect("tamper with the form");
            click(
                &c,
                &format!("#topup-{} button.approve", second_topup.id.get()),
            )
            .await;
            assert!(
                text_of(&c, "#message")
                    .await
                    .contains("did not come from this panel")
            );
            assert_eq!(
                t.shop.topup(&owner, second_topup.id).unwrap().status,
                TopupStatus::Pending
            );
            // Demoted while signed in: the next page says the panel is for staff only.
            t.shop.set_role(&owner, uid(7), Role::User).unwrap();
            c.goto(&format!("{}/panel/topups", server.base))
                .await
                .unwrap();
            assert!(text_of(&c, "#message").await.contains("staff only"));
            // A link left unused past its ten minutes is refused.
            t.shop.set_role(&owner, uid(7), Role::Support).unwrap();
            let late_link = link_for(7);
            clock.advance_millis(10 * 60 * 1000);
            c.goto(&late_link).await.unwrap();
            click(&c, "#sign-in").await;
            assert!(text_of(&c, "#message").await.contains("expired"));
            // A made-up link signs nobody in.
            c.goto(&format!("{}/panel/login/{}", server.base, "f".repeat(64)))
                .await
                .unwrap();
            click(&c, "#sign-in").await;
            assert!(text_of(&c, "#message").await.contains("not valid"));
            c.close().await.expect("close the browser");
        });
    }
}

#[test]
fn operations_state_mode_backup_audit_and_balances_from_the_panel() {
    let t = TestShop::new();
    t.register(crate::common::OWNER, "en");
    staff(&t, 3, Role::Support);
    t.register(SHOPPER, "en");
    let server = Server::start(&t.shop);
    let owner_cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, crate::common::OWNER, "en").unwrap(),
    );
    let support_cookie = sign_in(&server, &token_from_bot(&server, &t, 3, "en").unwrap());
    let ops = get(&server, "/panel/ops", Some(&owner_cookie));
    let csrf = field(&ops.body, "csrf");
    assert!(ops.body.contains("id=\"sessions\""));
    // The store state, with a reason shoppers see.
    let r = post(
        &server,
        "/panel/ops/state",
        Some(&owner_cookie),
        &[
            ("csrf", &csrf),
            ("state", "maintenance"),
            ("reason", "stock count"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let settings = t.shop.settings();
    assert_eq!(settings.state, shopcore::StoreState::Maintenance);
    assert_eq!(settings.state_reason.as_deref(), Some("stock count"));
    let r = post(
        &server,
        "/panel/ops/state",
        Some(&owner_cookie),
        &[("csrf", &csrf), ("state", "closed-ish")],
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("role=\"alert\""));
    // Support may not: the core refuses, and the page says so.
    let support_ops = get(&server, "/panel/ops", Some(&support_cookie));
    assert!(!support_ops.body.contains("id=\"state-save\""));
    let support_csrf = field(&support_ops.body, "csrf");
    let r = post(
        &server,
        "/panel/ops/state",
        Some(&support_cookie),
        &[("csrf", &support_csrf), ("state", "open")],
    );
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    assert_eq!(t.shop.settings().state, shopcore::StoreState::Maintenance);
    // The fulfilment mode.
    let r = post(
        &server,
        "/panel/ops/fulfilment",
        Some(&owner_cookie),
        &[("csrf", &csrf), ("mode", "auto")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(t.shop.settings().fulfilment, shopcore::FulfilmentMode::Auto);
    // A backup, downloaded, restores to a healthy shop.
    let backup = agent()
        .post(format!("{}/panel/ops/backup", server.base))
        .header("Cookie", &owner_cookie)
        .send_form([("csrf", csrf.as_str())])
        .expect("backup");
    assert_eq!(backup.status().as_u16(), 200);
    let disposition = backup
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains(".backup"), "{disposition}");
    let bytes = backup.into_body().read_to_vec().expect("backup bytes");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("panel.backup");
    std::fs::write(&file, &bytes).unwrap();
    let restored = Shop::restore(&file, dir.path().join("restored"), crate::common::config())
        .expect("the downloaded backup restores");
    assert_eq!(
        restored.settings().state_reason.as_deref(),
        Some("stock count")
    );
    drop(restored);
    // Support can't make one (backups hold the code pools).
    let r = post(
        &server,
        "/panel/ops/backup",
        Some(&support_cookie),
        &[("csrf", &support_csrf)],
    );
    assert!(r.body.contains("role=\"alert\""));
    // Balances: a credit, a debit beyond the balance refused beside the form, one's own refused.
    let users = get(
        &server,
        &format!("/panel/users?q={SHOPPER}"),
        Some(&owner_cookie),
    );
    let nonce = field(&users.body, "nonce");
    let adjust = format!("/panel/users/{SHOPPER}/adjust");
    let r = post(
        &server,
        &adjust,
        Some(&owner_cookie),
        &[
            ("csrf", &csrf),
            ("nonce", &nonce),
            ("amount", "+12.50"),
            ("reason", "goodwill"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.balance(SHOPPER), money("12.50"));
    for (amount, why) in [("-20", "balance"), ("1.234", "decimal"), ("-0", "")] {
        let page = get(
            &server,
            &format!("/panel/users?q={SHOPPER}"),
            Some(&owner_cookie),
        );
        let nonce = field(&page.body, "nonce");
        let r = post(
            &server,
            &adjust,
            Some(&owner_cookie),
            &[
                ("csrf", &csrf),
                ("nonce", &nonce),
                ("amount", amount),
                ("reason", "test"),
            ],
        );
        assert_eq!(r.status, 422, "{amount}: {}", r.body);
        assert!(r.body.to_lowercase().contains(why), "{amount}: {}", r.body);
    }
    assert_eq!(t.balance(SHOPPER), money("12.50"));
    let page = get(
        &server,
        &format!("/panel/users?q={SHOPPER}"),
        Some(&owner_cookie),
    );
    assert!(page.body.contains("id=\"ledger\"") && page.body.contains("goodwill"));
    // Ban and unban.
    let r = post(
        &server,
        &format!("/panel/users/{SHOPPER}/ban"),
        Some(&owner_cookie),
        &[("csrf", &csrf), ("reason", "chargeback")],
    );
    assert_eq!(r.status, 303);
    assert!(t.shop.user(uid(SHOPPER)).unwrap().unwrap().ban.is_some());
    let r = post(
        &server,
        &format!("/panel/users/{SHOPPER}/unban"),
        Some(&owner_cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(t.shop.user(uid(SHOPPER)).unwrap().unwrap().ban.is_none());
    // The audit log: filtered, paged, and its chain checked.
    let audit = get(
        &server,
        "/panel/audit?action=ADJUST_BALANCE",
        Some(&owner_cookie),
    );
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("goodwill"));
    assert!(!audit.body.contains("<bdi>BAN_USER</bdi>"));
    assert!(audit.body.contains("<bdi>ADJUST_BALANCE</bdi>"));
    assert_eq!(
        get(&server, "/panel/audit?from=yesterday", Some(&owner_cookie)).status,
        422
    );
    for i in 0..60 {
        t.shop
            .set_support_contact(&t.owner(), Some(&format!("@help{i}")))
            .unwrap();
    }
    // Following the next links reaches the first entry, each entry on one page only.
    let mut page = get(&server, "/panel/audit", Some(&owner_cookie));
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 1;
    loop {
        for (at, _) in page.body.match_indices("id=\"audit-") {
            let rest = &page.body[at + 10..];
            let Ok(seq) = rest[..rest.find('"').unwrap()].parse::<u64>() else {
                continue;
            };
            assert!(seen.insert(seq), "entry {seq} on two pages");
        }
        let Some(next) = page.body.find("id=\"next\"") else {
            break;
        };
        let href_at = page.body[..next].rfind("href=\"").unwrap() + 6;
        let end = page.body[href_at..].find('"').unwrap() + href_at;
        let href = page.body[href_at..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        page = get(&server, &href, Some(&owner_cookie));
        assert_eq!(page.status, 200);
        pages += 1;
    }
    assert!(pages >= 2, "60 changes make more than one page");
    assert!(seen.contains(&1), "the oldest entry is reached");
    assert_eq!(seen.len() as u64, *seen.last().unwrap(), "no entry skipped");
    let r = post(
        &server,
        "/panel/audit/verify",
        Some(&owner_cookie),
        &[("csrf", &csrf)],
    );
    assert!(r.body.contains("id=\"chain-report\""));
    assert!(r.body.contains("intact"), "{}", r.body);
    // Support can't read the log.
    assert!(
        get(&server, "/panel/audit", Some(&support_cookie))
            .body
            .contains("role=\"alert\"")
    );
    // Users listed by role and by ban, without a search.
    let staff_list = get(&server, "/panel/users?role=support", Some(&owner_cookie));
    assert!(staff_list.body.contains("id=\"user-3\""));
    assert!(!staff_list.body.contains(&format!("id=\"user-{SHOPPER}\"")));
    t.shop.ban_user(&t.owner(), uid(SHOPPER), "spam").unwrap();
    let banned = get(&server, "/panel/users?banned=1", Some(&owner_cookie));
    assert!(banned.body.contains(&format!("id=\"user-{SHOPPER}\"")));
    assert!(!banned.body.contains("id=\"user-3\""));
    // Overdue unpaid orders expire on demand (none here: the count says so).
    let r = post(
        &server,
        "/panel/ops/expire",
        Some(&owner_cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/panel/ops?done=expired&count=0")
    );
}

/// A multipart form body: (name, file name, bytes) per part; returns (content type, body).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----shopbot-test-7f3a9c";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(file) => body.extend(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/plain\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn the_catalog_is_run_from_the_panel_and_codes_are_only_counted() {
    let t = TestShop::new();
    t.register(crate::common::OWNER, "en");
    staff(&t, 3, Role::Support);
    let server = Server::start(&t.shop);
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, crate::common::OWNER, "en").unwrap(),
    );
    let page = get(&server, "/panel/catalog", Some(&cookie));
    assert_eq!(page.status, 200);
    let csrf = field(&page.body, "csrf");
    let r = post(
        &server,
        "/panel/categories",
        Some(&cookie),
        &[("csrf", &csrf), ("name", "Gift cards"), ("sort_order", "1")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let category = t.shop.categories(false).unwrap()[0].id;
    let product_form = |price: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("category", category.get().to_string()),
            ("name", "Steam 20 USD".to_owned()),
            ("description", "A Steam wallet code".to_owned()),
            ("price", price.to_owned()),
            ("kind", "gift_card".to_owned()),
            ("delivery", "codes".to_owned()),
            ("stock", String::new()),
            ("player_field", String::new()),
            ("sort_order", "0".to_owned()),
            ("active", "on".to_owned()),
        ]
    };
    let post_form = |path: &str, form: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post(&server, path, Some(&cookie), &pairs)
    };
    // A price with too many decimals is refused beside the price field; nothing is created.
    let form = product_form("19.999");
    let r = post_form("/panel/products", &form);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"price-error\""), "{}", r.body);
    assert!(
        r.body.contains("value=\"Steam 20 USD\""),
        "the form keeps what was typed"
    );
    assert!(
        t.shop
            .product(shopcore::ProductId::new(1).unwrap())
            .unwrap()
            .is_none()
    );
    // So is a limit per order the core refuses: no product is left behind.
    let mut form = product_form("19.99");
    form.push(("per_order", "0".to_owned()));
    let r = post_form("/panel/products", &form);
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("The limit per order must be a whole number from 1 to 100."),
        "{}",
        r.body
    );
    assert!(
        t.shop
            .product(shopcore::ProductId::new(1).unwrap())
            .unwrap()
            .is_none()
    );
    let form = product_form("19.99");
    let r = post_form("/panel/products", &form);
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.header("location").unwrap().to_owned();
    let id: u64 = location
        .trim_start_matches("/panel/products/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let product_id = shopcore::ProductId::new(id).unwrap();
    let product = t.shop.product(product_id).unwrap().unwrap();
    assert_eq!(product.price_usd, money("19.99"));
    assert_eq!(product.delivery, shopcore::Delivery::Codes);
    // Codes from a .csv file (first column, header skipped) and pasted ones; never shown.
    let (content_type, body) = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        (
            "file",
            Some("codes.csv"),
            b"code,batch\nSTEAM-AAAA-0001,7\n\"STEAM-AAAA-0002\",7\n",
        ),
        ("pasted", None, b"STEAM-BBBB-0003\n\nSTEAM-BBBB-0004\n"),
    ]);
    let upload = |content_type: &str, body: &[u8], cookie: &str| {
        reply(
            agent()
                .post(format!("{}/panel/products/{id}/codes", server.base))
                .header("Cookie", cookie)
                .header("Content-Type", content_type)
                .send(body),
        )
    };
    let r = upload(&content_type, &body, &cookie);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = get(&server, &format!("/panel/products/{id}"), Some(&cookie));
    assert!(page.body.contains("4 codes in the pool"), "{}", page.body);
    assert!(!page.body.contains("STEAM-"), "codes are never displayed");
    assert_eq!(
        t.shop.product(product_id).unwrap().unwrap().codes_available,
        4
    );
    // The same codes again are refused (each code once), nothing added.
    let r = upload(&content_type, &body, &cookie);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"codes-error\""));
    assert!(
        !r.body.contains("STEAM-"),
        "not even in the refusal: {}",
        r.body
    );
    assert_eq!(
        t.shop.product(product_id).unwrap().unwrap().codes_available,
        4
    );
    // An upload without the CSRF token changes nothing.
    let (forged_type, forged_body) = multipart(&[("file", Some("c.txt"), b"STEAM-CCCC-0005\n")]);
    assert_eq!(upload(&forged_type, &forged_body, &cookie).status, 403);
    assert_eq!(
        t.shop.product(product_id).unwrap().unwrap().codes_available,
        4
    );
    // Edit: a new price; off sale; on again.
    let form = product_form("17.50");
    let r = post_form(&format!("/panel/products/{id}"), &form);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.shop.product(product_id).unwrap().unwrap().price_usd,
        money("17.50")
    );
    // Units per order: words and 500 are refused beside the field, 5 is saved and shown.
    assert_eq!(t.shop.order_limit(product_id).unwrap(), 1);
    for (typed, says) in [
        ("many", "Units per order is a whole number from 1 to 100"),
        (
            "500",
            "The limit per order must be a whole number from 1 to 100.",
        ),
    ] {
        let mut form = product_form("17.50");
        form.push(("per_order", typed.to_owned()));
        let r = post_form(&format!("/panel/products/{id}"), &form);
        assert_eq!(r.status, 422, "{typed}: {}", r.body);
        assert!(r.body.contains("id=\"per_order-error\""), "{}", r.body);
        assert!(r.body.contains(says), "{typed}: {}", r.body);
        assert_eq!(t.shop.order_limit(product_id).unwrap(), 1);
    }
    let mut form = product_form("17.50");
    form.push(("per_order", "5".to_owned()));
    let r = post_form(&format!("/panel/products/{id}"), &form);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.shop.order_limit(product_id).unwrap(), 5);
    let page = get(&server, &format!("/panel/products/{id}"), Some(&cookie));
    assert!(
        page.body.contains("name=\"per_order\" value=\"5\""),
        "{}",
        page.body
    );
    let r = post(
        &server,
        &format!("/panel/products/{id}/toggle"),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(!t.shop.product(product_id).unwrap().unwrap().active);
    // Support sees the catalog but can't change it: the core refuses.
    let support = sign_in(&server, &token_from_bot(&server, &t, 3, "en").unwrap());
    let page = get(&server, "/panel/catalog", Some(&support));
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"new-product\""));
    let support_csrf = field(&page.body, "csrf");
    let r = post(
        &server,
        &format!("/panel/products/{id}/toggle"),
        Some(&support),
        &[("csrf", &support_csrf)],
    );
    assert_eq!(r.status, 422);
    assert!(!t.shop.product(product_id).unwrap().unwrap().active);
    // Delete, after a confirmation page.
    let confirm = get(
        &server,
        &format!("/panel/products/{id}/delete"),
        Some(&cookie),
    );
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Steam 20 USD") && confirm.body.contains("id=\"confirm\""));
    assert!(
        t.shop.product(product_id).unwrap().is_some(),
        "a GET deletes nothing"
    );
    // A pool with codes must be emptied first: the refusal says so; revoking empties it.
    let r = post(
        &server,
        &format!("/panel/products/{id}/delete"),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("revoke them first"), "{}", r.body);
    assert!(
        get(
            &server,
            &format!("/panel/products/{id}/revoke"),
            Some(&cookie)
        )
        .body
        .contains("4 codes")
    );
    let r = post(
        &server,
        &format!("/panel/products/{id}/revoke"),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.shop.product(product_id).unwrap().unwrap().codes_available,
        0
    );
    let r = post(
        &server,
        &format!("/panel/products/{id}/delete"),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(t.shop.product(product_id).unwrap().is_none());
    // A category with products can't go; an empty one can.
    let r = post(
        &server,
        &format!("/panel/categories/{}/delete", category.get()),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(t.shop.categories(false).unwrap().is_empty());
}

#[test]
fn payment_methods_currencies_and_coupons_from_the_panel() {
    let t = TestShop::new();
    t.register(crate::common::OWNER, "en");
    let server = Server::start(&t.shop);
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, crate::common::OWNER, "en").unwrap(),
    );
    let page = get(&server, "/panel/payments", Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = field(&page.body, "csrf");
    // A currency and its rate; a bad rate is refused in its section.
    let r = post(
        &server,
        "/panel/currencies",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("code", "SAR"),
            ("symbol", "ر.س"),
            ("decimals", "2"),
            ("rate", "3.75"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = post(
        &server,
        "/panel/currencies/SAR/rate",
        Some(&cookie),
        &[("csrf", &csrf), ("rate", "-1")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"currencies-error\""), "{}", r.body);
    let r = post(
        &server,
        "/panel/currencies/SAR/rate",
        Some(&cookie),
        &[("csrf", &csrf), ("rate", "3.80")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(t.shop.currency("SAR").unwrap().units_per_usd, money("3.80"));
    // A payment method: limits the wrong way round are refused; then switched off, deleted.
    let method = |min: &str, max: &str| {
        post(
            &server,
            "/panel/methods",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "Al Rajhi transfer"),
                ("instructions", "IBAN SA00 0000"),
                ("currency", "SAR"),
                ("min", min),
                ("max", max),
            ],
        )
    };
    let r = method("500", "10");
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"methods-error\""));
    assert_eq!(method("10", "5000").status, 303);
    let owner = t.owner();
    let list = t
        .shop
        .payment_methods_panel(&owner, shopcore::MethodFilter::IncludingDeleted)
        .unwrap();
    let id = list[0].id.get();
    assert!(list[0].active);
    let r = post(
        &server,
        &format!("/panel/methods/{id}/disable"),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    let r = post(
        &server,
        &format!("/panel/methods/{id}/delete"),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    let list = t
        .shop
        .payment_methods_panel(&owner, shopcore::MethodFilter::IncludingDeleted)
        .unwrap();
    assert!(
        list[0].deleted_at.is_some(),
        "soft deleted, kept for the record"
    );
    // A coupon; a discount that is neither a percentage nor an amount is refused.
    let coupon = |discount: &str| {
        post(
            &server,
            "/panel/coupons",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("code", "RAMADAN20"),
                ("discount", discount),
                ("max_uses", "50"),
                ("uses_per_user", "1"),
                ("min_order", ""),
                ("expires", "2026-03-31"),
            ],
        )
    };
    let r = coupon("twenty");
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"coupons-error\""));
    assert_eq!(coupon("20%").status, 303);
    let created = t.shop.coupon("RAMADAN20").unwrap().unwrap();
    assert_eq!(created.max_uses, 50);
    assert!(created.expires_at.is_some());
    let r = post(
        &server,
        "/panel/coupons/RAMADAN20/disable",
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(!t.shop.coupon("RAMADAN20").unwrap().unwrap().active);
}

#[test]
fn broadcasts_are_previewed_then_sent_and_can_be_cancelled() {
    let t = TestShop::new();
    t.register(crate::common::OWNER, "en");
    for user in 6_001..6_004 {
        t.register(user, "en");
    }
    let server = Server::start(&t.shop);
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, crate::common::OWNER, "en").unwrap(),
    );
    let page = get(&server, "/panel/broadcasts", Some(&cookie));
    assert_eq!(page.status, 200);
    let csrf = field(&page.body, "csrf");
    let owner = t.owner();
    // Empty: refused beside the field.
    let r = post(
        &server,
        "/panel/broadcasts",
        Some(&cookie),
        &[("csrf", &csrf), ("text", "   ")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"error\""));
    // The first press previews, with the audience; nothing is created yet.
    let r = post(
        &server,
        "/panel/broadcasts",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("text", "Eid sale: 20% off <b>everything</b>"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"preview\"") && r.body.contains("goes to 4 people"));
    assert!(
        r.body.contains("&#60;b&#62;everything"),
        "escaped: {}",
        r.body
    );
    assert!(t.shop.recent_broadcasts(&owner, 10).unwrap().is_empty());
    let r = post(
        &server,
        "/panel/broadcasts",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("text", "Eid sale: 20% off <b>everything</b>"),
            ("confirm", "1"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let jobs = t.shop.recent_broadcasts(&owner, 10).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status, shopcore::BroadcastStatus::Running);
    assert_eq!(jobs[0].audience, 4);
    let page = get(&server, "/panel/broadcasts", Some(&cookie));
    assert!(page.body.contains("0 of 4 sent"));
    let r = post(
        &server,
        &format!("/panel/broadcasts/{}/cancel", jobs[0].id.get()),
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        t.shop.recent_broadcasts(&owner, 10).unwrap()[0].status,
        shopcore::BroadcastStatus::Cancelled
    );
}

#[test]
fn proof_photos_are_fetched_from_telegram_for_reviewers_only() {
    use crate::common::telegram::{PICTURE, picture_file_id};
    let t = TestShop::new();
    staff(&t, OPERATOR, Role::Operator);
    let server = Server::start(&t.shop);
    let _runtime = server.rt.enter();
    let tg = crate::common::FakeTelegram::start();
    server.panel.set_bot(tg.bot());
    // The shopper's photo reaches Telegram, which then holds the file.
    tg.arrive(&crate::common::photo(SHOPPER, "en"));
    t.register(SHOPPER, "en");
    let method = t.method("Bank", "USD", "1", "1000");
    let topup = t
        .shop
        .request_topup(
            &t.shop.actor(uid(SHOPPER)).unwrap(),
            &TopupRequest {
                method,
                amount: money("20"),
                proof: Proof::Photo {
                    file_id: picture_file_id(PICTURE),
                    unique_id: "receipt-unique".into(),
                    caption: Some("paid at 10:05".into()),
                },
                key: crate::common::key("photo-topup"),
            },
        )
        .expect("top-up");
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, OPERATOR, "en").unwrap(),
    );
    let page = get(&server, "/panel/topups", Some(&cookie));
    let src = format!("/panel/topups/{}/proof", topup.id.get());
    assert!(
        page.body.contains(&format!("src=\"{src}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("paid at 10:05"));
    let first = agent()
        .get(format!("{}{src}", server.base))
        .header("Cookie", &cookie)
        .call()
        .expect("proof");
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(
        first
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap(),
        "image/png"
    );
    let bytes = first.into_body().read_to_vec().unwrap();
    assert!(!bytes.is_empty());
    let downloads = || {
        tg.requests()
            .iter()
            .filter(|r| r.method == "getFile")
            .count()
    };
    assert_eq!(downloads(), 1);
    // The second view comes from the cache.
    let again = agent()
        .get(format!("{}{src}", server.base))
        .header("Cookie", &cookie)
        .call()
        .unwrap()
        .into_body()
        .read_to_vec()
        .unwrap();
    assert_eq!(again, bytes);
    assert_eq!(downloads(), 1);
    // Without a session, nothing (every staff role reviews top-ups; shoppers have no panel).
    assert_eq!(get(&server, &src, None).status, 401);
    // A top-up with a text proof has no photo.
    let text_topup = pending_topup(&t, SHOPPER + 1);
    assert_eq!(
        get(
            &server,
            &format!("/panel/topups/{}/proof", text_topup.id.get()),
            Some(&cookie)
        )
        .status,
        404
    );
}

#[test]
fn orders_filter_by_user_product_and_date_and_show_their_details() {
    let (t, clock) = TestShop::clocked();
    t.register(crate::common::OWNER, "en");
    let first = paid_order(&t, 7_001, "PUBG 60 UC");
    clock.advance_millis(2 * 86_400_000);
    let second = paid_order(&t, 7_002, "Free Fire 100");
    let third = paid_order(&t, 7_003, "Free Fire 100");
    let server = Server::start(&t.shop);
    let cookie = sign_in(
        &server,
        &token_from_bot(&server, &t, crate::common::OWNER, "en").unwrap(),
    );
    let ids = |body: &str| -> Vec<u64> {
        body.match_indices("id=\"order-")
            .filter_map(|(at, _)| {
                let rest = &body[at + 10..];
                rest[..rest.find('"')?].parse().ok()
            })
            .collect()
    };
    let all = get(&server, "/panel/orders?status=paid", Some(&cookie));
    assert_eq!(
        ids(&all.body),
        [first.id.get(), second.id.get(), third.id.get()]
    );
    let by_user = get(&server, "/panel/orders?status=any&user=7002", Some(&cookie));
    assert_eq!(ids(&by_user.body), [second.id.get()]);
    let by_product = get(
        &server,
        &format!("/panel/orders?status=paid&product={}", third.product.get()),
        Some(&cookie),
    );
    assert_eq!(ids(&by_product.body), [third.id.get()]);
    let by_date = get(
        &server,
        "/panel/orders?status=paid&from=2026-01-01&to=2026-01-01",
        Some(&cookie),
    );
    assert_eq!(ids(&by_date.body), [first.id.get()]);
    assert_eq!(
        get(
            &server,
            "/panel/orders?status=paid&from=soon",
            Some(&cookie)
        )
        .status,
        422
    );
    let detail = get(
        &server,
        &format!("/panel/orders/{}", second.id.get()),
        Some(&cookie),
    );
    assert_eq!(detail.status, 200);
    assert!(
        detail.body.contains("Free Fire 100") && detail.body.contains("from the wallet balance")
    );
    assert!(detail.body.contains("class=\"complete\""));
    assert_eq!(
        get(&server, "/panel/orders/999999", Some(&cookie)).status,
        404
    );
}

/// The panel over a shop in PostgreSQL: the same pages and actions (its calls go through
/// the shop's call threads and the blocking pool, never a runtime thread).
#[test]
fn the_panel_runs_a_shop_in_postgresql() {
    let Some(schema) = shopcore::testkit::postgres::TestSchema::from_env("the panel test") else {
        return;
    };
    let shop =
        Arc::new(Shop::open(schema.url(), crate::common::config()).expect("open in PostgreSQL"));
    let owner_id = uid(crate::common::OWNER);
    shop.register_user(&shopcore::Registration {
        id: owner_id,
        username: None,
        display_name: "Owner",
        language: Some("en"),
    })
    .unwrap();
    shop.register_user(&shopcore::Registration {
        id: uid(SHOPPER),
        username: None,
        display_name: "Sam",
        language: Some("en"),
    })
    .unwrap();
    let owner = shop.actor(owner_id).unwrap();
    let method = shop
        .create_payment_method(
            &owner,
            &shopcore::NewPaymentMethod {
                name: "Bank".into(),
                instructions: "IBAN".into(),
                currency: "USD".into(),
                min_amount: money("1"),
                max_amount: money("100"),
                active: true,
            },
        )
        .unwrap()
        .id;
    let topup = shop
        .request_topup(
            &shop.actor(uid(SHOPPER)).unwrap(),
            &TopupRequest {
                method,
                amount: money("15"),
                proof: Proof::Text("ref 42".into()),
                key: crate::common::key("pg-topup"),
            },
        )
        .unwrap();
    let server = Server::start(&shop);
    let link = shop.issue_panel_link(&owner).unwrap();
    let cookie = sign_in(&server, &link.token);
    assert_eq!(get(&server, "/panel/", Some(&cookie)).status, 200);
    let page = get(&server, "/panel/topups", Some(&cookie));
    let (csrf, nonce) = (field(&page.body, "csrf"), field(&page.body, "nonce"));
    let r = post(
        &server,
        &format!("/panel/topups/{}/approve", topup.id.get()),
        Some(&cookie),
        &[("csrf", &csrf), ("nonce", &nonce)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(shop.balance(uid(SHOPPER)).unwrap(), money("15"));
    let r = post(
        &server,
        "/panel/ops/verify",
        Some(&cookie),
        &[("csrf", &csrf)],
    );
    assert!(r.body.contains("Healthy"), "{}", r.body);
    let export = get(&server, "/panel/export/ledger.csv", Some(&cookie));
    assert!(export.body.lines().count() >= 2, "{}", export.body);
    let audit = get(
        &server,
        "/panel/audit?action=APPROVE_DEPOSIT",
        Some(&cookie),
    );
    assert!(audit.body.contains("via: web"), "{}", audit.body);
}

#[test]
fn invoices_are_listed_by_status_and_settled_by_hand_once() {
    let t = TestShop::new();
    t.register(crate::common::OWNER, "en");
    staff(&t, 6_001, Role::Support);
    t.shop
        .add_currency(&t.owner(), "XTR", "⭐", 0, crate::common::money("77"))
        .unwrap();
    t.register(7_001, "en");
    let shopper = t.shop.actor(crate::common::uid(7_001)).unwrap();
    let invoice = t
        .shop
        .open_topup_invoice(
            &shopper,
            shopcore::Provider::Stars,
            crate::common::money("2"),
            &crate::common::key("i-1"),
        )
        .unwrap();
    let server = Server::start(&t.shop);
    let cookie = sign_in(&server, &token_from_bot(&server, &t, 6_001, "en").unwrap());
    let page = get(&server, "/panel/invoices", Some(&cookie));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"invoice-1\""), "{}", page.body);
    assert!(page.body.contains("154 XTR"), "{}", page.body);
    let csrf = field(&page.body, "csrf");
    // Forged: nothing happens.
    let forged = post(
        &server,
        "/panel/invoices/1/settle",
        Some(&cookie),
        &[("csrf", "0"), ("payment_id", "r-1"), ("amount", "154")],
    );
    assert_eq!(forged.status, 403);
    // A receipt for the wrong amount is refused beside the row, and remembered.
    let wrong = post(
        &server,
        "/panel/invoices/1/settle",
        Some(&cookie),
        &[("csrf", &csrf), ("payment_id", "r-1"), ("amount", "150")],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("Refused: amount 150"), "{}", wrong.body);
    assert_eq!(t.balance(7_001), shopcore::Money::ZERO);
    let bad = post(
        &server,
        "/panel/invoices/1/settle",
        Some(&cookie),
        &[("csrf", &csrf), ("payment_id", "r-2"), ("amount", "lots")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    // The right receipt settles it; sent again, it changes nothing.
    let right = post(
        &server,
        "/panel/invoices/1/settle",
        Some(&cookie),
        &[("csrf", &csrf), ("payment_id", "r-3"), ("amount", "154")],
    );
    assert_eq!(right.status, 303, "{}", right.body);
    assert_eq!(
        right.header("location"),
        Some("/panel/invoices?done=settled")
    );
    assert_eq!(t.balance(7_001), crate::common::money("2"));
    let again = post(
        &server,
        "/panel/invoices/1/settle",
        Some(&cookie),
        &[("csrf", &csrf), ("payment_id", "r-3"), ("amount", "154")],
    );
    assert_eq!(
        again.header("location"),
        Some("/panel/invoices?done=replayed")
    );
    assert_eq!(t.balance(7_001), crate::common::money("2"));
    let paid = get(&server, "/panel/invoices?status=paid", Some(&cookie));
    assert!(paid.body.contains("r-3"), "{}", paid.body);
    let by = t.shop.invoice(&t.owner(), invoice.id).unwrap().settled_by;
    assert_eq!(
        by,
        Some(shopcore::ActorRef::User(crate::common::uid(6_001)))
    );
    // Nobody settles their own invoice, from the panel either.
    let own = t
        .shop
        .open_topup_invoice(
            &t.shop.actor(crate::common::uid(6_001)).unwrap(),
            shopcore::Provider::Stars,
            crate::common::money("1"),
            &crate::common::key("i-2"),
        )
        .unwrap();
    let path = format!("/panel/invoices/{}/settle", own.id.get());
    let selfish = post(
        &server,
        &path,
        Some(&cookie),
        &[("csrf", &csrf), ("payment_id", "r-9"), ("amount", "77")],
    );
    assert_eq!(selfish.status, 422, "{}", selfish.body);
    assert_eq!(t.balance(6_001), shopcore::Money::ZERO);
    assert!(t.shop.verify().unwrap().is_healthy());
}
