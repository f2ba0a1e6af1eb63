//! Users: people known to the shop, registered from a frontend identity (a Telegram user),
//! found by numeric id or `@username`, banned and unbanned, given roles. The username index
//! and the role and ban indexes are kept in the same transaction as the user record.
//!
//! Peers: audit, currency, settings.

use crate::Shop;
use crate::audit::{self, ActorRef, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::error::{Denied, Error, InvalidInput, Result, UserError};
use crate::ids::{CurrencyCode, LanguageCode, UserId, Username};
use crate::roles::{Permission, Role, can_grant_role, can_manage_user};
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require, role_of};
use crate::store::{Counter, Span, StoreError, Table, Tx};
use crate::text;
use serde::{Deserialize, Serialize};
use std::ops::Bound;

/// A person known to the shop: a shopper or a staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The platform's id (a Telegram user id).
    pub id: UserId,
    /// Their public handle, if they have one. Unique among users (case-insensitively): a
    /// registration claiming a handle another user holds takes it from them.
    pub username: Option<Username>,
    /// Their name as the platform reports it, cleaned by [`crate::text::DISPLAY_NAME`].
    pub display_name: String,
    /// The language the frontend reported (Telegram's `language_code`).
    pub language: Option<LanguageCode>,
    /// The language the person chose in the shop; wins over `language`.
    pub preferred_language: Option<LanguageCode>,
    /// The currency prices are shown in; `None` means the base currency.
    pub preferred_currency: Option<CurrencyCode>,
    /// Their staff rank ([`Role::User`] for shoppers).
    pub role: Role,
    /// Set while they are banned: a banned user can't act at all.
    pub ban: Option<Ban>,
    /// When they first registered.
    pub created_at: Timestamp,
    /// When they last registered (showed up) or changed a preference.
    pub last_active_at: Timestamp,
}

/// Why and by whom a user is banned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ban {
    /// The reason given (shown to staff).
    pub reason: String,
    /// Who banned them.
    pub by: ActorRef,
    /// When.
    pub at: Timestamp,
}

impl User {
    /// Whether they are banned.
    pub fn is_banned(&self) -> bool {
        self.ban.is_some()
    }

    /// Counted by the last-super-admin rule: a super admin who is not banned.
    fn is_active_super_admin(&self) -> bool {
        self.role == Role::SuperAdmin && self.ban.is_none()
    }
}

/// What a frontend knows about a person when they show up ([`Shop::register_user`]).
#[derive(Clone, Debug)]
pub struct Registration<'a> {
    /// The platform's id for them.
    pub id: UserId,
    /// Their `@username`, with or without the `@`; `None` if they have none (a stored one
    /// is then cleared).
    pub username: Option<&'a str>,
    /// Their display name; it must pass [`crate::text::DISPLAY_NAME`] (clean a platform's
    /// name first with [`crate::text::TextRule::sanitize`]).
    pub display_name: &'a str,
    /// The language the platform reports (`"ar"`, `"en"`); `None` keeps the stored one.
    pub language: Option<&'a str>,
}

/// Filters for listing users ([`Shop::list_users`]). The default lists everyone.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only banned users.
    pub banned_only: bool,
}

/// One page of users, in id order.
#[derive(Clone, Debug)]
pub struct UserPage {
    /// The users on this page.
    pub users: Vec<User>,
    /// Pass as `after` to get the next page; `None` at the end.
    pub next: Option<UserId>,
}

/// The largest page [`Shop::list_users`] returns.
pub const USER_PAGE_LIMIT_MAX: usize = 200;

fn role_code(role: Role) -> u8 {
    match role {
        Role::User => 0,
        Role::Support => 1,
        Role::Operator => 2,
        Role::SuperAdmin => 3,
    }
}

crate::store::code_part!(
    Role,
    role_code,
    [Role::User, Role::Support, Role::Operator, Role::SuperAdmin]
);

crate::store::record!(
    /// Users, by id.
    pub(crate) Users: Table::Users, "users", UserId => User
);
crate::store::record!(
    /// Index: who holds each username (lower-cased).
    Usernames: Table::Usernames, "usernames", String => UserId
);
crate::store::record!(
    /// Index: users by role.
    UsersByRole: Table::UsersByRole, "users_by_role", (Role, UserId) => ()
);
crate::store::record!(
    /// Index: banned users.
    BannedUsers: Table::BannedUsers, "banned_users", UserId => ()
);

fn role_key(role: Role, id: UserId) -> (Role, UserId) {
    (role, id)
}

pub(crate) fn load(tx: &Tx<'_>, id: UserId) -> Result<User> {
    tx.load::<Users>(&id)?.ok_or_else(|| {
        Error::from(UserError::NotFound {
            query: id.to_string(),
        })
    })
}

/// Writes `user`, moving its index entries from `before` (the stored version, if any) and
/// keeping the super admin counter right.
/// A person showed up (registration, or a registered user coming back), reported to
/// `store::effects` before anything else of `register_user`.
pub(crate) struct Arrived;

impl crate::store::Event for Arrived {
    type Data<'a> = UserId;
}

/// A user record is about to be saved (reported to `store::effects`): the stored record, if
/// any, and the new one.
pub(crate) struct UserSaved;

impl crate::store::Event for UserSaved {
    type Data<'a> = (Option<&'a User>, &'a User);
}

fn save(tx: &Tx<'_>, before: Option<&User>, user: &User) -> std::result::Result<(), StoreError> {
    let id_key = user.id;
    let old_name = before
        .and_then(|b| b.username.as_ref())
        .map(Username::folded);
    let new_name = user.username.as_ref().map(Username::folded);
    if old_name != new_name {
        if let Some(old) = &old_name {
            let holder: Option<UserId> = tx.load::<Usernames>(old)?;
            if holder == Some(user.id) {
                tx.delete::<Usernames>(old)?;
            }
        }
        if let Some(new) = &new_name {
            tx.save::<Usernames>(new, &user.id)?;
        }
    }
    if before.map(|b| b.role) != Some(user.role) {
        if let Some(b) = before {
            tx.delete::<UsersByRole>(&role_key(b.role, b.id))?;
        }
        tx.save::<UsersByRole>(&role_key(user.role, user.id), &())?;
    }
    match (before.is_some_and(User::is_banned), user.is_banned()) {
        (false, true) => tx.save::<BannedUsers>(&id_key, &())?,
        (true, false) => {
            tx.delete::<BannedUsers>(&id_key)?;
        }
        _ => {}
    }
    let was = before.is_some_and(User::is_active_super_admin);
    let is = user.is_active_super_admin();
    if was != is {
        let count = tx.counter(Counter::SuperAdmins)?;
        let count = if is {
            count.saturating_add(1)
        } else {
            count.saturating_sub(1)
        };
        tx.set_counter(Counter::SuperAdmins, count)?;
    }
    tx.report::<UserSaved>(&(before, user))?;
    tx.save::<Users>(&id_key, user)
}

/// A different user currently holding `username` loses it (platform usernames move between
/// accounts; the newest claim wins). Returns that user's id.
fn release_username(tx: &Tx<'_>, username: &Username, claimant: UserId) -> Result<Option<UserId>> {
    let holder: Option<UserId> = tx.load::<Usernames>(&username.folded())?;
    match holder {
        Some(other) if other != claimant => {
            if let Some(previous) = tx.load::<Users>(&other)? {
                let mut updated = previous.clone();
                updated.username = None;
                save(tx, Some(&previous), &updated)?;
            }
            tx.delete::<Usernames>(&username.folded())?;
            Ok(Some(other))
        }
        _ => Ok(None),
    }
}

impl Shop {
    /// Registers a person, or updates their username, name and language and marks them
    /// active. Called by frontends whenever someone shows up; the platform vouches for the
    /// id, so no actor is needed. Audited `REGISTER_USER` the first time and
    /// `UPDATE_USER_PROFILE` when the username or name changed.
    ///
    /// A username another user holds moves to this user (platform usernames move between
    /// accounts; the newest claim wins). Fails with [`crate::InvalidInput`] for a bad
    /// username, display name or language, with [`Denied::ActorBanned`] for a banned user
    /// (nothing changes), and in emergency mode.
    ///
    /// ```
    /// use shopcore::{Config, Registration, Role, Shop, UserId};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let shop = Shop::open(dir.path().join("shop.db"), Config::default())?;
    /// let alice = shop.register_user(&Registration {
    ///     id: UserId::new(42)?,
    ///     username: Some("@alice"),
    ///     display_name: "Alice",
    ///     language: Some("ar"),
    /// })?;
    /// assert_eq!(alice.role, Role::User);
    /// assert_eq!(alice.username.unwrap().as_str(), "alice");
    ///
    /// // She comes back with a new name: the same user, updated.
    /// let again = shop.register_user(&Registration {
    ///     id: UserId::new(42)?,
    ///     username: Some("alice"),
    ///     display_name: "Alice B.",
    ///     language: None,
    /// })?;
    /// assert_eq!((again.created_at, again.display_name.as_str()), (alice.created_at, "Alice B."));
    /// assert_eq!(again.language.unwrap().as_str(), "ar");
    /// # Ok(())
    /// # }
    /// ```
    pub fn register_user(&self, registration: &Registration<'_>) -> Result<User> {
        let username = registration.username.map(Username::parse).transpose()?;
        let display_name = text::DISPLAY_NAME.check(registration.display_name)?;
        let language = registration.language.map(LanguageCode::parse).transpose()?;
        let id = registration.id;
        self.transact(|tx| {
            refuse_in_emergency(tx)?;
            tx.report::<Arrived>(&id)?;
            let before: Option<User> = tx.load::<Users>(&id)?;
            // A banned user changes nothing: no rename, no username taken from someone else.
            if before.as_ref().is_some_and(|u| u.ban.is_some()) {
                return Err(Denied::ActorBanned { user: id }.into());
            }
            let mut user = before.clone().unwrap_or_else(|| User {
                id,
                username: None,
                display_name: display_name.clone(),
                language: None,
                preferred_language: None,
                preferred_currency: None,
                role: Role::User,
                ban: None,
                created_at: tx.now,
                last_active_at: tx.now,
            });
            let mut details = Vec::new();
            if let Some(name) = &username
                && let Some(other) = release_username(tx, name, id)?
            {
                audit::done(
                    tx,
                    &ActorRef::User(id),
                    AuditAction::UpdateUserProfile,
                    Target::User(other),
                    vec![Detail::changed(
                        "username",
                        name,
                        format!("(none: claimed by user {id})"),
                    )],
                )?;
            }
            if user.username != username {
                details.push(Detail {
                    field: "username".into(),
                    before: user.username.as_ref().map(ToString::to_string),
                    after: username.as_ref().map(ToString::to_string),
                });
                user.username = username.clone();
            }
            if before.is_some() && user.display_name != display_name {
                details.push(Detail::changed(
                    "display_name",
                    &user.display_name,
                    &display_name,
                ));
                user.display_name = display_name.clone();
            }
            if language.is_some() {
                user.language = language.clone();
            }
            user.last_active_at = tx.now;
            save(tx, before.as_ref(), &user)?;
            if before.is_none() {
                audit::done(
                    tx,
                    &ActorRef::User(id),
                    AuditAction::RegisterUser,
                    Target::User(id),
                    details,
                )?;
            } else if !details.is_empty() {
                audit::done(
                    tx,
                    &ActorRef::User(id),
                    AuditAction::UpdateUserProfile,
                    Target::User(id),
                    details,
                )?;
            }
            Ok(user)
        })
    }

    /// A user by id, for frontends showing a person their own profile; `None` when not
    /// registered. No permission check: frontends pass the id of the person they talk to.
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        Ok(self.store.fetch::<Users>(&id)?)
    }

    /// Staff lookup by numeric id or `@username`, case-insensitively (`view_users`). Fails
    /// with [`UserError::NotFound`] when nobody matches.
    pub fn find_user(&self, actor: &Actor, query: &str) -> Result<User> {
        let trimmed = query.trim();
        let not_found = || {
            Error::from(UserError::NotFound {
                query: trimmed.chars().take(40).collect(),
            })
        };
        let by_id = trimmed.bytes().all(|b| b.is_ascii_digit()) && !trimmed.is_empty();
        // The permission comes first: someone who may not look users up learns nothing, not
        // even whether a username exists.
        self.transact(|tx| {
            require(tx, actor, Permission::ViewUsers)?;
            let id = if by_id {
                trimmed.parse::<UserId>()?
            } else {
                let name = Username::parse(trimmed)?;
                tx.load::<Usernames>(&name.folded())?
                    .ok_or_else(not_found)?
            };
            tx.load::<Users>(&id)?.ok_or_else(not_found)
        })
    }

    /// Lists users in id order, a page at a time (`view_users`): up to `limit` (1 to
    /// [`USER_PAGE_LIMIT_MAX`]) users after the id `after`.
    pub fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        after: Option<UserId>,
        limit: usize,
    ) -> Result<UserPage> {
        if limit == 0 || limit > USER_PAGE_LIMIT_MAX {
            return Err(InvalidInput::BadPageSize {
                limit,
                limit_max: USER_PAGE_LIMIT_MAX,
            }
            .into());
        }
        self.transact(|tx| require(tx, actor, Permission::ViewUsers).map(|_| ()))?;
        let ids: Box<dyn Iterator<Item = std::result::Result<UserId, StoreError>> + '_> =
            match (filter.role, filter.banned_only) {
                (Some(role), _) => {
                    let mut span = Span::<UsersByRole>::within(&role);
                    if let Some(id) = after {
                        span = span.from(Bound::Excluded(&(role, id)));
                    }
                    Box::new(
                        self.store
                            .scan_keys(span, false)
                            .map(|k| k.map(|(_, id)| id)),
                    )
                }
                (None, true) => {
                    let span = Span::<BannedUsers>::all()
                        .from(after.as_ref().map_or(Bound::Unbounded, Bound::Excluded));
                    Box::new(self.store.scan_keys(span, false))
                }
                (None, false) => {
                    let span = Span::<Users>::all()
                        .from(after.as_ref().map_or(Bound::Unbounded, Bound::Excluded));
                    Box::new(self.store.scan_keys(span, false))
                }
            };
        let mut users = Vec::new();
        let mut more = false;
        for item in ids {
            let id = item?;
            let Some(user) = self.user(id)? else { continue };
            if filter.banned_only && !user.is_banned() {
                continue;
            }
            if users.len() == limit {
                more = true;
                break;
            }
            users.push(user);
        }
        let next = if more {
            users.last().map(|u| u.id)
        } else {
            None
        };
        Ok(UserPage { users, next })
    }

    /// Bans a user with a reason (`manage_users`; the actor must outrank them), audited
    /// `BAN_USER`. The last active super admin can't be banned
    /// ([`UserError::LastSuperAdmin`]), and nobody bans themselves ([`Denied::SelfAction`]).
    /// A banned user can't act, their registrations are refused, and broadcasts skip them.
    pub fn ban_user(&self, actor: &Actor, target: UserId, reason: &str) -> Result<User> {
        let reason = self.validated(
            actor,
            AuditAction::BanUser,
            Target::User(target),
            Permission::ManageUsers,
            text::REASON.check(reason).map_err(Error::from),
        )?;
        self.audited(actor, AuditAction::BanUser, Target::User(target), |tx| {
            let before = self.managed_target(tx, actor, target, "ban")?;
            refuse_in_emergency(tx)?;
            if before.is_banned() {
                return Err(UserError::AlreadyBanned { user: target }.into());
            }
            if before.is_active_super_admin() && tx.counter(Counter::SuperAdmins)? <= 1 {
                return Err(UserError::LastSuperAdmin { user: target }.into());
            }
            let mut user = before.clone();
            user.ban = Some(Ban {
                reason: reason.clone(),
                by: actor.who().clone(),
                at: tx.now,
            });
            save(tx, Some(&before), &user)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::BanUser,
                Target::User(target),
                vec![Detail::noted("reason", &reason)],
            )?;
            Ok(user)
        })
    }

    /// Lifts a ban (`manage_users`; the actor must outrank the user), audited `UNBAN_USER`.
    /// Fails with [`UserError::NotBanned`] when the user is not banned.
    pub fn unban_user(&self, actor: &Actor, target: UserId) -> Result<User> {
        self.audited(actor, AuditAction::UnbanUser, Target::User(target), |tx| {
            let before = self.managed_target(tx, actor, target, "unban")?;
            refuse_in_emergency(tx)?;
            let Some(ban) = &before.ban else {
                return Err(UserError::NotBanned { user: target }.into());
            };
            let mut user = before.clone();
            user.ban = None;
            save(tx, Some(&before), &user)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::UnbanUser,
                Target::User(target),
                vec![Detail {
                    field: "ban_reason".into(),
                    before: Some(ban.reason.clone()),
                    after: None,
                }],
            )?;
            Ok(user)
        })
    }

    /// Changes a user's role (`manage_roles`). The actor must outrank the user, may only
    /// grant roles below their own (super admins may grant any), and the last active super
    /// admin can't be demoted. Nobody changes their own role. Audited `CHANGE_ROLE`.
    pub fn set_role(&self, actor: &Actor, target: UserId, role: Role) -> Result<User> {
        self.audited(actor, AuditAction::ChangeRole, Target::User(target), |tx| {
            let actor_role = require(tx, actor, Permission::ManageRoles)?;
            if actor.user_id() == Some(target) {
                return Err(Denied::SelfAction {
                    what: "change the role of",
                }
                .into());
            }
            let before = load(tx, target)?;
            if !can_manage_user(actor_role, before.role) {
                return Err(Denied::CannotManage {
                    actor_role,
                    target_role: before.role,
                }
                .into());
            }
            if !can_grant_role(actor_role, role) {
                return Err(Denied::CannotGrant { actor_role, role }.into());
            }
            refuse_in_emergency(tx)?;
            if before.role == role {
                return Err(UserError::RoleUnchanged { user: target, role }.into());
            }
            if before.is_active_super_admin() && tx.counter(Counter::SuperAdmins)? <= 1 {
                return Err(UserError::LastSuperAdmin { user: target }.into());
            }
            let mut user = before.clone();
            user.role = role;
            save(tx, Some(&before), &user)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::ChangeRole,
                Target::User(target),
                vec![Detail::changed("role", before.role, role)],
            )?;
            Ok(user)
        })
    }

    /// The acting user picks the language the shop speaks to them in (a language tag, see
    /// [`LanguageCode::parse`]); it wins over the platform's [`User::language`]. Not audited.
    pub fn set_preferred_language(&self, actor: &Actor, language: &str) -> Result<User> {
        let language = LanguageCode::parse(language)?;
        self.update_own_profile(actor, |user| {
            user.preferred_language = Some(language.clone())
        })
    }

    /// The acting user picks the currency prices are shown in; it must be a currency the
    /// shop knows and has enabled ([`crate::CurrencyError`] otherwise). Not audited.
    pub fn set_preferred_currency(&self, actor: &Actor, code: &str) -> Result<User> {
        let code = CurrencyCode::parse(code)?;
        let id = actor.user_id().ok_or(Denied::NotAUser)?;
        self.transact(|tx| {
            role_of(tx, actor)?;
            refuse_in_emergency(tx)?;
            crate::currency::enabled(tx, &code)?;
            let before = load(tx, id)?;
            let mut user = before.clone();
            user.preferred_currency = Some(code.clone());
            user.last_active_at = tx.now;
            save(tx, Some(&before), &user)?;
            Ok(user)
        })
    }

    fn update_own_profile(&self, actor: &Actor, change: impl Fn(&mut User)) -> Result<User> {
        let id = actor.user_id().ok_or(Denied::NotAUser)?;
        self.transact(|tx| {
            role_of(tx, actor)?;
            refuse_in_emergency(tx)?;
            let before = load(tx, id)?;
            let mut user = before.clone();
            change(&mut user);
            user.last_active_at = tx.now;
            save(tx, Some(&before), &user)?;
            Ok(user)
        })
    }

    /// Loads `target` for an action by `actor` needing `manage_users` and outranking.
    fn managed_target(
        &self,
        tx: &Tx<'_>,
        actor: &Actor,
        target: UserId,
        what: &'static str,
    ) -> Result<User> {
        let actor_role = require(tx, actor, Permission::ManageUsers)?;
        if actor.user_id() == Some(target) {
            return Err(Denied::SelfAction { what }.into());
        }
        let user = load(tx, target)?;
        if !can_manage_user(actor_role, user.role) {
            return Err(Denied::CannotManage {
                actor_role,
                target_role: user.role,
            }
            .into());
        }
        Ok(user)
    }

    /// Makes each configured id an active super admin (registering unknown ones), audited as
    /// the `bootstrap` system actor. Runs at every open; does nothing when all already are.
    pub(crate) fn bootstrap_super_admins(&self, ids: &[UserId]) -> Result<()> {
        let bootstrap = ActorRef::System("bootstrap".into());
        for &id in ids {
            self.transact(|tx| {
                let before: Option<User> = tx.load::<Users>(&id)?;
                if before.as_ref().is_some_and(User::is_active_super_admin) {
                    return Ok(());
                }
                let mut user = before.clone().unwrap_or_else(|| User {
                    id,
                    username: None,
                    display_name: format!("admin {id}"),
                    language: None,
                    preferred_language: None,
                    preferred_currency: None,
                    role: Role::User,
                    ban: None,
                    created_at: tx.now,
                    last_active_at: tx.now,
                });
                let details = vec![
                    Detail::changed("role", user.role, Role::SuperAdmin),
                    Detail::changed("banned", user.is_banned(), false),
                ];
                user.role = Role::SuperAdmin;
                user.ban = None;
                save(tx, before.as_ref(), &user)?;
                audit::done(
                    tx,
                    &bootstrap,
                    AuditAction::BootstrapSuperAdmin,
                    Target::User(id),
                    details,
                )?;
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// Checks the username, role and ban indexes and the super admin counter against the users.
pub(crate) fn verify(store: &crate::store::Store) -> std::result::Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let mut super_admins = 0u64;
    let mut users = 0usize;
    let mut banned = 0usize;
    let mut usernames = 0usize;
    for item in store.scan(Span::<Users>::all(), false) {
        let (k, user) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("users: unreadable record: {e}"));
                continue;
            }
        };
        users += 1;
        if k != user.id {
            problems.push(format!("users: record under key {k} says id {}", user.id));
        }
        if user.is_active_super_admin() {
            super_admins += 1;
        }
        if let Some(name) = &user.username {
            usernames += 1;
            let indexed: Option<UserId> = store.fetch::<Usernames>(&name.folded())?;
            if indexed != Some(user.id) {
                problems.push(format!(
                    "users: username {name} of user {} is indexed to {indexed:?}",
                    user.id
                ));
            }
        }
        if !store.exists::<UsersByRole>(&role_key(user.role, user.id))? {
            problems.push(format!(
                "users: user {} missing from the role index",
                user.id
            ));
        }
        if user.is_banned() {
            banned += 1;
            if !store.exists::<BannedUsers>(&user.id)? {
                problems.push(format!(
                    "users: banned user {} missing from the ban index",
                    user.id
                ));
            }
        }
    }
    for (name, n, expected) in [
        (
            "usernames",
            store.count(Span::<Usernames>::all())?,
            usernames,
        ),
        (
            "users_by_role",
            store.count(Span::<UsersByRole>::all())?,
            users,
        ),
        (
            "banned_users",
            store.count(Span::<BannedUsers>::all())?,
            banned,
        ),
    ] {
        let expected = u64::try_from(expected).unwrap_or(u64::MAX);
        if n != expected {
            problems.push(format!(
                "users: index {name} has {n} entries, expected {expected}"
            ));
        }
    }
    let counter = store.read_counter(Counter::SuperAdmins)?;
    if counter != super_admins {
        problems.push(format!(
            "users: super admin counter says {counter}, there are {super_admins}"
        ));
    }
    Ok(problems)
}
