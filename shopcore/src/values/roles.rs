//! Roles and permissions: who may do what. The role → permission matrix is one table
//! ([`PERMISSION_MATRIX`]); every check in the shop goes through [`has_permission`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Staff ranks, lowest first. Each role has every permission of the roles below it; the
/// order (`Ord`) is the rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// A shopper: no staff permission. Every registered user starts here.
    User,
    /// Answers people: looks users up, reviews top-ups, handles orders, sees statistics and
    /// the staff catalog.
    Support,
    /// Runs the shop day to day: products, payment methods, coupons, users and roles below
    /// their own, broadcasts, the audit log, emergency stop, orders for others.
    Operator,
    /// Owns the shop: everything, including settings, currencies and backups. Super admins
    /// may manage each other; the last active one can't be demoted or banned.
    SuperAdmin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::User, Role::Support, Role::Operator, Role::SuperAdmin];

    /// The role's stable name: `user`, `support`, `operator`, `super_admin`.
    pub fn name(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Support => "support",
            Role::Operator => "operator",
            Role::SuperAdmin => "super_admin",
        }
    }

    /// A role by name, case-insensitively, with `-` accepted for `_` (`"Super-Admin"`).
    pub fn parse(text: &str) -> Option<Role> {
        let lower = text.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.name() == lower)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an actor may be allowed to do. [`PERMISSION_MATRIX`] gives the lowest role holding
/// each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Create, edit and delete categories and products; add and revoke codes.
    ManageProducts,
    /// Create, edit and delete payment methods, and open their staff panel.
    ManagePaymentMethods,
    /// See every order and the staff queues, export orders; confirm payments of, complete,
    /// fail and cancel other people's orders (an order one placed oneself is only cancelled
    /// as its buyer).
    ManageOrders,
    /// Ban and unban users and adjust their balances (only users one outranks); export the
    /// ledger as CSV.
    ManageUsers,
    /// Create coupons, switch them on and off, list them.
    ManageCoupons,
    /// Open the statistics dashboard.
    ViewStats,
    /// Create and cancel broadcasts to every user.
    Broadcast,
    /// Change settings (store state between open and maintenance, fulfilment mode, support
    /// contact, time zone), currencies and rates; back up, prune, rebuild statistics.
    ManageSettings,
    /// Read the audit log and export it.
    ViewAuditLogs,
    /// Change users' roles (only below one's own rank, except for super admins).
    ManageRoles,
    /// Put the shop into emergency mode and lift it.
    EmergencyStop,
    /// Look users up and see their profiles (support staff need it to help people).
    ViewUsers,
    /// Approve or reject wallet top-ups.
    ReviewTopups,
    /// See the whole catalog as staff do: inactive and archived products, stock, code counts.
    ViewCatalog,
    /// Place an order or request a top-up on a user's behalf (a phone order); audited as the
    /// staff member who did it, naming the user.
    ActForUsers,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 15] = [
        Permission::ManageProducts,
        Permission::ManagePaymentMethods,
        Permission::ManageOrders,
        Permission::ManageUsers,
        Permission::ManageCoupons,
        Permission::ViewStats,
        Permission::Broadcast,
        Permission::ManageSettings,
        Permission::ViewAuditLogs,
        Permission::ManageRoles,
        Permission::EmergencyStop,
        Permission::ViewUsers,
        Permission::ReviewTopups,
        Permission::ViewCatalog,
        Permission::ActForUsers,
    ];

    /// The permission's stable name (`"manage_products"`), as in ARCHITECTURE.md's table.
    pub fn name(self) -> &'static str {
        match self {
            Permission::ManageProducts => "manage_products",
            Permission::ManagePaymentMethods => "manage_payment_methods",
            Permission::ManageOrders => "manage_orders",
            Permission::ManageUsers => "manage_users",
            Permission::ManageCoupons => "manage_coupons",
            Permission::ViewStats => "view_stats",
            Permission::Broadcast => "broadcast",
            Permission::ManageSettings => "manage_settings",
            Permission::ViewAuditLogs => "view_audit_logs",
            Permission::ManageRoles => "manage_roles",
            Permission::EmergencyStop => "emergency_stop",
            Permission::ViewUsers => "view_users",
            Permission::ReviewTopups => "review_topups",
            Permission::ViewCatalog => "view_catalog",
            Permission::ActForUsers => "act_for_users",
        }
    }

    /// A permission by name, case-insensitively.
    pub fn parse(text: &str) -> Option<Permission> {
        let lower = text.trim().to_ascii_lowercase();
        Permission::ALL.into_iter().find(|p| p.name() == lower)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The one role → permission table: each permission and the lowest role that holds it.
/// Higher roles inherit it. ARCHITECTURE.md reproduces this table; a test keeps them equal.
pub const PERMISSION_MATRIX: [(Permission, Role); 15] = [
    (Permission::ViewUsers, Role::Support),
    (Permission::ViewCatalog, Role::Support),
    (Permission::ManageOrders, Role::Support),
    (Permission::ReviewTopups, Role::Support),
    (Permission::ViewStats, Role::Support),
    (Permission::ManageProducts, Role::Operator),
    (Permission::ManagePaymentMethods, Role::Operator),
    (Permission::ManageUsers, Role::Operator),
    (Permission::ManageCoupons, Role::Operator),
    (Permission::Broadcast, Role::Operator),
    (Permission::ViewAuditLogs, Role::Operator),
    (Permission::ManageRoles, Role::Operator),
    (Permission::EmergencyStop, Role::Operator),
    (Permission::ActForUsers, Role::Operator),
    (Permission::ManageSettings, Role::SuperAdmin),
];

/// The lowest role that holds `permission`.
pub fn minimum_role(permission: Permission) -> Role {
    PERMISSION_MATRIX
        .iter()
        .find(|(p, _)| *p == permission)
        .map(|(_, role)| *role)
        // Every permission is in the table (a test checks it); unknown means nobody.
        .unwrap_or(Role::SuperAdmin)
}

/// Whether `role` holds `permission`: it is at or above the permission's
/// [`minimum_role`]. Every permission check in the shop goes through this.
///
/// ```
/// use shopcore::roles::has_permission;
/// use shopcore::{Permission, Role};
///
/// assert!(has_permission(Role::Support, Permission::ReviewTopups));
/// assert!(has_permission(Role::SuperAdmin, Permission::ReviewTopups));
/// assert!(!has_permission(Role::Operator, Permission::ManageSettings));
/// ```
pub fn has_permission(role: Role, permission: Permission) -> bool {
    role >= minimum_role(permission)
}

/// The top rank.
pub fn is_super_admin(role: Role) -> bool {
    role == Role::SuperAdmin
}

/// Operator or higher.
pub fn is_operator(role: Role) -> bool {
    role >= Role::Operator
}

/// Support or higher.
pub fn is_support(role: Role) -> bool {
    role >= Role::Support
}

/// Any staff role (support or higher).
pub fn is_staff(role: Role) -> bool {
    role > Role::User
}

/// Whether an actor of `actor` role may act on a person of `target` role (ban them, change
/// their role, adjust their balance). The actor must outrank the target; super admins are
/// peers who can manage each other (otherwise a rogue super admin could not be removed),
/// guarded by the last-super-admin rule.
pub fn can_manage_user(actor: Role, target: Role) -> bool {
    actor > target || (actor == Role::SuperAdmin && target == Role::SuperAdmin)
}

/// Whether an actor of `actor` role may hand out `role`: only below their own rank, except
/// super admins, who may grant any role.
pub fn can_grant_role(actor: Role, role: Role) -> bool {
    actor == Role::SuperAdmin || (has_permission(actor, Permission::ManageRoles) && role < actor)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix written out by hand, role by role: a change to the table must be
    /// a deliberate change here too.
    #[test]
    fn every_role_permission_pair() {
        use Permission::*;
        let support = [
            ViewUsers,
            ViewCatalog,
            ManageOrders,
            ReviewTopups,
            ViewStats,
        ];
        let operator = [
            ManageProducts,
            ManagePaymentMethods,
            ManageUsers,
            ManageCoupons,
            Broadcast,
            ViewAuditLogs,
            ManageRoles,
            EmergencyStop,
            ActForUsers,
        ];
        for permission in Permission::ALL {
            let expected = |role: Role| match role {
                Role::User => false,
                Role::Support => support.contains(&permission),
                Role::Operator => support.contains(&permission) || operator.contains(&permission),
                Role::SuperAdmin => true,
            };
            for role in Role::ALL {
                assert_eq!(
                    has_permission(role, permission),
                    expected(role),
                    "{role} / {permission}"
                );
            }
        }
    }

    #[test]
    fn matrix_lists_each_permission_once() {
        for permission in Permission::ALL {
            let n = PERMISSION_MATRIX
                .iter()
                .filter(|(p, _)| *p == permission)
                .count();
            assert_eq!(n, 1, "{permission}");
        }
    }

    #[test]
    fn rank_helpers() {
        let table = [
            (Role::User, false, false, false, false),
            (Role::Support, false, false, true, true),
            (Role::Operator, false, true, true, true),
            (Role::SuperAdmin, true, true, true, true),
        ];
        for (role, sa, op, sup, staff) in table {
            assert_eq!(is_super_admin(role), sa, "{role}");
            assert_eq!(is_operator(role), op, "{role}");
            assert_eq!(is_support(role), sup, "{role}");
            assert_eq!(is_staff(role), staff, "{role}");
        }
    }

    #[test]
    fn manage_and_grant() {
        for actor in Role::ALL {
            for target in Role::ALL {
                let expected =
                    actor > target || (actor == Role::SuperAdmin && target == Role::SuperAdmin);
                assert_eq!(
                    can_manage_user(actor, target),
                    expected,
                    "{actor}->{target}"
                );
            }
        }
        assert!(can_grant_role(Role::Operator, Role::Support));
        assert!(!can_grant_role(Role::Operator, Role::Operator));
        assert!(!can_grant_role(Role::Support, Role::User));
        assert!(can_grant_role(Role::SuperAdmin, Role::SuperAdmin));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.name()), Some(permission));
        }
        assert_eq!(Role::parse("Super-Admin"), Some(Role::SuperAdmin));
        assert_eq!(Role::parse("god"), None);
    }
}
