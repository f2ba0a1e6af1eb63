//! The staff panel's screens: pure functions from core values (and the viewer's role) to a
//! text and a keyboard. A button appears only when the viewer's role holds the permission
//! behind it (`has_permission`); the core still checks every call, so a hidden button is a
//! courtesy, never the protection.

use super::{Screen, button, date, usd};
use crate::callback::{Admin, AuditFilter, Callback, DeliveryChoice, MethodField, ProductField};
use crate::i18n::Lang;
use crate::state::{DraftStep, MethodStep};
use shopcore::audit::Outcome;
use shopcore::catalog::CodesAdded;
use shopcore::roles::has_permission;
use shopcore::{
    ActorRef, AuditEntry, Category, Coupon, CouponKind, CouponScope, Currency, Dashboard, Delivery,
    FulfilmentMode, Notification, NotificationKind, Order, OrderId, Payment, PaymentMethod,
    Permission, Product, ProductKind, Proof, ProofUse, Role, Settings, StoreState, Target, Topup,
    TopupId, TopupStatus, User, UserId, Wallet, Zone,
};
use teloxide::types::InlineKeyboardButton;

/// Rows in a staff list screen.
pub const LIST_PAGE: usize = 10;
/// Entries on one audit log page.
pub const AUDIT_PAGE: usize = 10;
/// Recent orders shown on a user's card.
pub const USER_ORDERS_SHOWN: usize = 5;

fn admin(label: String, admin: Admin) -> InlineKeyboardButton {
    button(label, Callback::Admin(admin))
}

fn back(lang: Lang, to: Admin) -> Vec<InlineKeyboardButton> {
    vec![admin(lang.t("button-back"), to)]
}

fn panel_row(lang: Lang) -> Vec<InlineKeyboardButton> {
    vec![admin(lang.t("staff-button-panel"), Admin::Panel)]
}

fn cancel_row(lang: Lang) -> Vec<InlineKeyboardButton> {
    vec![admin(lang.t("button-cancel"), Admin::Cancel)]
}

/// An id as a bare number: the core's ids display as `#12`, and the texts put their own `#`.
pub fn plain(id: impl std::fmt::Display) -> String {
    id.to_string().trim_start_matches('#').to_owned()
}

fn can(role: Role, permission: Permission) -> bool {
    has_permission(role, permission)
}

/// A question in a staff conversation, with Cancel.
pub fn prompt(lang: Lang, text: String) -> Screen {
    Screen::with(text, vec![cancel_row(lang)])
}

/// A question with Skip and Cancel.
pub fn prompt_skippable(lang: Lang, text: String) -> Screen {
    Screen::with(
        text,
        vec![vec![
            admin(lang.t("staff-button-skip"), Admin::Skip),
            admin(lang.t("button-cancel"), Admin::Cancel),
        ]],
    )
}

/// A short result with a way back.
pub fn done(lang: Lang, text: String, to: Admin) -> Screen {
    Screen::with(text, vec![back(lang, to), panel_row(lang)])
}

pub fn role_name(lang: Lang, role: Role) -> String {
    lang.t(&format!("role-{}", role.name()))
}

pub fn kind_name(lang: Lang, kind: ProductKind) -> String {
    lang.t(&format!("kind-{}", kind.name()))
}

fn delivery_text(lang: Lang, delivery: &Delivery) -> String {
    match delivery {
        Delivery::Manual => lang.t("delivery-manual"),
        Delivery::Codes => lang.t("delivery-codes"),
        Delivery::Supplier { sku } => lang.tf("delivery-supplier_sku", &[("sku", sku)]),
    }
}

fn delivery_choice_name(lang: Lang, choice: DeliveryChoice) -> String {
    lang.t(&format!("delivery-{}", choice.name()))
}

fn state_name(lang: Lang, state: StoreState) -> String {
    lang.t(&format!("store_state-{}", state.name()))
}

fn fulfilment_name(lang: Lang, mode: FulfilmentMode) -> String {
    lang.t(&format!("fulfilment-{}", mode.name()))
}

fn yes_no(lang: Lang, value: bool) -> String {
    lang.t(if value { "staff-yes" } else { "staff-no" })
}

// ----- the panel -----------------------------------------------------------------------

/// What the panel's home screen counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Queues {
    pub topups: Option<usize>,
    pub orders: Option<usize>,
}

pub fn panel(lang: Lang, role: Role, settings: &Settings, queues: Queues) -> Screen {
    let mut lines = vec![
        lang.tf("staff-panel-title", &[("role", &role_name(lang, role))]),
        lang.tf(
            "staff-panel-state",
            &[("state", &state_name(lang, settings.state))],
        ),
    ];
    if let Some(n) = queues.topups {
        lines.push(lang.tf("staff-panel-topups_waiting", &[("count", &n.to_string())]));
    }
    if let Some(n) = queues.orders {
        lines.push(lang.tf("staff-panel-orders_waiting", &[("count", &n.to_string())]));
    }
    let mut rows = Vec::new();
    let mut pair = |a: Option<InlineKeyboardButton>, b: Option<InlineKeyboardButton>| {
        let row: Vec<_> = [a, b].into_iter().flatten().collect();
        if !row.is_empty() {
            rows.push(row);
        }
    };
    pair(
        can(role, Permission::ReviewTopups)
            .then(|| admin(lang.t("staff-button-topups"), Admin::Topups)),
        can(role, Permission::ManageOrders)
            .then(|| admin(lang.t("staff-button-orders"), Admin::Orders)),
    );
    pair(
        can(role, Permission::ViewCatalog).then(|| {
            admin(
                lang.t("staff-button-products"),
                Admin::Products { page: None },
            )
        }),
        can(role, Permission::ViewCatalog)
            .then(|| admin(lang.t("staff-button-categories"), Admin::Categories)),
    );
    pair(
        can(role, Permission::ManagePaymentMethods).then(|| {
            admin(
                lang.t("staff-button-methods"),
                Admin::Methods { all: false },
            )
        }),
        can(role, Permission::ViewUsers)
            .then(|| admin(lang.t("staff-button-users"), Admin::UserFind)),
    );
    pair(
        can(role, Permission::ManageCoupons)
            .then(|| admin(lang.t("staff-button-coupons"), Admin::Coupons)),
        can(role, Permission::ViewStats).then(|| admin(lang.t("staff-button-stats"), Admin::Stats)),
    );
    pair(
        can(role, Permission::ViewAuditLogs).then(|| {
            admin(
                lang.t("staff-button-audit"),
                Admin::Audit {
                    page: 0,
                    filter: AuditFilter::All,
                },
            )
        }),
        (can(role, Permission::ManageSettings) || can(role, Permission::EmergencyStop))
            .then(|| admin(lang.t("staff-button-settings"), Admin::Settings)),
    );
    rows.push(vec![button(lang.t("button-menu"), Callback::Menu)]);
    Screen::with(lines.join("\n"), rows)
}

/// The notice for a staff screen the viewer's role does not include.
pub fn not_permitted(lang: Lang) -> String {
    lang.t("staff-not_permitted")
}

// ----- products ------------------------------------------------------------------------

fn stock_text(lang: Lang, product: &Product) -> String {
    match product.available() {
        None => lang.t("staff-stock_unlimited"),
        Some(n) => n.to_string(),
    }
}

pub fn products(lang: Lang, role: Role, products: &[Product], next: Option<String>) -> Screen {
    let mut text = lang.t("staff-products-title");
    if products.is_empty() {
        text.push('\n');
        text.push_str(&lang.t("staff-products-empty"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = products
        .iter()
        .map(|p| {
            let mark = if p.archived {
                "🗄"
            } else if !p.active {
                "⏸"
            } else if !p.in_stock() {
                "⚠️"
            } else {
                "✅"
            };
            vec![admin(
                format!("{mark} {} {} · {}", p.id, p.name, usd(p.price_usd)),
                Admin::Product { id: p.id },
            )]
        })
        .collect();
    if let Some(token) = next {
        rows.push(vec![admin(
            lang.t("button-next"),
            Admin::Products { page: Some(token) },
        )]);
    }
    if can(role, Permission::ManageProducts) {
        rows.push(vec![admin(
            lang.t("staff-button-new_product"),
            Admin::ProductNew,
        )]);
    }
    rows.push(panel_row(lang));
    Screen::with(text, rows)
}

pub fn product(
    lang: Lang,
    role: Role,
    product: &Product,
    category: Option<&Category>,
    has_photo: bool,
    per_order: u32,
) -> Screen {
    let id = product.id;
    let mut lines = vec![
        lang.tf(
            "staff-product-title",
            &[("id", &plain(id)), ("name", &product.name)],
        ),
        lang.tf(
            "staff-product-category",
            &[(
                "category",
                &category.map_or_else(|| product.category.to_string(), |c| c.name.clone()),
            )],
        ),
        lang.tf("staff-product-price", &[("price", &usd(product.price_usd))]),
        lang.tf(
            "staff-product-kind",
            &[("kind", &kind_name(lang, product.kind))],
        ),
        lang.tf(
            "staff-product-delivery",
            &[("delivery", &delivery_text(lang, &product.delivery))],
        ),
        lang.tf(
            "staff-product-stock",
            &[("stock", &stock_text(lang, product))],
        ),
    ];
    if product.delivery == Delivery::Codes {
        lines.push(lang.tf(
            "staff-product-codes",
            &[("count", &product.codes_available.to_string())],
        ));
    }
    lines.push(match &product.player_field {
        Some(field) => lang.tf(
            "staff-product-player_field",
            &[
                ("label", &field.label),
                ("rule", &super::player_rule(lang, &field.rule)),
            ],
        ),
        None => lang.t("staff-product-no_player_field"),
    });
    lines.push(lang.tf(
        "staff-product-active",
        &[("active", &yes_no(lang, product.active))],
    ));
    lines.push(lang.tf(
        "staff-product-photo",
        &[("photo", &yes_no(lang, has_photo))],
    ));
    lines.push(lang.tf(
        "staff-product-per_order",
        &[("count", &per_order.to_string())],
    ));
    lines.push(lang.tf(
        "staff-product-orders",
        &[("count", &product.order_count.to_string())],
    ));
    if product.archived {
        lines.push(lang.t("staff-product-archived"));
    }
    if !product.description.is_empty() {
        lines.push(String::new());
        lines.push(product.description.clone());
    }
    let mut rows = Vec::new();
    if can(role, Permission::ManageProducts) && !product.archived {
        let field_button = |field: ProductField| {
            admin(
                lang.t(&format!("staff-field-{}", field.name())),
                Admin::ProductEdit { id, field },
            )
        };
        rows.push(vec![
            field_button(ProductField::Name),
            field_button(ProductField::Description),
        ]);
        rows.push(vec![
            field_button(ProductField::Price),
            field_button(ProductField::Kind),
        ]);
        rows.push(vec![
            field_button(ProductField::Category),
            field_button(ProductField::Delivery),
        ]);
        let mut row = vec![field_button(ProductField::PlayerRule)];
        if product.delivery != Delivery::Codes {
            row.push(field_button(ProductField::Stock));
        }
        rows.push(row);
        rows.push(vec![field_button(ProductField::PerOrder)]);
        rows.push(vec![admin(
            lang.t("staff-button-photo"),
            Admin::ProductPhoto { id },
        )]);
        if product.delivery == Delivery::Codes {
            rows.push(vec![
                admin(
                    lang.t("staff-button-upload_codes"),
                    Admin::ProductCodes { id },
                ),
                admin(
                    lang.t("staff-button-revoke_codes"),
                    Admin::ProductRevokeCodes { id },
                ),
            ]);
        }
        rows.push(vec![
            if product.active {
                admin(
                    lang.t("staff-button-deactivate"),
                    Admin::ProductActive { id, active: false },
                )
            } else {
                admin(
                    lang.t("staff-button-activate"),
                    Admin::ProductActive { id, active: true },
                )
            },
            admin(lang.t("staff-button-delete"), Admin::ProductDelete { id }),
        ]);
    }
    rows.push(back(lang, Admin::Products { page: None }));
    Screen::with(lines.join("\n"), rows)
}

/// The question for a product field typed as text.
pub fn product_field_prompt(lang: Lang, field: ProductField, product: &Product) -> Screen {
    let current = match field {
        ProductField::Name => product.name.clone(),
        ProductField::Description => product.description.clone(),
        ProductField::Price => usd(product.price_usd),
        ProductField::Stock => stock_text(lang, product),
        ProductField::PlayerRule => product
            .player_field
            .as_ref()
            .map_or_else(|| "-".to_owned(), |f| f.label.clone()),
        ProductField::Sku => match &product.delivery {
            Delivery::Supplier { sku } => sku.clone(),
            _ => "-".to_owned(),
        },
        ProductField::Kind
        | ProductField::Category
        | ProductField::Delivery
        | ProductField::PerOrder => String::new(),
    };
    let mut text = lang.t(&format!("staff-ask-{}", field.name()));
    if !current.is_empty() {
        text.push('\n');
        text.push_str(&lang.tf("staff-current", &[("value", &current)]));
    }
    prompt(lang, text)
}

/// The question for how many units one order of a product may buy, with the limit now.
pub fn per_order_prompt(lang: Lang, current: u32) -> Screen {
    let mut text = lang.tf(
        "staff-ask-per_order",
        &[("max", &shopcore::catalog::ORDER_QUANTITY_MAX.to_string())],
    );
    text.push('\n');
    text.push_str(&lang.tf("staff-current", &[("value", &current.to_string())]));
    prompt(lang, text)
}

/// Kind buttons: for a product being edited (`Some(id)`) or for the draft.
pub fn kind_choice(lang: Lang, product: Option<shopcore::ProductId>) -> Screen {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = ProductKind::ALL
        .into_iter()
        .map(|kind| {
            vec![admin(
                kind_name(lang, kind),
                match product {
                    Some(id) => Admin::ProductSetKind { id, kind },
                    None => Admin::DraftKind { kind },
                },
            )]
        })
        .collect();
    rows.push(cancel_row(lang));
    Screen::with(lang.t("staff-ask-kind"), rows)
}

pub fn category_choice(
    lang: Lang,
    product: Option<shopcore::ProductId>,
    categories: &[Category],
) -> Screen {
    if categories.is_empty() {
        return Screen::with(lang.t("staff-categories-none_yet"), vec![cancel_row(lang)]);
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = categories
        .iter()
        .map(|c| {
            vec![admin(
                c.name.clone(),
                match product {
                    Some(id) => Admin::ProductSetCategory { id, category: c.id },
                    None => Admin::DraftCategory { id: c.id },
                },
            )]
        })
        .collect();
    rows.push(cancel_row(lang));
    Screen::with(lang.t("staff-ask-category"), rows)
}

pub fn delivery_choice(lang: Lang, product: Option<shopcore::ProductId>) -> Screen {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = DeliveryChoice::ALL
        .into_iter()
        .map(|delivery| {
            vec![admin(
                delivery_choice_name(lang, delivery),
                match product {
                    Some(id) => Admin::ProductSetDelivery { id, delivery },
                    None => Admin::DraftDelivery { delivery },
                },
            )]
        })
        .collect();
    rows.push(cancel_row(lang));
    Screen::with(lang.t("staff-ask-delivery"), rows)
}

/// The next question of the product creation.
pub fn draft_prompt(lang: Lang, step: DraftStep, categories: &[Category]) -> Screen {
    match step {
        DraftStep::Name => prompt(lang, lang.t("staff-new_product-name")),
        DraftStep::Price => prompt(lang, lang.t("staff-ask-price")),
        DraftStep::Category => category_choice(lang, None, categories),
        DraftStep::Kind => kind_choice(lang, None),
        DraftStep::Delivery => delivery_choice(lang, None),
        DraftStep::Sku => prompt(lang, lang.t("staff-ask-sku")),
        DraftStep::Stock => Screen::with(
            lang.t("staff-ask-stock"),
            vec![
                vec![admin(
                    lang.t("staff-button-unlimited"),
                    Admin::DraftUnlimited,
                )],
                cancel_row(lang),
            ],
        ),
        DraftStep::Description => prompt_skippable(lang, lang.t("staff-ask-description")),
        DraftStep::Done => prompt(lang, lang.t("staff-new_product-name")),
    }
}

pub fn confirm_delete_product(lang: Lang, product: &Product) -> Screen {
    let id = product.id;
    let key = if product.order_count > 0 {
        "staff-product-delete_confirm_archive"
    } else {
        "staff-product-delete_confirm"
    };
    Screen::with(
        lang.tf(key, &[("id", &plain(id)), ("name", &product.name)]),
        vec![
            vec![admin(
                lang.t("staff-button-yes_delete"),
                Admin::ProductDeleteYes { id },
            )],
            back(lang, Admin::Product { id }),
        ],
    )
}

pub fn product_deleted(lang: Lang, id: shopcore::ProductId, archived: bool) -> Screen {
    let key = if archived {
        "staff-product-archived_done"
    } else {
        "staff-product-deleted"
    };
    done(
        lang,
        lang.tf(key, &[("id", &plain(id))]),
        Admin::Products { page: None },
    )
}

pub fn codes_prompt(lang: Lang, product: &Product) -> Screen {
    prompt(
        lang,
        lang.tf(
            "staff-codes-prompt",
            &[
                ("name", &product.name),
                ("count", &product.codes_available.to_string()),
            ],
        ),
    )
}

/// The result of an upload: counts only, never the codes.
pub fn codes_added(lang: Lang, id: shopcore::ProductId, added: &CodesAdded) -> Screen {
    done(
        lang,
        lang.tf(
            "staff-codes-added",
            &[
                ("added", &added.added.to_string()),
                ("available", &added.available.to_string()),
            ],
        ),
        Admin::Product { id },
    )
}

pub fn confirm_revoke_codes(lang: Lang, product: &Product) -> Screen {
    let id = product.id;
    Screen::with(
        lang.tf(
            "staff-codes-revoke_confirm",
            &[
                ("count", &product.codes_available.to_string()),
                ("name", &product.name),
            ],
        ),
        vec![
            vec![admin(
                lang.t("staff-button-yes_revoke"),
                Admin::ProductRevokeCodesYes { id },
            )],
            back(lang, Admin::Product { id }),
        ],
    )
}

// ----- categories ----------------------------------------------------------------------

pub fn categories(lang: Lang, role: Role, categories: &[Category]) -> Screen {
    let mut text = lang.t("staff-categories-title");
    if categories.is_empty() {
        text.push('\n');
        text.push_str(&lang.t("staff-categories-none_yet"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = categories
        .iter()
        .map(|c| {
            let mark = if c.active { "✅" } else { "⏸" };
            vec![admin(
                format!("{mark} {} ({})", c.name, c.product_count),
                Admin::Category { id: c.id },
            )]
        })
        .collect();
    if can(role, Permission::ManageProducts) {
        rows.push(vec![admin(
            lang.t("staff-button-new_category"),
            Admin::CategoryNew,
        )]);
    }
    rows.push(panel_row(lang));
    Screen::with(text, rows)
}

pub fn category(lang: Lang, role: Role, category: &Category) -> Screen {
    let id = category.id;
    let text = [
        lang.tf(
            "staff-category-title",
            &[("id", &plain(id)), ("name", &category.name)],
        ),
        lang.tf(
            "staff-category-products",
            &[("count", &category.product_count.to_string())],
        ),
        lang.tf(
            "staff-product-active",
            &[("active", &yes_no(lang, category.active))],
        ),
    ]
    .join("\n");
    let mut rows = Vec::new();
    if can(role, Permission::ManageProducts) {
        rows.push(vec![
            admin(lang.t("staff-field-name"), Admin::CategoryRename { id }),
            if category.active {
                admin(
                    lang.t("staff-button-deactivate"),
                    Admin::CategoryActive { id, active: false },
                )
            } else {
                admin(
                    lang.t("staff-button-activate"),
                    Admin::CategoryActive { id, active: true },
                )
            },
        ]);
        rows.push(vec![admin(
            lang.t("staff-button-delete"),
            Admin::CategoryDelete { id },
        )]);
    }
    rows.push(back(lang, Admin::Categories));
    Screen::with(text, rows)
}

pub fn confirm_delete_category(lang: Lang, category: &Category) -> Screen {
    let id = category.id;
    Screen::with(
        lang.tf("staff-category-delete_confirm", &[("name", &category.name)]),
        vec![
            vec![admin(
                lang.t("staff-button-yes_delete"),
                Admin::CategoryDeleteYes { id },
            )],
            back(lang, Admin::Category { id }),
        ],
    )
}

// ----- payment methods -----------------------------------------------------------------

fn method_limits(method: &PaymentMethod) -> String {
    format!(
        "{} – {} {}",
        method.min_amount, method.max_amount, method.currency
    )
}

pub fn methods(lang: Lang, methods: &[PaymentMethod], all: bool) -> Screen {
    let mut text = lang.t(if all {
        "staff-methods-title_all"
    } else {
        "staff-methods-title_active"
    });
    if methods.is_empty() {
        text.push('\n');
        text.push_str(&lang.t("staff-methods-empty"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = methods
        .iter()
        .map(|m| {
            let mark = if m.deleted_at.is_some() {
                "🗑"
            } else if m.active {
                "✅"
            } else {
                "⏸"
            };
            vec![admin(
                format!("{mark} {} · {}", m.name, m.currency),
                Admin::Method { id: m.id },
            )]
        })
        .collect();
    rows.push(vec![
        admin(
            lang.t(if all {
                "staff-button-active_only"
            } else {
                "staff-button-show_all"
            }),
            Admin::Methods { all: !all },
        ),
        admin(lang.t("staff-button-new_method"), Admin::MethodNew),
    ]);
    rows.push(panel_row(lang));
    Screen::with(text, rows)
}

pub fn method(lang: Lang, zone: &Zone, method: &PaymentMethod) -> Screen {
    let id = method.id;
    let mut lines = vec![
        lang.tf(
            "staff-method-title",
            &[("id", &plain(id)), ("name", &method.name)],
        ),
        lang.tf("staff-method-limits", &[("limits", &method_limits(method))]),
        lang.tf(
            "staff-product-active",
            &[("active", &yes_no(lang, method.active))],
        ),
        lang.tf(
            "staff-method-pending",
            &[("count", &method.pending_uses.to_string())],
        ),
    ];
    if let Some(at) = method.deleted_at {
        lines.push(lang.tf("staff-method-deleted_at", &[("date", &date(zone, at))]));
    }
    lines.push(String::new());
    lines.push(method.instructions.clone());
    let mut rows = Vec::new();
    if method.deleted_at.is_none() {
        rows.push(
            MethodField::ALL
                .into_iter()
                .map(|field| {
                    admin(
                        lang.t(&format!("staff-method_field-{}", field.name())),
                        Admin::MethodEdit { id, field },
                    )
                })
                .collect(),
        );
        rows.push(vec![
            if method.active {
                admin(
                    lang.t("staff-button-deactivate"),
                    Admin::MethodActive { id, active: false },
                )
            } else {
                admin(
                    lang.t("staff-button-activate"),
                    Admin::MethodActive { id, active: true },
                )
            },
            admin(lang.t("staff-button-delete"), Admin::MethodDelete { id }),
        ]);
    }
    rows.push(back(lang, Admin::Methods { all: false }));
    Screen::with(lines.join("\n"), rows)
}

pub fn confirm_delete_method(lang: Lang, method: &PaymentMethod) -> Screen {
    let id = method.id;
    let mut text = lang.tf("staff-method-delete_confirm", &[("name", &method.name)]);
    if method.pending_uses > 0 {
        text.push('\n');
        text.push_str(&lang.tf(
            "staff-method-delete_blocked",
            &[("count", &method.pending_uses.to_string())],
        ));
    }
    Screen::with(
        text,
        vec![
            vec![admin(
                lang.t("staff-button-yes_delete"),
                Admin::MethodDeleteYes { id },
            )],
            back(lang, Admin::Method { id }),
        ],
    )
}

pub fn method_prompt(lang: Lang, step: MethodStep, currencies: &[Currency]) -> Screen {
    match step {
        MethodStep::Name => prompt(lang, lang.t("staff-new_method-name")),
        MethodStep::Currency => {
            let mut rows: Vec<Vec<InlineKeyboardButton>> = currencies
                .iter()
                .filter(|c| c.enabled)
                .map(|c| {
                    vec![admin(
                        c.code.to_string(),
                        Admin::DraftCurrency {
                            code: c.code.clone(),
                        },
                    )]
                })
                .collect();
            rows.push(cancel_row(lang));
            Screen::with(lang.t("staff-new_method-currency"), rows)
        }
        MethodStep::Min => prompt(lang, lang.t("staff-new_method-min")),
        MethodStep::Max => prompt(lang, lang.t("staff-new_method-max")),
        MethodStep::Instructions => prompt(lang, lang.t("staff-new_method-instructions")),
    }
}

// ----- top-ups ---------------------------------------------------------------------------

pub fn topups(lang: Lang, zone: &Zone, topups: &[Topup]) -> Screen {
    let mut text = lang.t("staff-topups-title");
    if topups.is_empty() {
        text.push('\n');
        text.push_str(&lang.t("staff-topups-empty"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = topups
        .iter()
        .map(|t| {
            vec![admin(
                format!(
                    "{} · {} {} · {}",
                    t.id,
                    t.amount,
                    t.currency,
                    date(zone, t.requested_at)
                ),
                Admin::Topup { id: t.id },
            )]
        })
        .collect();
    rows.push(panel_row(lang));
    Screen::with(text, rows)
}

fn proof_text(lang: Lang, proof: &Proof) -> String {
    match (proof, proof.caption()) {
        (Proof::Text(text), _) => lang.tf("staff-proof-text", &[("text", text)]),
        (_, Some(caption)) => lang.tf("staff-proof-photo_caption", &[("caption", caption)]),
        (_, None) => lang.t("staff-proof-photo"),
    }
}

/// The warning on a request whose proof repeats an earlier request's, naming that one.
pub fn proof_reused(lang: Lang, earlier: ProofUse) -> String {
    match earlier {
        ProofUse::Topup(id) => lang.tf("staff-proof-reused_topup", &[("id", &plain(id))]),
        ProofUse::Order(id) => lang.tf("staff-proof-reused_order", &[("id", &plain(id))]),
    }
}

/// A person as staff read them: their name, `@username` and id.
pub fn who(user: Option<&User>, id: shopcore::UserId) -> String {
    match user {
        Some(u) => match &u.username {
            // A username prints its own `@`.
            Some(name) => format!("{} ({name}, {})", u.display_name, u.id),
            None => format!("{} ({})", u.display_name, u.id),
        },
        None => id.to_string(),
    }
}

/// A top-up under review; `reused` is the earlier request whose proof it repeats, if any
/// (a warning line right under the title).
pub fn topup(
    lang: Lang,
    zone: &Zone,
    topup: &Topup,
    user: Option<&User>,
    method: Option<&PaymentMethod>,
    reused: Option<ProofUse>,
) -> Screen {
    let id = topup.id;
    let mut lines = vec![lang.tf("staff-topup-title", &[("id", &plain(id))])];
    lines.extend(reused.map(|earlier| proof_reused(lang, earlier)));
    lines.extend([
        lang.tf("staff-topup-user", &[("user", &who(user, topup.user))]),
        if super::needs_usd(&topup.currency) {
            lang.tf(
                "staff-topup-amount",
                &[
                    ("amount", &super::money_in(topup.amount, &topup.currency)),
                    ("usd", &usd(topup.amount_usd)),
                ],
            )
        } else {
            lang.tf("staff-topup-amount_usd", &[("amount", &usd(topup.amount))])
        },
        lang.tf(
            "staff-topup-method",
            &[(
                "method",
                &method.map_or_else(|| topup.method.to_string(), |m| m.name.clone()),
            )],
        ),
        lang.tf(
            "staff-topup-requested",
            &[("date", &date(zone, topup.requested_at))],
        ),
        proof_text(lang, &topup.proof),
        lang.tf(
            "staff-topup-status",
            &[(
                "status",
                &lang.t(&format!("topup_status-{}", topup.status.name())),
            )],
        ),
    ]);
    if let Some(reason) = &topup.reject_reason {
        lines.push(lang.tf("order-failure", &[("reason", reason)]));
    }
    let mut rows = Vec::new();
    if topup.status == TopupStatus::Pending {
        rows.push(vec![
            admin(lang.t("staff-button-approve"), Admin::TopupApprove { id }),
            admin(lang.t("staff-button-reject"), Admin::TopupReject { id }),
        ]);
    }
    rows.push(vec![admin(
        lang.t("staff-button-user"),
        Admin::User { id: topup.user },
    )]);
    rows.push(back(lang, Admin::Topups));
    Screen::with(lines.join("\n"), rows)
}

/// The caption on the proof photo.
pub fn proof_caption(lang: Lang, topup: &Topup) -> String {
    lang.tf("staff-topup-proof_caption", &[("id", &plain(topup.id))])
}

/// Approve was tapped on a top-up whose proof repeats `earlier`'s: the warning again, and an
/// explicit second button.
pub fn topup_reused(lang: Lang, id: TopupId, earlier: ProofUse) -> Screen {
    Screen::with(
        format!(
            "{}\n{}",
            proof_reused(lang, earlier),
            lang.tf("staff-topup-reused_confirm", &[("id", &plain(id))])
        ),
        vec![
            vec![admin(
                lang.t("staff-button-approve_anyway"),
                Admin::TopupApproveReused { id },
            )],
            back(lang, Admin::Topup { id }),
        ],
    )
}

/// Confirm payment was tapped on an order whose proof repeats `earlier`'s.
pub fn order_reused(lang: Lang, id: OrderId, earlier: ProofUse) -> Screen {
    Screen::with(
        format!(
            "{}\n{}",
            proof_reused(lang, earlier),
            lang.tf("staff-order-reused_confirm", &[("id", &plain(id))])
        ),
        vec![
            vec![admin(
                lang.t("staff-button-confirm_anyway"),
                Admin::OrderConfirmReused { id },
            )],
            back(lang, Admin::Order { id }),
        ],
    )
}

pub fn topup_decided(lang: Lang, topup: &Topup) -> Screen {
    let key = match topup.status {
        TopupStatus::Approved => "staff-topup-approved",
        _ => "staff-topup-rejected",
    };
    done(
        lang,
        lang.tf(
            key,
            &[("id", &plain(topup.id)), ("usd", &usd(topup.amount_usd))],
        ),
        Admin::Topups,
    )
}

// ----- orders ----------------------------------------------------------------------------

pub fn orders(lang: Lang, title_key: &str, orders: &[Order]) -> Screen {
    let mut text = lang.t(title_key);
    if orders.is_empty() {
        text.push('\n');
        text.push_str(&lang.t("staff-orders-empty"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = orders
        .iter()
        .map(|o| {
            vec![admin(
                format!(
                    "{} · {} · {} · {}",
                    o.id,
                    super::order_item(lang, o),
                    usd(o.total_usd),
                    lang.t(&format!("status-{}", o.status.name()))
                ),
                Admin::Order { id: o.id },
            )]
        })
        .collect();
    rows.push(vec![
        admin(lang.t("staff-button-manual_queue"), Admin::Orders),
        admin(lang.t("staff-button-awaiting"), Admin::AwaitingOrders),
    ]);
    rows.push(vec![admin(
        lang.t("staff-button-search"),
        Admin::OrderSearch,
    )]);
    rows.push(panel_row(lang));
    Screen::with(text, rows)
}

/// An order as staff see it. `viewer` is the staff member looking: on their own order the
/// decisions (confirm payment, complete, fail) are left to someone else, so those buttons are
/// not offered (the core refuses them too). `reused` is the earlier request whose proof of
/// payment this order repeats, if any (a warning line right under the title).
pub fn order(
    lang: Lang,
    zone: &Zone,
    order: &Order,
    buyer: Option<&User>,
    viewer: UserId,
    reused: Option<ProofUse>,
) -> Screen {
    let id = order.id;
    let own = order.user == viewer;
    let mut lines = vec![lang.tf("order-title", &[("id", &plain(id))])];
    lines.extend(reused.map(|earlier| proof_reused(lang, earlier)));
    lines.extend([
        lang.tf("staff-topup-user", &[("user", &who(buyer, order.user))]),
        lang.tf(
            "order-product",
            &[("name", &super::order_item(lang, order))],
        ),
        lang.tf(
            "order-status",
            &[(
                "status",
                &lang.t(&format!("status-{}", order.status.name())),
            )],
        ),
        lang.tf("order-total", &[("total", &usd(order.total_usd))]),
        lang.tf(
            "staff-order-fulfilment",
            &[(
                "fulfilment",
                &lang.t(match order.fulfilment {
                    shopcore::Fulfilment::Manual => "order_fulfilment-manual",
                    shopcore::Fulfilment::Codes => "order_fulfilment-codes",
                    shopcore::Fulfilment::Supplier => "order_fulfilment-supplier",
                }),
            )],
        ),
        lang.tf("order-created", &[("date", &date(zone, order.created_at))]),
    ]);
    if let Some(player) = &order.player_id {
        lines.push(lang.tf("order-player_id", &[("player_id", player)]));
    }
    if let Payment::Method {
        amount,
        currency,
        proof,
        ..
    } = &order.payment
    {
        lines.push(lang.tf(
            "order-paid_by_method",
            &[("amount", &format!("{amount} {currency}"))],
        ));
        if let Some(proof) = proof {
            lines.push(proof_text(lang, proof));
        }
    }
    if let Payment::Invoice {
        invoice,
        provider,
        amount,
        currency,
        ..
    } = &order.payment
    {
        lines.push(lang.tf(
            "order-paid_by_provider",
            &[
                ("provider", &super::provider_name(lang, *provider)),
                ("amount", &format!("{amount} {currency} ({invoice})")),
            ],
        ));
    }
    if order.holds_code() {
        lines.push(lang.t("staff-order-code_reserved"));
    }
    if let Some(delivery) = &order.delivery {
        lines.push(lang.tf("order-delivery", &[("delivery", delivery)]));
    }
    if let Some(reason) = &order.failure_reason {
        lines.push(lang.tf("order-failure", &[("reason", reason)]));
    }
    let mut rows = Vec::new();
    if own && order.status.is_open() {
        lines.push(lang.t("staff-order-own"));
    }
    if !own && order.status == shopcore::OrderStatus::AwaitingPayment {
        rows.push(vec![admin(
            lang.t("staff-button-confirm_payment"),
            Admin::OrderConfirmPayment { id },
        )]);
    }
    if !own
        && matches!(
            order.status,
            shopcore::OrderStatus::Paid | shopcore::OrderStatus::Processing
        )
    {
        let mut row = vec![admin(
            lang.t("staff-button-complete"),
            Admin::OrderComplete { id },
        )];
        if order.holds_code() {
            row.push(admin(
                lang.t("staff-button-deliver_code"),
                Admin::OrderCompleteCode { id },
            ));
        }
        rows.push(row);
    }
    if !own && order.status.is_open() {
        rows.push(vec![admin(
            lang.t("staff-button-fail"),
            Admin::OrderFail { id },
        )]);
    }
    rows.push(vec![admin(
        lang.t("staff-button-user"),
        Admin::User { id: order.user },
    )]);
    rows.push(back(lang, Admin::Orders));
    Screen::with(lines.join("\n"), rows)
}

pub fn order_done(lang: Lang, order: &Order) -> Screen {
    let key = match order.status {
        shopcore::OrderStatus::Completed => "staff-order-completed",
        shopcore::OrderStatus::Failed if order.refund_seq.is_some() => {
            "staff-order-failed_refunded"
        }
        shopcore::OrderStatus::Failed => "staff-order-failed",
        _ => "staff-order-payment_confirmed",
    };
    done(
        lang,
        lang.tf(
            key,
            &[("id", &plain(order.id)), ("total", &usd(order.total_usd))],
        ),
        Admin::Orders,
    )
}

// ----- users -----------------------------------------------------------------------------

pub fn user(
    lang: Lang,
    zone: &Zone,
    viewer: Role,
    user: &User,
    wallet: &Wallet,
    orders: &[Order],
) -> Screen {
    let id = user.id;
    let mut lines = vec![
        lang.tf("staff-user-title", &[("user", &who(Some(user), id))]),
        lang.tf("staff-user-role", &[("role", &role_name(lang, user.role))]),
        lang.tf("staff-user-balance", &[("balance", &usd(wallet.balance))]),
        lang.tf(
            "staff-user-since",
            &[
                ("date", &date(zone, user.created_at)),
                ("seen", &date(zone, user.last_active_at)),
            ],
        ),
    ];
    lines.push(match &user.ban {
        Some(ban) => lang.tf(
            "staff-user-banned",
            &[("reason", &ban.reason), ("date", &date(zone, ban.at))],
        ),
        None => lang.t("staff-user-not_banned"),
    });
    if !orders.is_empty() {
        lines.push(lang.t("staff-user-recent_orders"));
        for order in orders {
            lines.push(format!(
                "{} · {} · {} · {}",
                order.id,
                super::order_item(lang, order),
                usd(order.total_usd),
                lang.t(&format!("status-{}", order.status.name()))
            ));
        }
    }
    let mut rows = Vec::new();
    if can(viewer, Permission::ManageUsers) {
        rows.push(vec![
            if user.is_banned() {
                admin(lang.t("staff-button-unban"), Admin::UserUnban { id })
            } else {
                admin(lang.t("staff-button-ban"), Admin::UserBan { id })
            },
            admin(lang.t("staff-button-adjust"), Admin::UserAdjust { id }),
        ]);
    }
    let mut row = Vec::new();
    if can(viewer, Permission::ManageRoles) {
        row.push(admin(lang.t("staff-button-role"), Admin::UserRoles { id }));
    }
    if can(viewer, Permission::ManageOrders) {
        row.push(admin(
            lang.t("staff-button-orders"),
            Admin::UserOrders { id },
        ));
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows.push(vec![admin(
        lang.t("staff-button-find_user"),
        Admin::UserFind,
    )]);
    rows.push(panel_row(lang));
    Screen::with(lines.join("\n"), rows)
}

/// The roles a viewer may hand out (`can_grant_role`), each a button.
pub fn roles(lang: Lang, viewer: Role, user: &User) -> Screen {
    let id = user.id;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Role::ALL
        .into_iter()
        .filter(|r| *r != user.role && shopcore::roles::can_grant_role(viewer, *r))
        .map(|role| {
            vec![admin(
                role_name(lang, role),
                Admin::UserSetRole { id, role },
            )]
        })
        .collect();
    rows.push(back(lang, Admin::User { id }));
    Screen::with(
        lang.tf(
            "staff-user-choose_role",
            &[
                ("user", &who(Some(user), id)),
                ("role", &role_name(lang, user.role)),
            ],
        ),
        rows,
    )
}

// ----- coupons ---------------------------------------------------------------------------

fn coupon_kind_text(kind: &CouponKind) -> String {
    match kind {
        CouponKind::Percentage(p) => format!("{}%", p.normalize()),
        CouponKind::Fixed(m) => usd(*m),
    }
}

fn coupon_scope_text(lang: Lang, scope: &CouponScope) -> String {
    match scope {
        CouponScope::All => lang.t("staff-coupon-scope_all"),
        CouponScope::Product(id) => lang.tf("staff-coupon-scope_product", &[("id", &plain(id))]),
        CouponScope::Category(id) => lang.tf("staff-coupon-scope_category", &[("id", &plain(id))]),
    }
}

pub fn coupons(lang: Lang, coupons: &[Coupon]) -> Screen {
    let mut lines = vec![lang.t("staff-coupons-title")];
    if coupons.is_empty() {
        lines.push(lang.t("staff-coupons-empty"));
    }
    let mut rows = Vec::new();
    for c in coupons {
        lines.push(lang.tf(
            "staff-coupons-line",
            &[
                ("code", c.code.as_str()),
                ("discount", &coupon_kind_text(&c.kind)),
                ("uses", &c.uses.to_string()),
                ("max", &c.max_uses.to_string()),
                ("scope", &coupon_scope_text(lang, &c.scope)),
                (
                    "state",
                    &lang.t(if c.active {
                        "staff-coupon-active"
                    } else {
                        "staff-coupon-inactive"
                    }),
                ),
            ],
        ));
        let (label, active) = if c.active {
            ("staff-button-disable_coupon", false)
        } else {
            ("staff-button-enable_coupon", true)
        };
        rows.push(vec![admin(
            lang.tf(label, &[("code", c.code.as_str())]),
            Admin::CouponActive {
                code: c.code.clone(),
                active,
            },
        )]);
    }
    rows.push(vec![admin(
        lang.t("staff-button-new_coupon"),
        Admin::CouponNew,
    )]);
    rows.push(panel_row(lang));
    Screen::with(lines.join("\n"), rows)
}

// ----- statistics ------------------------------------------------------------------------

pub fn dashboard(lang: Lang, d: &Dashboard) -> Screen {
    let (y, m, day) = d.date;
    let mut lines = vec![
        lang.tf(
            "staff-stats-title",
            &[("date", &format!("{y:04}-{m:02}-{day:02}"))],
        ),
        lang.tf(
            "staff-stats-users",
            &[
                ("total", &d.users.total.to_string()),
                ("today", &d.users.new_today.to_string()),
                ("active", &d.users.active_7d.to_string()),
                ("banned", &d.users.banned.to_string()),
            ],
        ),
        lang.tf(
            "staff-stats-orders",
            &[
                ("total", &d.orders.total.to_string()),
                ("today", &d.orders.today.to_string()),
                ("week", &d.orders.this_week.to_string()),
            ],
        ),
    ];
    let by_status: Vec<String> = d
        .orders
        .by_status
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", lang.t(&format!("status-{}", s.name()))))
        .collect();
    if !by_status.is_empty() {
        lines.push(by_status.join(" · "));
    }
    lines.push(match d.orders.success_rate_percent {
        Some(rate) => lang.tf("staff-stats-success", &[("rate", &format!("{rate}%"))]),
        None => lang.tf("staff-stats-success", &[("rate", "—")]),
    });
    lines.push(lang.tf(
        "staff-stats-revenue",
        &[
            ("total", &usd(d.revenue.total)),
            ("today", &usd(d.revenue.today)),
            ("week", &usd(d.revenue.this_week)),
            ("month", &usd(d.revenue.this_month)),
            ("average", &usd(d.revenue.average_order_value)),
        ],
    ));
    lines.push(lang.tf(
        "staff-stats-topups",
        &[
            ("count", &d.topups.count.to_string()),
            ("total", &usd(d.topups.total)),
            ("today", &d.topups.today_count.to_string()),
        ],
    ));
    let routes: Vec<String> = d
        .routes
        .iter()
        .filter(|(_, s)| s.completed > 0 || s.credits > 0)
        .map(|(route, s)| {
            lang.tf(
                "staff-stats-route",
                &[
                    ("route", &lang.t(&format!("route-{}", route.name()))),
                    ("orders", &s.completed.to_string()),
                    ("revenue", &usd(s.revenue_usd)),
                    ("credited", &usd(s.credits_usd)),
                ],
            )
        })
        .collect();
    if !routes.is_empty() {
        lines.push(lang.t("staff-stats-routes"));
        lines.extend(routes);
    }
    if !d.best_by_revenue.is_empty() {
        lines.push(lang.t("staff-stats-best"));
        for (rank, best) in d.best_by_revenue.iter().enumerate() {
            lines.push(format!(
                "{}. {} · {} · {}",
                rank + 1,
                best.name,
                best.units,
                usd(best.revenue)
            ));
        }
    }
    Screen::with(lines.join("\n"), vec![panel_row(lang)])
}

pub fn chart_caption(lang: Lang, days: usize) -> String {
    lang.tf("staff-stats-chart", &[("days", &days.to_string())])
}

// ----- the audit log ---------------------------------------------------------------------

fn actor_text(actor: &ActorRef) -> String {
    match actor {
        ActorRef::User(id) => id.to_string(),
        ActorRef::System(name) => format!("system:{name}"),
    }
}

fn target_text(lang: Lang, target: &Target) -> String {
    let (key, id) = match target {
        Target::None => return "—".to_owned(),
        Target::Settings => return lang.t("staff-target-settings"),
        Target::User(id) => ("staff-target-user", plain(id)),
        Target::Currency(code) => ("staff-target-currency", code.to_string()),
        Target::Category(id) => ("staff-target-category", plain(id)),
        Target::Product(id) => ("staff-target-product", plain(id)),
        Target::PaymentMethod(id) => ("staff-target-method", plain(id)),
        Target::Topup(id) => ("staff-target-topup", plain(id)),
        Target::Order(id) => ("staff-target-order", plain(id)),
        Target::Coupon(code) => ("staff-target-coupon", code.to_string()),
        Target::Broadcast(id) => ("staff-target-broadcast", plain(id)),
        Target::Invoice(id) => ("staff-target-invoice", plain(id)),
        _ => return "?".to_owned(),
    };
    lang.tf(key, &[("id", &id)])
}

fn outcome_text(lang: Lang, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done => "✅".to_owned(),
        Outcome::Denied { .. } => lang.t("staff-audit-denied"),
        Outcome::Failed { .. } => lang.t("staff-audit-failed"),
    }
}

fn filter_text(lang: Lang, filter: &AuditFilter) -> String {
    match filter {
        AuditFilter::All => lang.t("staff-audit-all"),
        AuditFilter::Action(action) => action.name().to_owned(),
        AuditFilter::User(id) => lang.tf("staff-target-user", &[("id", &plain(id))]),
    }
}

pub fn audit(
    lang: Lang,
    zone: &Zone,
    entries: &[AuditEntry],
    page: u32,
    has_next: bool,
    filter: &AuditFilter,
) -> Screen {
    let mut lines = vec![lang.tf(
        "staff-audit-title",
        &[
            ("page", &(u64::from(page) + 1).to_string()),
            ("filter", &filter_text(lang, filter)),
        ],
    )];
    if entries.is_empty() {
        lines.push(lang.t("staff-audit-empty"));
    }
    for e in entries {
        lines.push(format!(
            "#{} {} · {} · {} · {} {}",
            e.seq,
            date(zone, e.at),
            actor_text(&e.actor),
            e.action.name(),
            target_text(lang, &e.target),
            outcome_text(lang, &e.outcome)
        ));
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(admin(
            lang.t("button-previous"),
            Admin::Audit {
                page: page - 1,
                filter: filter.clone(),
            },
        ));
    }
    if has_next {
        nav.push(admin(
            lang.t("button-next"),
            Admin::Audit {
                page: page.saturating_add(1),
                filter: filter.clone(),
            },
        ));
    }
    let mut rows = Vec::new();
    if !nav.is_empty() {
        rows.push(nav);
    }
    let mut row = vec![admin(lang.t("staff-button-filter"), Admin::AuditFilterAsk)];
    if *filter != AuditFilter::All {
        row.push(admin(
            lang.t("staff-audit-all"),
            Admin::Audit {
                page: 0,
                filter: AuditFilter::All,
            },
        ));
    }
    rows.push(row);
    rows.push(panel_row(lang));
    Screen::with(lines.join("\n"), rows)
}

// ----- settings --------------------------------------------------------------------------

pub fn settings(lang: Lang, role: Role, settings: &Settings) -> Screen {
    let mut lines = vec![
        lang.t("staff-settings-title"),
        lang.tf(
            "staff-panel-state",
            &[("state", &state_name(lang, settings.state))],
        ),
    ];
    if let Some(reason) = &settings.state_reason {
        lines.push(lang.tf("notice-reason", &[("reason", reason)]));
    }
    lines.push(lang.tf(
        "staff-settings-fulfilment",
        &[("mode", &fulfilment_name(lang, settings.fulfilment))],
    ));
    lines.push(lang.tf(
        "staff-settings-support",
        &[(
            "contact",
            settings.support_contact.as_deref().unwrap_or("—"),
        )],
    ));
    lines.push(lang.tf(
        "staff-settings-time_zone",
        &[("zone", settings.time_zone.name())],
    ));
    let manage = can(role, Permission::ManageSettings);
    let emergency = can(role, Permission::EmergencyStop);
    let mut rows = Vec::new();
    if manage {
        rows.push(
            [FulfilmentMode::Manual, FulfilmentMode::Auto]
                .into_iter()
                .filter(|m| *m != settings.fulfilment)
                .map(|mode| {
                    admin(
                        lang.tf(
                            "staff-button-fulfilment",
                            &[("mode", &fulfilment_name(lang, mode))],
                        ),
                        Admin::Fulfilment { mode },
                    )
                })
                .collect(),
        );
    }
    let mut states = Vec::new();
    for state in [
        StoreState::Open,
        StoreState::Maintenance,
        StoreState::Emergency,
    ] {
        if state == settings.state {
            continue;
        }
        // Leaving or entering an emergency needs `emergency_stop`; open ⇄ maintenance needs
        // `manage_settings` (the same rule the core applies).
        let allowed = if state == StoreState::Emergency || settings.state == StoreState::Emergency {
            emergency
        } else {
            manage
        };
        if allowed {
            states.push(admin(
                lang.tf(
                    "staff-button-store_state",
                    &[("state", &state_name(lang, state))],
                ),
                Admin::StoreState { state },
            ));
        }
    }
    if !states.is_empty() {
        rows.push(states);
    }
    if manage {
        rows.push(vec![
            admin(lang.t("staff-button-currencies"), Admin::Currencies),
            admin(lang.t("staff-button-support"), Admin::SupportContact),
        ]);
        rows.push(vec![admin(
            lang.t("staff-button-time_zone"),
            Admin::TimeZone,
        )]);
    }
    rows.push(panel_row(lang));
    Screen::with(lines.join("\n"), rows)
}

pub fn confirm_emergency(lang: Lang) -> Screen {
    Screen::with(
        lang.t("staff-settings-emergency_confirm"),
        vec![
            vec![admin(
                lang.t("staff-button-yes_emergency"),
                Admin::EmergencyYes,
            )],
            back(lang, Admin::Settings),
        ],
    )
}

pub fn currencies(lang: Lang, currencies: &[Currency]) -> Screen {
    let mut lines = vec![lang.t("staff-currencies-title")];
    let mut rows = Vec::new();
    for c in currencies {
        lines.push(lang.tf(
            "staff-currencies-line",
            &[
                ("code", c.code.as_str()),
                ("symbol", &c.symbol),
                ("rate", &c.units_per_usd.to_string()),
                ("state", &yes_no(lang, c.enabled)),
            ],
        ));
        if c.code.as_str() == "USD" {
            continue;
        }
        rows.push(vec![
            admin(
                lang.tf("staff-button-rate", &[("code", c.code.as_str())]),
                Admin::CurrencyRate {
                    code: c.code.clone(),
                },
            ),
            admin(
                lang.tf(
                    if c.enabled {
                        "staff-button-disable_currency"
                    } else {
                        "staff-button-enable_currency"
                    },
                    &[("code", c.code.as_str())],
                ),
                Admin::CurrencyEnabled {
                    code: c.code.clone(),
                    enabled: !c.enabled,
                },
            ),
        ]);
    }
    rows.push(vec![admin(
        lang.t("staff-button-add_currency"),
        Admin::CurrencyAdd,
    )]);
    rows.push(back(lang, Admin::Settings));
    Screen::with(lines.join("\n"), rows)
}

pub fn photo_prompt(lang: Lang, product: &Product, has_photo: bool) -> Screen {
    let text = lang.tf("staff-photo-prompt", &[("name", &product.name)]);
    let mut rows = Vec::new();
    if has_photo {
        rows.push(vec![admin(
            lang.t("staff-button-remove_photo"),
            Admin::ProductPhotoRemove { id: product.id },
        )]);
    }
    rows.push(cancel_row(lang));
    Screen::with(text, rows)
}

pub fn time_zone_prompt(lang: Lang, current: &str) -> Screen {
    let text = format!(
        "{}\n{}",
        lang.t("staff-settings-time_zone_prompt"),
        lang.tf("staff-current", &[("value", current)])
    );
    Screen::with(text, vec![cancel_row(lang)])
}

pub fn support_prompt(lang: Lang, current: Option<&str>) -> Screen {
    let mut text = lang.t("staff-settings-support_prompt");
    if let Some(current) = current {
        text.push('\n');
        text.push_str(&lang.tf("staff-current", &[("value", current)]));
    }
    Screen::with(
        text,
        vec![
            vec![admin(
                lang.t("staff-button-clear_support"),
                Admin::SupportContactClear,
            )],
            cancel_row(lang),
        ],
    )
}

// ----- notifications to the staff chat ---------------------------------------------------

/// The staff chat's message for a staff notification; `None` for shopper notifications.
/// A staff-chat notice; `reused` is the earlier request whose proof the waiting one
/// repeats (`Shop::proof_reused_for_notification`), shown as a warning line.
pub fn staff_notification(
    lang: Lang,
    notification: &Notification,
    topup: Option<&Topup>,
    order: Option<&Order>,
    reused: Option<ProofUse>,
    person: Option<&User>,
) -> Option<Screen> {
    let person = who(person, notification.user);
    let warn = |text: String| match reused {
        Some(earlier) => format!("{text}\n{}", proof_reused(lang, earlier)),
        None => text,
    };
    match &notification.kind {
        NotificationKind::StaffTopupWaiting { topup: id } => {
            let amount = topup.map_or_else(
                || "?".to_owned(),
                |t| {
                    if super::needs_usd(&t.currency) {
                        lang.tf(
                            "money-local_and_usd",
                            &[
                                ("local", &super::money_in(t.amount, &t.currency)),
                                ("usd", &format!("≈ {}", usd(t.amount_usd))),
                            ],
                        )
                    } else {
                        usd(t.amount)
                    }
                },
            );
            Some(Screen::with(
                warn(lang.tf(
                    "staff-notify-topup",
                    &[("id", &plain(id)), ("user", &person), ("amount", &amount)],
                )),
                vec![vec![admin(
                    lang.t("staff-button-review"),
                    Admin::Topup { id: *id },
                )]],
            ))
        }
        NotificationKind::StaffOrderWaiting { order: id } => {
            let product = order.map_or_else(|| "?".to_owned(), |o| super::order_item(lang, o));
            let total = order.map_or_else(|| "?".to_owned(), |o| usd(o.total_usd));
            Some(Screen::with(
                warn(lang.tf(
                    "staff-notify-order",
                    &[
                        ("id", &plain(id)),
                        ("user", &person),
                        ("product", &product),
                        ("total", &total),
                    ],
                )),
                vec![vec![admin(
                    lang.t("staff-button-open_order"),
                    Admin::Order { id: *id },
                )]],
            ))
        }
        NotificationKind::StaffInvoiceProblem { invoice, problem } => {
            let args = [("id", plain(invoice)), ("user", person.clone())];
            let text = match problem {
                shopcore::InvoiceProblem::LatePayment => lang.tf(
                    "staff-notify-invoice_late",
                    &[("id", &args[0].1), ("user", &args[1].1)],
                ),
                shopcore::InvoiceProblem::Refused { reason } => lang.tf(
                    "staff-notify-invoice_refused",
                    &[("id", &args[0].1), ("user", &args[1].1), ("reason", reason)],
                ),
                shopcore::InvoiceProblem::RefundRefused { reason } => lang.tf(
                    "staff-notify-invoice_refund_refused",
                    &[("id", &args[0].1), ("user", &args[1].1), ("reason", reason)],
                ),
            };
            // The payer's card: their balance and ledger, to settle or adjust by hand.
            Some(Screen::with(
                text,
                vec![vec![admin(
                    lang.t("staff-button-user"),
                    Admin::User {
                        id: notification.user,
                    },
                )]],
            ))
        }
        _ => None,
    }
}

// ----- errors ----------------------------------------------------------------------------

fn amount_error(lang: Lang, source: &shopcore::AmountError) -> String {
    use shopcore::AmountError;
    let key = crate::i18n::error_key(source.kind());
    match source {
        AmountError::TooLarge { max } => lang.tf(&key, &[("max", &max.to_string())]),
        AmountError::TooSmall { min } => lang.tf(&key, &[("min", &min.to_string())]),
        AmountError::TooManyDecimals { decimals_max } => {
            lang.tf(&key, &[("decimals", &decimals_max.to_string())])
        }
        _ => lang.t(&key),
    }
}

/// Core errors as staff see them: the details a staff member needs (who holds a method, what
/// state an order is already in) are filled in; everything else is the shopper's wording
/// ([`super::failure`]), which already covers the common cases.
pub fn failure(lang: Lang, failure: &crate::core::Failure, settings: &Settings) -> String {
    use shopcore::{
        CatalogError, CouponError, CurrencyError, Denied, Error, OrderError, PaymentMethodError,
        WalletError,
    };
    let crate::core::Failure::Core(error) = failure else {
        return super::failure(lang, failure, settings);
    };
    let key = crate::i18n::error_key(error.kind());
    match error {
        Error::Denied(Denied::MissingPermission { permission, .. }) => {
            lang.tf(&key, &[("permission", permission.name())])
        }
        Error::Wallet(WalletError::AlreadyDecided { status, .. }) => lang.tf(
            &key,
            &[(
                "status",
                &lang.t(&format!("topup_status-{}", status.name())),
            )],
        ),
        Error::Wallet(WalletError::ProofReused { earlier }) => {
            lang.tf(&key, &[("warning", &proof_reused(lang, *earlier))])
        }
        Error::Order(OrderError::BadTransition { from, .. }) => lang.tf(
            "staff-error-bad_transition",
            &[("status", &lang.t(&format!("status-{}", from.name())))],
        ),
        Error::PaymentMethod(PaymentMethodError::InUse { pending, .. }) => {
            lang.tf(&key, &[("count", &pending.to_string())])
        }
        Error::PaymentMethod(PaymentMethodError::BadLimit { source, .. })
        | Error::Catalog(CatalogError::BadPrice { source })
        | Error::Coupon(CouponError::BadAmount { source })
        | Error::Currency(CurrencyError::BadRate { source }) => amount_error(lang, source),
        Error::Catalog(CatalogError::CategoryNotEmpty { products, .. }) => {
            lang.tf(&key, &[("count", &products.to_string())])
        }
        Error::Catalog(CatalogError::CodesInPool { codes, .. }) => {
            lang.tf(&key, &[("count", &codes.to_string())])
        }
        Error::Catalog(CatalogError::DuplicateCodes { count }) => {
            lang.tf(&key, &[("count", &count.to_string())])
        }
        Error::Catalog(CatalogError::BadCode { line, .. }) => {
            lang.tf(&key, &[("line", &line.to_string())])
        }
        Error::Catalog(CatalogError::TooManyCodes { count }) => lang.tf(
            &key,
            &[
                ("count", &count.to_string()),
                ("max", &shopcore::catalog::CODES_PER_UPLOAD_MAX.to_string()),
            ],
        ),
        Error::Catalog(CatalogError::BadOrderLimit { .. }) => lang.tf(
            &key,
            &[("max", &shopcore::catalog::ORDER_QUANTITY_MAX.to_string())],
        ),
        Error::Currency(CurrencyError::InUse { methods, .. }) => {
            lang.tf(&key, &[("count", &methods.to_string())])
        }
        _ if lang.has(&key) && STAFF_ERROR_KINDS.contains(&error.kind()) => lang.t(&key),
        _ => super::failure(lang, failure, settings),
    }
}

/// Error kinds staff can meet beyond the shopper's, each with its own message (a test
/// checks the keys exist in both languages).
pub const STAFF_ERROR_KINDS: &[&str] = &[
    "denied.missing_permission",
    "denied.cannot_manage",
    "denied.cannot_grant",
    "denied.self_action",
    "wallet.already_decided",
    "wallet.proof_reused",
    "order.delivery_required",
    "payment_method.in_use",
    "payment_method.min_above_max",
    "catalog.category_not_empty",
    "catalog.product_archived",
    "catalog.stock_too_large",
    "catalog.stock_from_codes",
    "catalog.not_a_codes_product",
    "catalog.codes_in_pool",
    "catalog.bad_code",
    "catalog.no_codes",
    "catalog.too_many_codes",
    "catalog.bad_order_limit",
    "catalog.pool_full",
    "catalog.duplicate_codes",
    "catalog.bad_player_rule",
    "user.not_found",
    "user.already_banned",
    "user.not_banned",
    "user.role_unchanged",
    "user.last_super_admin",
    "coupon.already_exists",
    "coupon.bad_percentage",
    "coupon.bad_uses",
    "currency.already_exists",
    "currency.base_fixed",
    "currency.bad_decimals",
    "currency.in_use",
    "invalid.unchanged",
    "invalid.username",
    "invalid.user_id",
    "invalid.currency_code",
    "invalid.unknown_name",
];
