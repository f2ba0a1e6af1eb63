//! The staff web panel, served under `/panel` by the same HTTP server as `/healthz` and
//! `/metrics` (`http_addr`), for the screen bigger than a phone.
//!
//! Sign-in has no password: a staff member sends `/web` to the bot and gets a one-time link
//! (`panel_url` + `/panel/login/TOKEN`, [`shopcore::Shop::issue_panel_link`]). Opening it
//! shows a page with one button; pressing it (a POST, so link previews and prefetchers that
//! GET the link use nothing up) consumes the link and starts a session whose token lives in
//! an HttpOnly, SameSite=Strict cookie (Secure, and named `__Host-…`, when the panel URL is
//! https). Every request re-reads the session in the core, so a banned or demoted staff
//! member loses access at once; every change is a core call with their actor, which checks
//! the permission and audits it as coming from the web.
//!
//! Safe by construction: askama templates escape everything by default; every form carries
//! the session's CSRF token (checked in constant time) and a fresh nonce that makes its
//! request key, so a form sent twice acts once; a strict Content-Security-Policy (no script,
//! no inline style, forms only to the panel itself); no secret in logs; sign-in attempts are
//! rate-limited per address. Pages are plain HTML and CSS: everything works without
//! JavaScript.

mod audit;
mod broadcasts;
mod catalog;
mod invoices;
mod ops;
mod pages;
mod payments;
mod queues;
mod users;

use crate::core::{self, Failure};
use crate::i18n::Lang;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use shopcore::{PanelSession, Shop};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

/// The panel's public URL, for the links `/web` sends (set once at start-up).
static PUBLIC_URL: OnceLock<url::Url> = OnceLock::new();

/// Sets the panel's public URL (the `panel_url` setting); the first call wins.
pub fn set_public_url(url: url::Url) {
    let _ = PUBLIC_URL.set(url);
}

/// The sign-in link for a token, when the panel is configured.
pub fn sign_in_link(token: &str) -> Option<String> {
    let base = PUBLIC_URL.get()?;
    let base = base.as_str().trim_end_matches('/');
    Some(format!("{base}/panel/login/{token}"))
}

/// Sign-in attempts per address: a burst of 10, then one every 6 seconds.
const SIGN_IN_PER_MINUTE: u32 = 10;

/// What the panel's handlers share.
pub struct Panel {
    pub(crate) shop: Arc<Shop>,
    /// Whether the panel is reached over https (the cookie is then `Secure` and `__Host-`).
    secure: bool,
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    /// The bot's broadcaster, which sends the broadcasts staff compose here (set once the
    /// bot has one; without it a new broadcast waits for the next process that resumes it).
    broadcaster: OnceLock<Arc<crate::ops::broadcast::Broadcaster>>,
    /// The bot, to fetch proof photos from Telegram.
    bot: OnceLock<teloxide::Bot>,
    /// Proof photos fetched, by file id, oldest first (at most [`PROOF_CACHE_BYTES`]).
    proofs: std::sync::Mutex<std::collections::VecDeque<(String, Arc<Vec<u8>>)>>,
}

/// How many bytes of proof photos the panel keeps in memory.
const PROOF_CACHE_BYTES: usize = 32 * 1024 * 1024;

impl Panel {
    /// A panel over `shop`, reached at `public_url`.
    pub fn new(shop: Arc<Shop>, public_url: &url::Url) -> Arc<Panel> {
        let quota = Quota::per_minute(NonZeroU32::new(SIGN_IN_PER_MINUTE).expect("non-zero"));
        Arc::new(Panel {
            shop,
            secure: public_url.scheme() == "https",
            sign_in: RateLimiter::keyed(quota),
            broadcaster: OnceLock::new(),
            bot: OnceLock::new(),
            proofs: std::sync::Mutex::new(std::collections::VecDeque::new()),
        })
    }

    /// Hands the panel the bot (once), for proof photos.
    pub fn set_bot(&self, bot: teloxide::Bot) {
        let _ = self.bot.set(bot);
    }

    /// A proof photo by its Telegram file id: from the cache, else fetched from Telegram
    /// (then cached, the oldest dropped past [`PROOF_CACHE_BYTES`]).
    async fn proof_photo(&self, file_id: &str) -> Option<Arc<Vec<u8>>> {
        {
            let cache = self.proofs.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, bytes)) = cache.iter().find(|(id, _)| id == file_id) {
                return Some(Arc::clone(bytes));
            }
        }
        use teloxide::net::Download;
        use teloxide::prelude::Requester;
        let bot = self.bot.get()?;
        let file = match bot
            .get_file(teloxide::types::FileId(file_id.to_owned()))
            .await
        {
            Ok(file) => file,
            Err(error) => {
                tracing::warn!(error = %crate::ops::telemetry::redact(&error.to_string()), "a proof photo could not be found on Telegram");
                return None;
            }
        };
        let mut bytes = Vec::new();
        if let Err(error) = bot.download_file(&file.path, &mut bytes).await {
            tracing::warn!(error = %crate::ops::telemetry::redact(&error.to_string()), "a proof photo could not be downloaded");
            return None;
        }
        let bytes = Arc::new(bytes);
        let mut cache = self.proofs.lock().unwrap_or_else(|p| p.into_inner());
        cache.push_back((file_id.to_owned(), Arc::clone(&bytes)));
        let mut total: usize = cache.iter().map(|(_, b)| b.len()).sum();
        while total > PROOF_CACHE_BYTES && cache.len() > 1 {
            if let Some((_, dropped)) = cache.pop_front() {
                total -= dropped.len();
            }
        }
        Some(bytes)
    }

    /// Hands the panel the bot's broadcaster (once).
    pub fn set_broadcaster(&self, broadcaster: Arc<crate::ops::broadcast::Broadcaster>) {
        let _ = self.broadcaster.set(broadcaster);
    }

    /// Starts sending a broadcast just created, when the bot's broadcaster is there.
    fn start_broadcast(&self, job: shopcore::Broadcast) {
        match self.broadcaster.get() {
            Some(b) => b.start(job, None),
            None => {
                tracing::warn!(broadcast = %job.id, "no broadcaster: the job waits to be resumed")
            }
        }
    }

    fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-shopcore_panel"
        } else {
            "shopcore_panel"
        }
    }

    /// The `Set-Cookie` value that stores a session token.
    fn session_cookie(&self, token: &str) -> String {
        let max_age = shopcore::panel::SESSION_MAX.as_secs();
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
            self.cookie_name()
        )
    }

    /// The `Set-Cookie` value that removes it.
    fn cleared_cookie(&self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
            self.cookie_name()
        )
    }

    /// The session token from the request's cookies.
    fn token(&self, headers: &HeaderMap) -> Option<String> {
        let name = self.cookie_name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// The live session of the request, or the page that says to sign in (and clears the
    /// cookie).
    async fn session(&self, headers: &HeaderMap) -> Result<(PanelSession, String), Response> {
        let lang = lang_of_request(headers);
        let Some(token) = self.token(headers) else {
            return Err(self.signed_out(lang, None));
        };
        let looked_up = token.clone();
        match core::run(&self.shop, move |shop| shop.panel_session(&looked_up)).await {
            Ok(session) => Ok((session, token)),
            Err(Failure::Core(error)) if error.kind().starts_with("store.") => Err(
                pages::failure_page(lang, StatusCode::SERVICE_UNAVAILABLE, error.kind()),
            ),
            Err(failure) => Err(self.signed_out(lang, Some(failure.kind()))),
        }
    }

    fn signed_out(&self, lang: Lang, why: Option<&str>) -> Response {
        let mut response = pages::signed_out(lang, why);
        if let Ok(v) = HeaderValue::from_str(&self.cleared_cookie()) {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
        response
    }
}

/// The address a request came from, for the sign-in rate limit: the peer's, or — when the
/// peer is a reverse proxy on this machine (loopback) — the last address in its
/// `X-Forwarded-For`, the one the proxy itself added (a client can't forge it: anything it
/// sends comes before).
pub fn client_address(peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !peer.is_loopback() {
        return peer;
    }
    // Only the very last entry: an earlier one may be whatever the client sent.
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
}

/// The language for pages shown before anyone is known: Arabic when the browser asks for it
/// first, English otherwise.
fn lang_of_request(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|first| Lang::from_code(first.split(';').next().unwrap_or("")))
        .unwrap_or(Lang::EN)
}

/// The language of a signed-in person: the one they chose in the shop, else their
/// Telegram language.
fn lang_of(session: &PanelSession) -> Lang {
    session
        .user
        .preferred_language
        .as_ref()
        .or(session.user.language.as_ref())
        .map(|code| Lang::from_code(code.as_str()))
        .unwrap_or(Lang::EN)
}

/// The panel's security headers, on every response under `/panel`.
async fn secure_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses a form sent from another site before any handler sees it: browsers say where a
/// request comes from (`Sec-Fetch-Site`), and a POST from elsewhere is never the panel's
/// own form. (Behind every form's CSRF token, a second lock; it also stops a sign-in
/// forced from another site.)
async fn same_site_forms(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cross_site = request.method() != axum::http::Method::GET
        && request.method() != axum::http::Method::HEAD
        && request
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site == "cross-site" || site == "same-site");
    if cross_site {
        let lang = lang_of_request(request.headers());
        tracing::warn!(path = %request.uri().path(), "a panel form sent from another site");
        return pages::failure_page(lang, StatusCode::FORBIDDEN, "panel.cross_site");
    }
    next.run(request).await
}

/// The panel's routes, under `/panel`.
pub fn router(panel: Arc<Panel>) -> Router {
    pages::routes()
        .with_state(panel)
        .layer(axum::middleware::from_fn(same_site_forms))
        .layer(axum::middleware::map_response(secure_headers))
}

/// A rendered template as a response with `status`.
fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> Response {
    match rendered {
        Ok(body) => (status, Html(body)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a panel template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A fresh random value (hex): form nonces.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness, a time-based value still tells forms apart.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = t.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_address_is_the_proxys_last_entry_only_behind_a_local_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("10.9.9.9, 203.0.113.7"),
        );
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "198.51.100.2".parse().unwrap();
        assert_eq!(
            client_address(local, &headers),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(remote, &headers), remote, "not from a proxy");
        assert_eq!(client_address(local, &HeaderMap::new()), local);
    }
}
