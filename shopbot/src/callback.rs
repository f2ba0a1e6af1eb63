//! Typed callback data for inline buttons: one enum, a compact text encoding with a version
//! prefix that always fits Telegram's 64-byte limit, and a parser that returns `Result`, so a
//! stale or tampered button is recognised instead of misread.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use shopcore::{
    AuditAction, CategoryId, CouponCode, CurrencyCode, FulfilmentMode, OrderId, PaymentMethodId,
    ProductId, ProductKind, Provider, Role, StoreState, TopupId, UserId,
};
use std::fmt::Write as _;

/// Telegram's limit on `callback_data`, in bytes.
pub const CALLBACK_DATA_BYTES_MAX: usize = 64;

/// The encoding version. Bump it when the meaning of an encoding changes: buttons from the
/// old version are then refused as stale rather than misread.
pub const VERSION: &str = "1";

/// Everything a button can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    /// The main menu.
    Menu,
    /// The list of categories.
    Shop,
    /// One page (0-based) of a category's products.
    Category { id: CategoryId, page: u32 },
    /// A product card.
    Product { id: ProductId },
    /// Start buying a product.
    Buy { id: ProductId },
    /// Buy this many units of the product being bought.
    Quantity { units: u32 },
    /// Continue without a coupon.
    SkipCoupon,
    /// Pay from the wallet balance.
    PayBalance,
    /// Pay through a payment method.
    PayMethod { id: PaymentMethodId },
    /// Place the order shown on the summary with this nonce.
    Confirm { nonce: u32 },
    /// Abandon the conversation in progress (purchase or top-up).
    CancelFlow,
    /// The wallet screen.
    Wallet,
    /// Choose a method to top up with.
    Topup,
    /// Top up through this method.
    TopupMethod { id: PaymentMethodId },
    /// Top up through a payment provider's invoice.
    TopupProvider { provider: Provider },
    /// Pay the order being placed through a payment provider's invoice.
    PayProvider { provider: Provider },
    /// Wallet history, entries older than `before` (a ledger sequence number).
    History { before: Option<u64> },
    /// My orders, older than `before`.
    Orders { before: Option<OrderId> },
    /// One order's details.
    Order { id: OrderId },
    /// Ask to cancel an order (shows a confirmation).
    CancelOrder { id: OrderId },
    /// Cancel the order for real.
    CancelOrderYes { id: OrderId },
    /// The settings screen.
    Settings,
    /// Switch the language.
    Language { lang: Lang },
    /// The list of currencies.
    Currencies,
    /// Show prices in this currency.
    SetCurrency { code: CurrencyCode },
    /// Help and the support contact.
    Help,
    /// Mute (or unmute) the shop's broadcasts.
    MuteBroadcasts { muted: bool },
    /// Search the products (asks what for).
    Search,
    /// The shopper's referral link and what it brought.
    Referrals,
    /// A button of the staff panel (encoded with the tag prefix `A`).
    Admin(Admin),
}

/// Why callback data was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callback data is {bytes} bytes; the limit is {CALLBACK_DATA_BYTES_MAX}")]
    TooLong { bytes: usize },
    #[error("callback data has version {found:?}, not {VERSION:?}")]
    Version { found: String },
    #[error("unknown callback tag {tag:?}")]
    UnknownTag { tag: String },
    #[error("malformed callback data {data:?}")]
    Malformed { data: String },
}

impl Callback {
    /// The compact text form: `VERSION`, a tag, then `:`-separated fields.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(CALLBACK_DATA_BYTES_MAX);
        out.push_str(VERSION);
        // `write!` into a String cannot fail.
        let _ = match self {
            Callback::Menu => write!(out, "m"),
            Callback::Shop => write!(out, "s"),
            Callback::Category { id, page } => write!(out, "c:{}:{page}", id.get()),
            Callback::Product { id } => write!(out, "p:{}", id.get()),
            Callback::Buy { id } => write!(out, "b:{}", id.get()),
            Callback::Quantity { units } => write!(out, "q:{units}"),
            Callback::SkipCoupon => write!(out, "k"),
            Callback::PayBalance => write!(out, "pb"),
            Callback::PayMethod { id } => write!(out, "pm:{}", id.get()),
            Callback::Confirm { nonce } => write!(out, "y:{nonce}"),
            Callback::CancelFlow => write!(out, "x"),
            Callback::Wallet => write!(out, "w"),
            Callback::Topup => write!(out, "t"),
            Callback::TopupMethod { id } => write!(out, "tm:{}", id.get()),
            Callback::TopupProvider { provider } => write!(out, "tp:{}", provider.name()),
            Callback::PayProvider { provider } => write!(out, "pp:{}", provider.name()),
            Callback::History { before: None } => write!(out, "h"),
            Callback::History { before: Some(seq) } => write!(out, "h:{seq}"),
            Callback::Orders { before: None } => write!(out, "o"),
            Callback::Orders { before: Some(id) } => write!(out, "o:{}", id.get()),
            Callback::Order { id } => write!(out, "od:{}", id.get()),
            Callback::CancelOrder { id } => write!(out, "oc:{}", id.get()),
            Callback::CancelOrderYes { id } => write!(out, "oy:{}", id.get()),
            Callback::Settings => write!(out, "g"),
            Callback::Language { lang } => write!(out, "l:{}", lang.code()),
            Callback::Currencies => write!(out, "cu"),
            Callback::SetCurrency { code } => write!(out, "cs:{}", code.as_str()),
            Callback::Help => write!(out, "?"),
            Callback::MuteBroadcasts { muted } => write!(out, "mb:{}", u8::from(*muted)),
            Callback::Search => write!(out, "sr"),
            Callback::Referrals => write!(out, "rf"),
            Callback::Admin(admin) => {
                out.push('A');
                admin.write(&mut out);
                Ok(())
            }
        };
        debug_assert!(
            out.len() <= CALLBACK_DATA_BYTES_MAX,
            "callback data too long"
        );
        out
    }

    /// Parses what [`Callback::encode`] produced; anything else is an error.
    pub fn parse(data: &str) -> Result<Callback, CallbackError> {
        if data.len() > CALLBACK_DATA_BYTES_MAX {
            return Err(CallbackError::TooLong { bytes: data.len() });
        }
        let malformed = || CallbackError::Malformed {
            data: data.chars().take(CALLBACK_DATA_BYTES_MAX).collect(),
        };
        let Some(body) = data.strip_prefix(VERSION) else {
            return Err(CallbackError::Version {
                found: data.chars().take(1).collect(),
            });
        };
        if let Some(admin) = body.strip_prefix('A') {
            return Admin::parse(admin)
                .ok_or_else(malformed)
                .map(Callback::Admin);
        }
        let mut parts = body.split(':');
        let tag = parts.next().unwrap_or_default();
        let fields: Vec<&str> = parts.collect();
        let number = |i: usize| -> Result<u64, CallbackError> {
            let text = fields.get(i).ok_or_else(malformed)?;
            // Only canonical decimal numbers: no signs, no leading zeros, no padding.
            if text.is_empty()
                || !text.bytes().all(|b| b.is_ascii_digit())
                || (text.len() > 1 && text.starts_with('0'))
            {
                return Err(malformed());
            }
            text.parse().map_err(|_| malformed())
        };
        let arity = |n: usize| -> Result<(), CallbackError> {
            if fields.len() == n {
                Ok(())
            } else {
                Err(malformed())
            }
        };
        let callback = match tag {
            "m" => arity(0).map(|()| Callback::Menu)?,
            "s" => arity(0).map(|()| Callback::Shop)?,
            "c" => {
                arity(2)?;
                Callback::Category {
                    id: CategoryId::new(number(0)?).map_err(|_| malformed())?,
                    page: u32::try_from(number(1)?).map_err(|_| malformed())?,
                }
            }
            "p" => {
                arity(1)?;
                Callback::Product {
                    id: ProductId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "b" => {
                arity(1)?;
                Callback::Buy {
                    id: ProductId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "q" => {
                arity(1)?;
                Callback::Quantity {
                    units: u32::try_from(number(0)?).map_err(|_| malformed())?,
                }
            }
            "k" => arity(0).map(|()| Callback::SkipCoupon)?,
            "pb" => arity(0).map(|()| Callback::PayBalance)?,
            "pm" => {
                arity(1)?;
                Callback::PayMethod {
                    id: PaymentMethodId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "y" => {
                arity(1)?;
                Callback::Confirm {
                    nonce: u32::try_from(number(0)?).map_err(|_| malformed())?,
                }
            }
            "x" => arity(0).map(|()| Callback::CancelFlow)?,
            "w" => arity(0).map(|()| Callback::Wallet)?,
            "t" => arity(0).map(|()| Callback::Topup)?,
            "tm" => {
                arity(1)?;
                Callback::TopupMethod {
                    id: PaymentMethodId::new(number(0)?).map_err(|_| malformed())?,
                }
            }
            "tp" | "pp" => {
                arity(1)?;
                let provider = fields
                    .first()
                    .and_then(|name| Provider::parse(name))
                    .ok_or_else(malformed)?;
                if tag == "tp" {
                    Callback::TopupProvider { provider }
                } else {
                    Callback::PayProvider { provider }
                }
            }
            "h" if fields.is_empty() => Callback::History { before: None },
            "h" => {
                arity(1)?;
                Callback::History {
                    before: Some(number(0)?),
                }
            }
            "o" if fields.is_empty() => Callback::Orders { before: None },
            "o" => {
                arity(1)?;
                Callback::Orders {
                    before: Some(OrderId::new(number(0)?).map_err(|_| malformed())?),
                }
            }
            "od" | "oc" | "oy" => {
                arity(1)?;
                let id = OrderId::new(number(0)?).map_err(|_| malformed())?;
                match tag {
                    "od" => Callback::Order { id },
                    "oc" => Callback::CancelOrder { id },
                    _ => Callback::CancelOrderYes { id },
                }
            }
            "g" => arity(0).map(|()| Callback::Settings)?,
            "l" => {
                arity(1)?;
                let lang = Lang::parse(fields[0]).ok_or_else(malformed)?;
                Callback::Language { lang }
            }
            "cu" => arity(0).map(|()| Callback::Currencies)?,
            "cs" => {
                arity(1)?;
                let code = CurrencyCode::parse(fields[0]).map_err(|_| malformed())?;
                // Only the canonical (upper-case) spelling.
                if code.as_str() != fields[0] {
                    return Err(malformed());
                }
                Callback::SetCurrency { code }
            }
            "?" => arity(0).map(|()| Callback::Help)?,
            "sr" => arity(0).map(|()| Callback::Search)?,
            "rf" => arity(0).map(|()| Callback::Referrals)?,
            "mb" => {
                arity(1)?;
                match number(0)? {
                    0 => Callback::MuteBroadcasts { muted: false },
                    1 => Callback::MuteBroadcasts { muted: true },
                    _ => return Err(malformed()),
                }
            }
            other => {
                return Err(CallbackError::UnknownTag {
                    tag: other.chars().take(8).collect(),
                });
            }
        };
        Ok(callback)
    }
}

/// Which product field an edit button is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductField {
    Name,
    Description,
    Price,
    Kind,
    Category,
    Delivery,
    Stock,
    PlayerRule,
    /// The supplier's SKU (asked when the delivery becomes "supplier").
    Sku,
    /// How many units one order may buy.
    PerOrder,
}

impl ProductField {
    pub const ALL: [ProductField; 10] = [
        ProductField::Name,
        ProductField::Description,
        ProductField::Price,
        ProductField::Kind,
        ProductField::Category,
        ProductField::Delivery,
        ProductField::Stock,
        ProductField::PlayerRule,
        ProductField::Sku,
        ProductField::PerOrder,
    ];

    fn code(self) -> &'static str {
        match self {
            ProductField::Name => "n",
            ProductField::Description => "d",
            ProductField::Price => "p",
            ProductField::Kind => "k",
            ProductField::Category => "c",
            ProductField::Delivery => "v",
            ProductField::Stock => "s",
            ProductField::PlayerRule => "r",
            ProductField::Sku => "u",
            ProductField::PerOrder => "q",
        }
    }

    /// The name used in locale keys (`staff.field.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            ProductField::Name => "name",
            ProductField::Description => "description",
            ProductField::Price => "price",
            ProductField::Kind => "kind",
            ProductField::Category => "category",
            ProductField::Delivery => "delivery",
            ProductField::Stock => "stock",
            ProductField::PlayerRule => "player_rule",
            ProductField::Sku => "sku",
            ProductField::PerOrder => "per_order",
        }
    }
}

/// How a product is delivered, as chosen on a button (a supplier's SKU is typed after).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryChoice {
    Manual,
    Codes,
    Supplier,
}

impl DeliveryChoice {
    pub const ALL: [DeliveryChoice; 3] = [
        DeliveryChoice::Manual,
        DeliveryChoice::Codes,
        DeliveryChoice::Supplier,
    ];

    fn code(self) -> &'static str {
        match self {
            DeliveryChoice::Manual => "m",
            DeliveryChoice::Codes => "c",
            DeliveryChoice::Supplier => "s",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DeliveryChoice::Manual => "manual",
            DeliveryChoice::Codes => "codes",
            DeliveryChoice::Supplier => "supplier",
        }
    }
}

/// Which payment-method field an edit button is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MethodField {
    Name,
    Instructions,
    Limits,
}

impl MethodField {
    pub const ALL: [MethodField; 3] = [
        MethodField::Name,
        MethodField::Instructions,
        MethodField::Limits,
    ];

    fn code(self) -> &'static str {
        match self {
            MethodField::Name => "n",
            MethodField::Instructions => "i",
            MethodField::Limits => "l",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MethodField::Name => "name",
            MethodField::Instructions => "instructions",
            MethodField::Limits => "limits",
        }
    }
}

/// What the audit log screen is filtered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditFilter {
    All,
    Action(AuditAction),
    User(UserId),
}

/// The staff panel's buttons. Each one only asks; the shop decides whether the person
/// tapping may do it (a crafted button from someone without the right is refused and
/// audited by the core).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admin {
    /// The panel's home screen.
    Panel,
    /// Abandon the staff conversation in progress.
    Cancel,
    /// Skip an optional step of a staff conversation.
    Skip,
    // ----- products
    /// The staff product list, from a page token (`ProductCursor::to_token`).
    Products {
        page: Option<String>,
    },
    Product {
        id: ProductId,
    },
    ProductNew,
    ProductEdit {
        id: ProductId,
        field: ProductField,
    },
    ProductSetKind {
        id: ProductId,
        kind: ProductKind,
    },
    ProductSetCategory {
        id: ProductId,
        category: CategoryId,
    },
    ProductSetDelivery {
        id: ProductId,
        delivery: DeliveryChoice,
    },
    ProductActive {
        id: ProductId,
        active: bool,
    },
    ProductDelete {
        id: ProductId,
    },
    ProductDeleteYes {
        id: ProductId,
    },
    ProductCodes {
        id: ProductId,
    },
    ProductRevokeCodes {
        id: ProductId,
    },
    ProductRevokeCodesYes {
        id: ProductId,
    },
    /// Choices inside the guided product and method creation.
    DraftCategory {
        id: CategoryId,
    },
    DraftKind {
        kind: ProductKind,
    },
    DraftDelivery {
        delivery: DeliveryChoice,
    },
    DraftUnlimited,
    DraftCurrency {
        code: CurrencyCode,
    },
    // ----- categories
    Categories,
    Category {
        id: CategoryId,
    },
    CategoryNew,
    CategoryRename {
        id: CategoryId,
    },
    CategoryActive {
        id: CategoryId,
        active: bool,
    },
    CategoryDelete {
        id: CategoryId,
    },
    CategoryDeleteYes {
        id: CategoryId,
    },
    // ----- payment methods
    Methods {
        all: bool,
    },
    Method {
        id: PaymentMethodId,
    },
    MethodNew,
    MethodEdit {
        id: PaymentMethodId,
        field: MethodField,
    },
    MethodActive {
        id: PaymentMethodId,
        active: bool,
    },
    MethodDelete {
        id: PaymentMethodId,
    },
    MethodDeleteYes {
        id: PaymentMethodId,
    },
    // ----- top-ups
    Topups,
    Topup {
        id: TopupId,
    },
    TopupApprove {
        id: TopupId,
    },
    TopupReject {
        id: TopupId,
    },
    /// Approve a top-up whose proof repeats an earlier request's, after the warning.
    TopupApproveReused {
        id: TopupId,
    },
    // ----- orders
    /// Paid orders waiting for a person.
    Orders,
    /// Orders waiting for their outside payment to be confirmed.
    AwaitingOrders,
    Order {
        id: OrderId,
    },
    OrderComplete {
        id: OrderId,
    },
    /// Complete a code order with its reserved code.
    OrderCompleteCode {
        id: OrderId,
    },
    OrderFail {
        id: OrderId,
    },
    OrderConfirmPayment {
        id: OrderId,
    },
    /// Confirm the payment of an order whose proof repeats an earlier request's, after the
    /// warning.
    OrderConfirmReused {
        id: OrderId,
    },
    OrderSearch,
    // ----- users
    UserFind,
    User {
        id: UserId,
    },
    UserOrders {
        id: UserId,
    },
    UserBan {
        id: UserId,
    },
    UserUnban {
        id: UserId,
    },
    UserAdjust {
        id: UserId,
    },
    UserRoles {
        id: UserId,
    },
    UserSetRole {
        id: UserId,
        role: Role,
    },
    // ----- coupons
    Coupons,
    CouponNew,
    CouponActive {
        code: CouponCode,
        active: bool,
    },
    // ----- reports
    Stats,
    Audit {
        page: u32,
        filter: AuditFilter,
    },
    AuditFilterAsk,
    // ----- settings
    Settings,
    Fulfilment {
        mode: FulfilmentMode,
    },
    StoreState {
        state: StoreState,
    },
    EmergencyYes,
    Currencies,
    CurrencyRate {
        code: CurrencyCode,
    },
    CurrencyEnabled {
        code: CurrencyCode,
        enabled: bool,
    },
    CurrencyAdd,
    SupportContact,
    SupportContactClear,
    TimeZone,
    /// Asks for a product's photo.
    ProductPhoto {
        id: ProductId,
    },
    /// Removes a product's photo.
    ProductPhotoRemove {
        id: ProductId,
    },
}

fn flag(value: bool) -> u8 {
    u8::from(value)
}

fn fulfilment_name(mode: FulfilmentMode) -> &'static str {
    mode.name()
}

impl Admin {
    fn write(&self, out: &mut String) {
        // `write!` into a String cannot fail.
        let _ = match self {
            Admin::Panel => write!(out, "h"),
            Admin::Cancel => write!(out, "x"),
            Admin::Skip => write!(out, "k"),
            Admin::Products { page: None } => write!(out, "pl"),
            Admin::Products { page: Some(token) } => write!(out, "pl:{token}"),
            Admin::Product { id } => write!(out, "p:{}", id.get()),
            Admin::ProductNew => write!(out, "pn"),
            Admin::ProductEdit { id, field } => write!(out, "pe:{}:{}", id.get(), field.code()),
            Admin::ProductSetKind { id, kind } => write!(out, "pk:{}:{}", id.get(), kind.name()),
            Admin::ProductSetCategory { id, category } => {
                write!(out, "pc:{}:{}", id.get(), category.get())
            }
            Admin::ProductSetDelivery { id, delivery } => {
                write!(out, "pv:{}:{}", id.get(), delivery.code())
            }
            Admin::ProductActive { id, active } => write!(out, "pa:{}:{}", id.get(), flag(*active)),
            Admin::ProductDelete { id } => write!(out, "pd:{}", id.get()),
            Admin::ProductDeleteYes { id } => write!(out, "pdy:{}", id.get()),
            Admin::ProductCodes { id } => write!(out, "pu:{}", id.get()),
            Admin::ProductRevokeCodes { id } => write!(out, "pr:{}", id.get()),
            Admin::ProductRevokeCodesYes { id } => write!(out, "pry:{}", id.get()),
            Admin::DraftCategory { id } => write!(out, "dc:{}", id.get()),
            Admin::DraftKind { kind } => write!(out, "dk:{}", kind.name()),
            Admin::DraftDelivery { delivery } => write!(out, "dv:{}", delivery.code()),
            Admin::DraftUnlimited => write!(out, "du"),
            Admin::DraftCurrency { code } => write!(out, "dm:{}", code.as_str()),
            Admin::Categories => write!(out, "cl"),
            Admin::Category { id } => write!(out, "c:{}", id.get()),
            Admin::CategoryNew => write!(out, "cn"),
            Admin::CategoryRename { id } => write!(out, "ce:{}", id.get()),
            Admin::CategoryActive { id, active } => {
                write!(out, "ca:{}:{}", id.get(), flag(*active))
            }
            Admin::CategoryDelete { id } => write!(out, "cd:{}", id.get()),
            Admin::CategoryDeleteYes { id } => write!(out, "cdy:{}", id.get()),
            Admin::Methods { all } => write!(out, "ml:{}", flag(*all)),
            Admin::Method { id } => write!(out, "m:{}", id.get()),
            Admin::MethodNew => write!(out, "mn"),
            Admin::MethodEdit { id, field } => write!(out, "me:{}:{}", id.get(), field.code()),
            Admin::MethodActive { id, active } => write!(out, "ma:{}:{}", id.get(), flag(*active)),
            Admin::MethodDelete { id } => write!(out, "md:{}", id.get()),
            Admin::MethodDeleteYes { id } => write!(out, "mdy:{}", id.get()),
            Admin::Topups => write!(out, "tl"),
            Admin::Topup { id } => write!(out, "t:{}", id.get()),
            Admin::TopupApprove { id } => write!(out, "ta:{}", id.get()),
            Admin::TopupReject { id } => write!(out, "tr:{}", id.get()),
            Admin::TopupApproveReused { id } => write!(out, "tar:{}", id.get()),
            Admin::Orders => write!(out, "ol"),
            Admin::AwaitingOrders => write!(out, "ow"),
            Admin::Order { id } => write!(out, "o:{}", id.get()),
            Admin::OrderComplete { id } => write!(out, "oc:{}", id.get()),
            Admin::OrderCompleteCode { id } => write!(out, "occ:{}", id.get()),
            Admin::OrderFail { id } => write!(out, "of:{}", id.get()),
            Admin::OrderConfirmPayment { id } => write!(out, "oy:{}", id.get()),
            Admin::OrderConfirmReused { id } => write!(out, "ocr:{}", id.get()),
            Admin::OrderSearch => write!(out, "os"),
            Admin::UserFind => write!(out, "uf"),
            Admin::User { id } => write!(out, "u:{}", id.get()),
            Admin::UserOrders { id } => write!(out, "uo:{}", id.get()),
            Admin::UserBan { id } => write!(out, "ub:{}", id.get()),
            Admin::UserUnban { id } => write!(out, "uu:{}", id.get()),
            Admin::UserAdjust { id } => write!(out, "ua:{}", id.get()),
            Admin::UserRoles { id } => write!(out, "ur:{}", id.get()),
            Admin::UserSetRole { id, role } => write!(out, "us:{}:{}", id.get(), role.name()),
            Admin::Coupons => write!(out, "kl"),
            Admin::CouponNew => write!(out, "kn"),
            Admin::CouponActive { code, active } => {
                write!(out, "ka:{}:{}", flag(*active), code.as_str())
            }
            Admin::Stats => write!(out, "st"),
            Admin::Audit { page, filter } => match filter {
                AuditFilter::All => write!(out, "al:{page}"),
                AuditFilter::Action(action) => write!(out, "al:{page}:a:{}", action.name()),
                AuditFilter::User(user) => write!(out, "al:{page}:u:{}", user.get()),
            },
            Admin::AuditFilterAsk => write!(out, "af"),
            Admin::Settings => write!(out, "g"),
            Admin::Fulfilment { mode } => write!(out, "gf:{}", fulfilment_name(*mode)),
            Admin::StoreState { state } => write!(out, "gs:{}", state.name()),
            Admin::EmergencyYes => write!(out, "gey"),
            Admin::Currencies => write!(out, "gc"),
            Admin::CurrencyRate { code } => write!(out, "gr:{}", code.as_str()),
            Admin::CurrencyEnabled { code, enabled } => {
                write!(out, "ge:{}:{}", code.as_str(), flag(*enabled))
            }
            Admin::CurrencyAdd => write!(out, "ga"),
            Admin::SupportContact => write!(out, "gt"),
            Admin::SupportContactClear => write!(out, "gtx"),
            Admin::TimeZone => write!(out, "gz"),
            Admin::ProductPhoto { id } => write!(out, "pf:{}", id.get()),
            Admin::ProductPhotoRemove { id } => write!(out, "pfx:{}", id.get()),
        };
    }

    /// Parses the part after `A`; `None` for anything [`Admin::write`] would not produce.
    fn parse(body: &str) -> Option<Admin> {
        let mut parts = body.split(':');
        let tag = parts.next()?;
        let f: Vec<&str> = parts.collect();
        let arity = |n: usize| (f.len() == n).then_some(());
        let num = |i: usize| -> Option<u64> {
            let text = f.get(i)?;
            if text.is_empty()
                || !text.bytes().all(|b| b.is_ascii_digit())
                || (text.len() > 1 && text.starts_with('0'))
            {
                return None;
            }
            text.parse().ok()
        };
        let boolean = |i: usize| match f.get(i).copied() {
            Some("0") => Some(false),
            Some("1") => Some(true),
            _ => None,
        };
        let product = |i: usize| ProductId::new(num(i)?).ok();
        let category = |i: usize| CategoryId::new(num(i)?).ok();
        let method = |i: usize| PaymentMethodId::new(num(i)?).ok();
        let topup = |i: usize| TopupId::new(num(i)?).ok();
        let order = |i: usize| OrderId::new(num(i)?).ok();
        let user = |i: usize| UserId::new(num(i)?).ok();
        let currency = |i: usize| {
            let text = f.get(i)?;
            CurrencyCode::parse(text)
                .ok()
                .filter(|c| c.as_str() == *text)
        };
        let kind = |i: usize| {
            let text = f.get(i)?;
            ProductKind::ALL.into_iter().find(|k| k.name() == *text)
        };
        let delivery = |i: usize| {
            let text = f.get(i)?;
            DeliveryChoice::ALL.into_iter().find(|d| d.code() == *text)
        };
        let admin = match tag {
            "h" => arity(0).map(|()| Admin::Panel)?,
            "x" => arity(0).map(|()| Admin::Cancel)?,
            "k" => arity(0).map(|()| Admin::Skip)?,
            "pl" if f.is_empty() => Admin::Products { page: None },
            "pl" => {
                arity(1)?;
                let token = f[0];
                let hex = !token.is_empty()
                    && token.len() <= 40
                    && token
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                hex.then(|| Admin::Products {
                    page: Some(token.to_owned()),
                })?
            }
            "p" | "pd" | "pdy" | "pu" | "pr" | "pry" | "pf" | "pfx" => {
                arity(1)?;
                let id = product(0)?;
                match tag {
                    "p" => Admin::Product { id },
                    "pf" => Admin::ProductPhoto { id },
                    "pfx" => Admin::ProductPhotoRemove { id },
                    "pd" => Admin::ProductDelete { id },
                    "pdy" => Admin::ProductDeleteYes { id },
                    "pu" => Admin::ProductCodes { id },
                    "pr" => Admin::ProductRevokeCodes { id },
                    _ => Admin::ProductRevokeCodesYes { id },
                }
            }
            "pn" => arity(0).map(|()| Admin::ProductNew)?,
            "pe" => {
                arity(2)?;
                let field = ProductField::ALL.into_iter().find(|x| x.code() == f[1])?;
                Admin::ProductEdit {
                    id: product(0)?,
                    field,
                }
            }
            "pk" => {
                arity(2)?;
                Admin::ProductSetKind {
                    id: product(0)?,
                    kind: kind(1)?,
                }
            }
            "pc" => {
                arity(2)?;
                Admin::ProductSetCategory {
                    id: product(0)?,
                    category: category(1)?,
                }
            }
            "pv" => {
                arity(2)?;
                Admin::ProductSetDelivery {
                    id: product(0)?,
                    delivery: delivery(1)?,
                }
            }
            "pa" => {
                arity(2)?;
                Admin::ProductActive {
                    id: product(0)?,
                    active: boolean(1)?,
                }
            }
            "dc" => {
                arity(1)?;
                Admin::DraftCategory { id: category(0)? }
            }
            "dk" => {
                arity(1)?;
                Admin::DraftKind { kind: kind(0)? }
            }
            "dv" => {
                arity(1)?;
                Admin::DraftDelivery {
                    delivery: delivery(0)?,
                }
            }
            "du" => arity(0).map(|()| Admin::DraftUnlimited)?,
            "dm" => {
                arity(1)?;
                Admin::DraftCurrency { code: currency(0)? }
            }
            "cl" => arity(0).map(|()| Admin::Categories)?,
            "cn" => arity(0).map(|()| Admin::CategoryNew)?,
            "c" | "ce" | "cd" | "cdy" => {
                arity(1)?;
                let id = category(0)?;
                match tag {
                    "c" => Admin::Category { id },
                    "ce" => Admin::CategoryRename { id },
                    "cd" => Admin::CategoryDelete { id },
                    _ => Admin::CategoryDeleteYes { id },
                }
            }
            "ca" => {
                arity(2)?;
                Admin::CategoryActive {
                    id: category(0)?,
                    active: boolean(1)?,
                }
            }
            "ml" => {
                arity(1)?;
                Admin::Methods { all: boolean(0)? }
            }
            "mn" => arity(0).map(|()| Admin::MethodNew)?,
            "m" | "md" | "mdy" => {
                arity(1)?;
                let id = method(0)?;
                match tag {
                    "m" => Admin::Method { id },
                    "md" => Admin::MethodDelete { id },
                    _ => Admin::MethodDeleteYes { id },
                }
            }
            "me" => {
                arity(2)?;
                let field = MethodField::ALL.into_iter().find(|x| x.code() == f[1])?;
                Admin::MethodEdit {
                    id: method(0)?,
                    field,
                }
            }
            "ma" => {
                arity(2)?;
                Admin::MethodActive {
                    id: method(0)?,
                    active: boolean(1)?,
                }
            }
            "tl" => arity(0).map(|()| Admin::Topups)?,
            "t" | "ta" | "tr" | "tar" => {
                arity(1)?;
                let id = topup(0)?;
                match tag {
                    "t" => Admin::Topup { id },
                    "ta" => Admin::TopupApprove { id },
                    "tar" => Admin::TopupApproveReused { id },
                    _ => Admin::TopupReject { id },
                }
            }
            "ol" => arity(0).map(|()| Admin::Orders)?,
            "ow" => arity(0).map(|()| Admin::AwaitingOrders)?,
            "os" => arity(0).map(|()| Admin::OrderSearch)?,
            "o" | "oc" | "occ" | "of" | "oy" | "ocr" => {
                arity(1)?;
                let id = order(0)?;
                match tag {
                    "o" => Admin::Order { id },
                    "oc" => Admin::OrderComplete { id },
                    "occ" => Admin::OrderCompleteCode { id },
                    "of" => Admin::OrderFail { id },
                    "ocr" => Admin::OrderConfirmReused { id },
                    _ => Admin::OrderConfirmPayment { id },
                }
            }
            "uf" => arity(0).map(|()| Admin::UserFind)?,
            "u" | "uo" | "ub" | "uu" | "ua" | "ur" => {
                arity(1)?;
                let id = user(0)?;
                match tag {
                    "u" => Admin::User { id },
                    "uo" => Admin::UserOrders { id },
                    "ub" => Admin::UserBan { id },
                    "uu" => Admin::UserUnban { id },
                    "ua" => Admin::UserAdjust { id },
                    _ => Admin::UserRoles { id },
                }
            }
            "us" => {
                arity(2)?;
                let role = Role::ALL.into_iter().find(|r| r.name() == f[1])?;
                Admin::UserSetRole { id: user(0)?, role }
            }
            "kl" => arity(0).map(|()| Admin::Coupons)?,
            "kn" => arity(0).map(|()| Admin::CouponNew)?,
            "ka" => {
                arity(2)?;
                let code = CouponCode::parse(f[1])
                    .ok()
                    .filter(|c| c.as_str() == f[1])?;
                Admin::CouponActive {
                    code,
                    active: boolean(0)?,
                }
            }
            "st" => arity(0).map(|()| Admin::Stats)?,
            "al" => {
                let page = u32::try_from(num(0)?).ok()?;
                let filter = match f.len() {
                    1 => AuditFilter::All,
                    3 if f[1] == "a" => AuditFilter::Action(
                        AuditAction::ALL
                            .iter()
                            .copied()
                            .find(|a| a.name() == f[2])?,
                    ),
                    3 if f[1] == "u" => AuditFilter::User(user(2)?),
                    _ => return None,
                };
                Admin::Audit { page, filter }
            }
            "af" => arity(0).map(|()| Admin::AuditFilterAsk)?,
            "g" => arity(0).map(|()| Admin::Settings)?,
            "gf" => {
                arity(1)?;
                let mode = [FulfilmentMode::Manual, FulfilmentMode::Auto]
                    .into_iter()
                    .find(|m| m.name() == f[0])?;
                Admin::Fulfilment { mode }
            }
            "gs" => {
                arity(1)?;
                let state = [
                    StoreState::Open,
                    StoreState::Maintenance,
                    StoreState::Emergency,
                ]
                .into_iter()
                .find(|s| s.name() == f[0])?;
                Admin::StoreState { state }
            }
            "gey" => arity(0).map(|()| Admin::EmergencyYes)?,
            "gc" => arity(0).map(|()| Admin::Currencies)?,
            "gr" => {
                arity(1)?;
                Admin::CurrencyRate { code: currency(0)? }
            }
            "ge" => {
                arity(2)?;
                Admin::CurrencyEnabled {
                    code: currency(0)?,
                    enabled: boolean(1)?,
                }
            }
            "ga" => arity(0).map(|()| Admin::CurrencyAdd)?,
            "gt" => arity(0).map(|()| Admin::SupportContact)?,
            "gtx" => arity(0).map(|()| Admin::SupportContactClear)?,
            "gz" => arity(0).map(|()| Admin::TimeZone)?,
            _ => return None,
        };
        Some(admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_tampered_data() {
        for bad in [
            "",
            "m",
            "2m",
            "1",
            "1zz",
            "1p",
            "1p:",
            "1p:0",
            "1p:-1",
            "1p:01",
            "1p:+1",
            "1p:1:2",
            "1p:99999999999999999999999",
            "1c:1",
            "1c:1:4294967296",
            "1l:fr",
            "1cs:usd",
            "1cs:US",
            "1m:1",
            "1y:",
            "1A",
            "1Ap:0",
            "1Apl:XYZ",
            "1Apa:1:2",
            "1Aus:1:root",
            "1Aka:1:save20",
            "1Aal:0:a:NOPE",
            "1Agr:usd",
            "1Atar:0",
            "1Atar:1:2",
            "1Aocr:",
        ] {
            assert!(Callback::parse(bad).is_err(), "{bad:?} must be refused");
        }
        let long = format!("1p:{}", "1".repeat(80));
        assert!(matches!(
            Callback::parse(&long),
            Err(CallbackError::TooLong { .. })
        ));
    }
}
