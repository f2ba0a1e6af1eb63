//! Signing in to the staff web panel without passwords. A staff member asks the bot for a
//! link ([`Shop::issue_panel_link`]): a one-time token, bound to them, that expires after
//! [`LINK_TTL`]. Opening it ([`Shop::open_panel_session`]) consumes it — a second use, an
//! expired link or a link of someone who is no longer staff is refused — and starts a
//! session: another random token the browser keeps in a cookie, with a CSRF token of its
//! own. Every request re-reads the session ([`Shop::panel_session`]): it ends after
//! [`SESSION_IDLE`] without use or [`SESSION_MAX`] after sign-in, and at once when its user
//! is banned or no longer staff. A person signs out ([`Shop::end_panel_session`]) and can end
//! all of their sessions, or a super admin someone else's ([`Shop::revoke_panel_sessions`]).
//!
//! Only SHA-256 digests of the tokens are stored, so a copy of the database (a backup, a
//! PostgreSQL replica) signs nobody in. Links and sessions are written in every store mode
//! (staff must be able to lift an emergency from the panel); issuing a link, signing in and
//! revoking are audited, and an actor made from a session marks every audit entry it writes
//! as coming from the web (`via: web`).
//!
//! Peers: audit, users.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::error::{Denied, Result};
use crate::ids::UserId;
use crate::roles::{Permission, Role};
use crate::shop::{Actor, require, role_of};
use crate::store::{Span, Table};
use crate::users::User;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long a sign-in link stays valid.
pub const LINK_TTL: Duration = Duration::from_secs(10 * 60);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// A session ends this long after sign-in, however busy.
pub const SESSION_MAX: Duration = Duration::from_secs(12 * 3600);
/// A session's last use is written at most this often (reads don't write on every request).
const TOUCH_EVERY_MS: i64 = 60_000;
/// The most sign-in links one person may hold unused at a time.
pub const LINKS_PER_USER_MAX: usize = 5;
/// The most sessions one person may hold at a time: signing in again ends the oldest.
pub const SESSIONS_PER_USER_MAX: usize = 10;

/// The channel an actor made from a panel session acts through, as audit entries record it.
pub const VIA_WEB: &str = "web";

/// Why signing in or a session was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PanelError {
    /// No such link: mistyped, forged, or already used (links work once).
    #[error(
        "this sign-in link is unknown or was already used; ask the bot for a new one with /web"
    )]
    LinkUnknown,
    /// The link is older than [`LINK_TTL`].
    #[error("this sign-in link has expired; ask the bot for a new one with /web")]
    LinkExpired,
    /// No such session: signed out, revoked, or never started.
    #[error("you are signed out")]
    SessionUnknown,
    /// The session passed [`SESSION_IDLE`] or [`SESSION_MAX`].
    #[error("your session has expired; sign in again")]
    SessionExpired,
    /// The person is not (or no longer) staff: shoppers have no panel.
    #[error("user {user} is not staff: the panel is for staff only")]
    NotStaff {
        /// The person.
        user: UserId,
    },
    /// A token that is not one the shop hands out (wrong length or characters).
    #[error("malformed token")]
    Malformed,
    /// Too many unused links at once.
    #[error("too many unused sign-in links; use the newest or wait {minutes} minutes")]
    TooManyLinks {
        /// How long until the oldest expires, at most.
        minutes: u64,
    },
}

impl PanelError {
    /// A stable, machine-readable name (`"panel.link_expired"`); see [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            PanelError::LinkUnknown => "panel.link_unknown",
            PanelError::LinkExpired => "panel.link_expired",
            PanelError::SessionUnknown => "panel.session_unknown",
            PanelError::SessionExpired => "panel.session_expired",
            PanelError::NotStaff { .. } => "panel.not_staff",
            PanelError::Malformed => "panel.malformed",
            PanelError::TooManyLinks { .. } => "panel.too_many_links",
        }
    }
}

/// A stored sign-in link, by the digest of its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredLink {
    user: UserId,
    issued_at: Timestamp,
    expires_at: Timestamp,
}

/// A stored panel session, by the digest of its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredSession {
    user: UserId,
    started_at: Timestamp,
    last_seen: Timestamp,
    /// The session's CSRF token (not a credential by itself: it only proves a form came from
    /// a page the session was shown).
    csrf: String,
}

crate::store::record!(
    /// Unused sign-in links, by the SHA-256 digest of their token.
    pub(crate) PanelLinks: Table::PanelLinks, "panel_links", [u8; 32] => StoredLink
);

crate::store::record!(
    /// Open panel sessions, by the SHA-256 digest of their token.
    pub(crate) PanelSessions: Table::PanelSessions, "panel_sessions", [u8; 32] => StoredSession
);

/// A sign-in link just issued. The token is shown once (in the link the bot sends) and never
/// stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PanelLink {
    /// The one-time token (64 hex digits), for the link.
    pub token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for PanelLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanelLink")
            .field("token", &"<secret>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A session just started: the token for the browser's cookie (shown once, never stored).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPanelSession {
    /// The session's token (64 hex digits), for the cookie.
    pub token: String,
    /// Who signed in.
    pub user: UserId,
}

impl std::fmt::Debug for NewPanelSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPanelSession")
            .field("token", &"<secret>")
            .field("user", &self.user)
            .finish()
    }
}

/// A live session, as a request sees it: who (re-read now), their actor (marked as acting
/// through the web) and the session's CSRF token.
#[derive(Clone, Debug)]
pub struct PanelSession {
    /// The person's actor, acting through the web.
    pub actor: Actor,
    /// The person as stored now.
    pub user: User,
    /// The session's CSRF token: every form must carry it.
    pub csrf: String,
    /// When they signed in.
    pub started_at: Timestamp,
}

/// A session as listed to its owner (no token: only a short, non-secret label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelSessionInfo {
    /// When it signed in.
    pub started_at: Timestamp,
    /// Its last request (to the minute).
    pub last_seen: Timestamp,
    /// Whether this is the session that asked.
    pub current: bool,
}

const TOKEN_BYTES: usize = 32;

fn random_token() -> Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| crate::store::StoreError::Storage {
        reason: format!("no randomness for a token: {e}"),
    })?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest a token is stored under; malformed tokens (anything but 64 lowercase hex
/// digits) are refused before any lookup.
fn digest(token: &str) -> Result<[u8; 32]> {
    let ok = token.len() == TOKEN_BYTES * 2
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        return Err(PanelError::Malformed.into());
    }
    Ok(Sha256::digest(token.as_bytes()).into())
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user behind `actor`, who must be staff (any role above [`Role::User`]) and not banned.
fn staff_user(tx: &crate::store::Tx<'_>, user: UserId) -> Result<User> {
    let stored: User = tx
        .load::<crate::users::Users>(&user)?
        .ok_or(Denied::UnknownActor { user })?;
    if stored.ban.is_some() {
        return Err(Denied::ActorBanned { user }.into());
    }
    if stored.role == Role::User {
        return Err(PanelError::NotStaff { user }.into());
    }
    Ok(stored)
}

impl Shop {
    /// Issues a one-time sign-in link for `actor`, who must be staff: a fresh random token,
    /// valid for [`LINK_TTL`] and only for them. At most [`LINKS_PER_USER_MAX`] unused links
    /// per person ([`PanelError::TooManyLinks`]); expired ones are dropped here. Audited
    /// (without the token).
    pub fn issue_panel_link(&self, actor: &Actor) -> Result<PanelLink> {
        let user = actor.user_id().ok_or(Denied::NotAUser)?;
        let token = random_token()?;
        let key = digest(&token)?;
        let now = self.now();
        let expires_at = now.plus_millis(millis(LINK_TTL));
        let mine = self.links_of(user)?;
        self.audited(
            actor,
            AuditAction::IssuePanelLink,
            Target::User(user),
            |tx| {
                role_of(tx, actor)?;
                staff_user(tx, user)?;
                let mut live = 0;
                for (k, link) in &mine {
                    if link.expires_at <= now {
                        tx.delete::<PanelLinks>(k)?;
                    } else if tx.load::<PanelLinks>(k)?.is_some() {
                        live += 1;
                    }
                }
                if live >= LINKS_PER_USER_MAX {
                    return Err(PanelError::TooManyLinks {
                        minutes: LINK_TTL.as_secs().div_ceil(60),
                    }
                    .into());
                }
                tx.save::<PanelLinks>(
                    &key,
                    &StoredLink {
                        user,
                        issued_at: now,
                        expires_at,
                    },
                )?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::IssuePanelLink,
                    Target::User(user),
                    vec![Detail::noted("expires_at", expires_at)],
                )?;
                Ok(())
            },
        )?;
        Ok(PanelLink { token, expires_at })
    }

    /// Opens a session with a sign-in link's token, consuming it (in the same transaction,
    /// so two tabs opening one link get one session). Refused: an unknown or used link
    /// ([`PanelError::LinkUnknown`]), an expired one ([`PanelError::LinkExpired`], and it
    /// is dropped), or one whose person is banned or no longer staff. Audited as the person
    /// signing in, through the web. A person holding [`SESSIONS_PER_USER_MAX`] sessions loses
    /// the oldest.
    pub fn open_panel_session(&self, link_token: &str) -> Result<NewPanelSession> {
        let key = digest(link_token).map_err(|_| PanelError::LinkUnknown)?;
        let token = random_token()?;
        let session_key = digest(&token)?;
        let csrf = random_token()?;
        let now = self.now();
        let Some(link) = self.store.fetch::<PanelLinks>(&key)? else {
            return Err(PanelError::LinkUnknown.into());
        };
        let sessions = self.sessions_of(link.user)?;
        let actor = Actor::through(link.user, VIA_WEB);
        let started = self.transact(|tx| {
            let Some(link) = tx.load::<PanelLinks>(&key)? else {
                return Err(PanelError::LinkUnknown.into());
            };
            tx.delete::<PanelLinks>(&key)?;
            if link.expires_at <= now {
                return Ok(Err(PanelError::LinkExpired));
            }
            if let Err(e) = staff_user(tx, link.user) {
                return Ok(Err(match e {
                    crate::Error::Panel(p) => p,
                    _ => PanelError::NotStaff { user: link.user },
                }));
            }
            let mut live: Vec<&([u8; 32], StoredSession)> = Vec::new();
            for entry in &sessions {
                if tx.load::<PanelSessions>(&entry.0)?.is_some() {
                    live.push(entry);
                }
            }
            live.sort_by_key(|(_, s)| s.started_at);
            let excess = (live.len() + 1).saturating_sub(SESSIONS_PER_USER_MAX);
            for (k, _) in live.iter().take(excess) {
                tx.delete::<PanelSessions>(k)?;
            }
            tx.save::<PanelSessions>(
                &session_key,
                &StoredSession {
                    user: link.user,
                    started_at: now,
                    last_seen: now,
                    csrf: csrf.clone(),
                },
            )?;
            tx.set_via(VIA_WEB);
            audit::done(
                tx,
                actor.who(),
                AuditAction::PanelSignIn,
                Target::User(link.user),
                vec![],
            )?;
            Ok(Ok(link.user))
        })?;
        // A refused link is still used up (it was deleted): the refusal is audited apart.
        match started {
            Ok(user) => Ok(NewPanelSession { token, user }),
            Err(refusal) => {
                let error: crate::Error = refusal.into();
                self.record_refusal(
                    &actor,
                    AuditAction::PanelSignIn,
                    &Target::User(link.user),
                    &error,
                );
                Err(error)
            }
        }
    }

    /// The live session for a cookie's token, re-reading its person: ended (and removed)
    /// when idle for [`SESSION_IDLE`], older than [`SESSION_MAX`], or when its person is
    /// banned or no longer staff. The last use is recorded at most once a minute.
    pub fn panel_session(&self, token: &str) -> Result<PanelSession> {
        let key = digest(token).map_err(|_| PanelError::SessionUnknown)?;
        let now = self.now();
        let Some(stored) = self.store.fetch::<PanelSessions>(&key)? else {
            return Err(PanelError::SessionUnknown.into());
        };
        let expired = now.millis() - stored.last_seen.millis() > millis(SESSION_IDLE)
            || now.millis() - stored.started_at.millis() > millis(SESSION_MAX);
        let user: Option<User> = self.store.fetch::<crate::users::Users>(&stored.user)?;
        let refusal: Option<crate::Error> = if expired {
            Some(PanelError::SessionExpired.into())
        } else {
            match user {
                None => Some(Denied::UnknownActor { user: stored.user }.into()),
                Some(ref u) if u.ban.is_some() => {
                    Some(Denied::ActorBanned { user: stored.user }.into())
                }
                Some(ref u) if u.role == Role::User => {
                    Some(PanelError::NotStaff { user: stored.user }.into())
                }
                Some(_) => None,
            }
        };
        if let Some(error) = refusal {
            self.transact(|tx| {
                if tx.load::<PanelSessions>(&key)?.is_some() {
                    tx.delete::<PanelSessions>(&key)?;
                }
                Ok(())
            })?;
            return Err(error);
        }
        if now.millis() - stored.last_seen.millis() >= TOUCH_EVERY_MS {
            self.transact(|tx| {
                if let Some(mut s) = tx.load::<PanelSessions>(&key)? {
                    s.last_seen = now;
                    tx.save::<PanelSessions>(&key, &s)?;
                }
                Ok(())
            })?;
        }
        Ok(PanelSession {
            actor: Actor::through(stored.user, VIA_WEB),
            user: user.expect("checked above"),
            csrf: stored.csrf,
            started_at: stored.started_at,
        })
    }

    /// Ends the session of this token (signing out). Ending an unknown session is not an
    /// error: signing out twice is signing out.
    pub fn end_panel_session(&self, token: &str) -> Result<()> {
        let Ok(key) = digest(token) else {
            return Ok(());
        };
        let Some(stored) = self.store.fetch::<PanelSessions>(&key)? else {
            return Ok(());
        };
        let actor = Actor::through(stored.user, VIA_WEB);
        self.transact(|tx| {
            if tx.load::<PanelSessions>(&key)?.is_none() {
                return Ok(());
            }
            tx.delete::<PanelSessions>(&key)?;
            tx.set_via(VIA_WEB);
            audit::done(
                tx,
                actor.who(),
                AuditAction::PanelSignOut,
                Target::User(stored.user),
                vec![],
            )?;
            Ok(())
        })
    }

    /// Ends every panel session (and unused link) of `user`; returns how many sessions
    /// ended. Anyone may end their own; ending someone else's takes
    /// [`Permission::ManageRoles`] and a rank above theirs (as changing their role would).
    /// Audited.
    pub fn revoke_panel_sessions(&self, actor: &Actor, user: UserId) -> Result<usize> {
        let sessions = self.sessions_of(user)?;
        let links = self.links_of(user)?;
        self.audited(
            actor,
            AuditAction::RevokePanelSessions,
            Target::User(user),
            |tx| {
                if actor.user_id() != Some(user) {
                    let actor_role = require(tx, actor, Permission::ManageRoles)?;
                    let target: User = tx.load::<crate::users::Users>(&user)?.ok_or(
                        crate::error::UserError::NotFound {
                            query: user.to_string(),
                        },
                    )?;
                    if !crate::roles::can_manage_user(actor_role, target.role) {
                        return Err(Denied::CannotManage {
                            actor_role,
                            target_role: target.role,
                        }
                        .into());
                    }
                } else {
                    role_of(tx, actor)?;
                }
                let mut ended = 0;
                for (k, _) in &sessions {
                    if tx.load::<PanelSessions>(k)?.is_some() {
                        tx.delete::<PanelSessions>(k)?;
                        ended += 1;
                    }
                }
                for (k, _) in &links {
                    if tx.load::<PanelLinks>(k)?.is_some() {
                        tx.delete::<PanelLinks>(k)?;
                    }
                }
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::RevokePanelSessions,
                    Target::User(user),
                    vec![Detail::noted("sessions", ended)],
                )?;
                Ok(ended)
            },
        )
    }

    /// The open panel sessions of the session's own person, oldest first (`current` marks the
    /// asking one).
    pub fn my_panel_sessions(&self, token: &str) -> Result<Vec<PanelSessionInfo>> {
        let session = self.panel_session(token)?;
        let me = digest(token)?;
        let user = session.user.id;
        let mut out: Vec<(bool, StoredSession)> = Vec::new();
        for item in self.store.scan(Span::<PanelSessions>::all(), false) {
            let (k, s) = item?;
            if s.user == user {
                out.push((k == me, s));
            }
        }
        out.sort_by_key(|(_, s)| s.started_at);
        Ok(out
            .into_iter()
            .map(|(current, s)| PanelSessionInfo {
                started_at: s.started_at,
                last_seen: s.last_seen,
                current,
            })
            .collect())
    }

    /// Removes expired links and sessions (a periodic sweep); returns how many went.
    pub fn sweep_panel(&self) -> Result<usize> {
        let now = self.now();
        let mut links = Vec::new();
        for item in self.store.scan(Span::<PanelLinks>::all(), false) {
            let (k, l) = item?;
            if l.expires_at <= now {
                links.push(k);
            }
        }
        let mut sessions = Vec::new();
        for item in self.store.scan(Span::<PanelSessions>::all(), false) {
            let (k, s) = item?;
            if now.millis() - s.last_seen.millis() > millis(SESSION_IDLE)
                || now.millis() - s.started_at.millis() > millis(SESSION_MAX)
            {
                sessions.push(k);
            }
        }
        if links.is_empty() && sessions.is_empty() {
            return Ok(0);
        }
        self.transact(|tx| {
            let mut gone = 0;
            for k in &links {
                if tx.load::<PanelLinks>(k)?.is_some() {
                    tx.delete::<PanelLinks>(k)?;
                    gone += 1;
                }
            }
            for k in &sessions {
                if tx.load::<PanelSessions>(k)?.is_some() {
                    tx.delete::<PanelSessions>(k)?;
                    gone += 1;
                }
            }
            Ok(gone)
        })
    }

    fn links_of(&self, user: UserId) -> Result<Vec<([u8; 32], StoredLink)>> {
        let mut out = Vec::new();
        for item in self.store.scan(Span::<PanelLinks>::all(), false) {
            let (k, l) = item?;
            if l.user == user {
                out.push((k, l));
            }
        }
        Ok(out)
    }

    fn sessions_of(&self, user: UserId) -> Result<Vec<([u8; 32], StoredSession)>> {
        let mut out = Vec::new();
        for item in self.store.scan(Span::<PanelSessions>::all(), false) {
            let (k, s) = item?;
            if s.user == user {
                out.push((k, s));
            }
        }
        Ok(out)
    }
}
