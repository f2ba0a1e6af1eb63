//! The catalog: categories and products, and pools of codes for products delivered
//! automatically. Staff with `manage_products` change it; shoppers list what is on sale.
//!
//! Codes are secrets: they are stored only in the `codes` table, never in audit details,
//! listings or errors (only counts leave this module, until an order delivers one).
//!
//! Peers: audit, search, settings.

use crate::Shop;
use crate::audit::{self, AuditAction, Detail, Target};
use crate::clock::Timestamp;
use crate::error::{Error, InvalidInput, Result};
use crate::ids::{CategoryId, OrderId, ProductId};
use crate::money::Money;
use crate::roles::Permission;
use crate::settings::refuse_in_emergency;
use crate::shop::{Actor, require};
use crate::store::{Counter, Span, StoreError, Table, Tx};
use crate::text::TextRule;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Bound;

/// A product's name: one line, at most 100 characters.
pub const PRODUCT_NAME: TextRule = TextRule::single_line("product name", 100);
/// What a shopper searches for: 1 to 100 characters on one line.
pub const SEARCH_QUERY: TextRule = TextRule::single_line("search", 100);
/// The most index entries one search reads.
pub const SEARCH_SCAN_MAX: usize = 2_000;
/// A product's description: at most 2,000 characters, line breaks allowed (may be empty).
pub const PRODUCT_DESCRIPTION: TextRule = TextRule::multi_line("product description", 2_000);
/// A category's name: one line, at most 60 characters.
pub const CATEGORY_NAME: TextRule = TextRule::single_line("category name", 60);
/// A supplier's SKU in [`Delivery::Supplier`]: one line, at most 100 characters.
pub const SUPPLIER_SKU: TextRule = TextRule::single_line("supplier SKU", 100);
/// The label of a product's player field ("Player ID"): one line, at most 40 characters.
pub const PLAYER_FIELD_LABEL: TextRule = TextRule::single_line("player field label", 40);
/// One code of a pool: one line, at most 200 characters.
pub const CODE: TextRule = TextRule::single_line("code", 200);
/// The highest price a product may have, in USD.
pub const PRICE_MAX_USD: i64 = 100_000;
/// Prices have at most this many decimal places.
pub const PRICE_DECIMALS_MAX: u32 = 2;
/// The largest counted stock.
pub const STOCK_MAX: u64 = 1_000_000_000;
/// Codes accepted in one upload.
pub const CODES_PER_UPLOAD_MAX: usize = 5_000;
/// Codes a product's pool may hold.
pub const CODES_PER_PRODUCT_MAX: u64 = 100_000;
/// The largest page of products a listing returns.
pub const PAGE_LIMIT_MAX: usize = 100;

/// What kind of goods a product is. Descriptive: frontends show and group by it; no rule of
/// the shop depends on it (delivery is [`Delivery`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProductKind {
    /// Credit in a game (gems, coins, battle passes), usually for a player id.
    GameTopUp,
    /// A gift card or voucher code.
    GiftCard,
    /// A subscription or account (streaming, software).
    Subscription,
    /// Anything else.
    Other,
}

impl ProductKind {
    /// Every kind.
    pub const ALL: [ProductKind; 4] = [
        ProductKind::GameTopUp,
        ProductKind::GiftCard,
        ProductKind::Subscription,
        ProductKind::Other,
    ];

    /// The kind's stable name: `game_top_up`, `gift_card`, `subscription` or `other`.
    pub fn name(self) -> &'static str {
        match self {
            ProductKind::GameTopUp => "game_top_up",
            ProductKind::GiftCard => "gift_card",
            ProductKind::Subscription => "subscription",
            ProductKind::Other => "other",
        }
    }

    /// A kind by name, case-insensitively, with `-` or a space accepted for `_`
    /// (`"Gift card"`); fails with [`InvalidInput::UnknownName`] otherwise.
    pub fn parse(text: &str) -> Result<ProductKind> {
        let lower = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        ProductKind::ALL
            .into_iter()
            .find(|k| k.name() == lower)
            .ok_or_else(|| {
                InvalidInput::UnknownName {
                    what: "product type",
                    text: text.chars().take(40).collect(),
                }
                .into()
            })
    }
}

impl fmt::Display for ProductKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an order for the product is fulfilled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Staff deliver by hand.
    Manual,
    /// A code from the product's pool is delivered automatically.
    Codes,
    /// A supplier API fulfils it (in AUTO mode), identified by the supplier's SKU.
    Supplier {
        /// The supplier's product code, sent with each order ([`crate::SupplierOrder::sku`]).
        sku: String,
    },
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delivery::Manual => f.write_str("manual"),
            Delivery::Codes => f.write_str("codes"),
            Delivery::Supplier { sku } => write!(f, "supplier:{sku}"),
        }
    }
}

/// How many units can be sold. For `Delivery::Codes` the pool size is the stock and this
/// field is not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stock {
    /// No limit (digital goods made on demand).
    Unlimited,
    /// This many units left, at most [`STOCK_MAX`]. An order takes one and gives it back if
    /// it fails, is cancelled or expires.
    Limited(u64),
}

impl fmt::Display for Stock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stock::Unlimited => f.write_str("unlimited"),
            Stock::Limited(n) => write!(f, "{n}"),
        }
    }
}

/// The rule a player/game-account id must follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlayerIdRule {
    /// Only digits, with a length in `len_min..=len_max`.
    Digits {
        /// The shortest id accepted (at least 1).
        len_min: u8,
        /// The longest id accepted (at most [`PLAYER_ID_LEN_MAX`]).
        len_max: u8,
    },
    /// ASCII letters and digits, with a length in `len_min..=len_max`.
    Alphanumeric {
        /// The shortest id accepted (at least 1).
        len_min: u8,
        /// The longest id accepted (at most [`PLAYER_ID_LEN_MAX`]).
        len_max: u8,
    },
    /// A mask: `#` a digit, `A` a letter, `*` a letter or digit, anything else itself.
    /// `"###-######"` accepts `123-456789`.
    Mask(String),
}

/// The longest player id any rule accepts.
pub const PLAYER_ID_LEN_MAX: u8 = 64;

impl PlayerIdRule {
    fn validate(&self) -> Result<()> {
        let bad = |why: &str| -> Result<()> {
            Err(CatalogError::BadPlayerRule {
                why: why.to_owned(),
            }
            .into())
        };
        match self {
            PlayerIdRule::Digits { len_min, len_max }
            | PlayerIdRule::Alphanumeric { len_min, len_max } => {
                if *len_min == 0 || len_min > len_max || *len_max > PLAYER_ID_LEN_MAX {
                    return bad("lengths must satisfy 1 <= min <= max <= 64");
                }
            }
            PlayerIdRule::Mask(mask) => {
                let len = mask.chars().count();
                if len == 0 || len > usize::from(PLAYER_ID_LEN_MAX) {
                    return bad("a mask has 1 to 64 characters");
                }
                if !mask.chars().all(|c| c.is_ascii_graphic()) {
                    return bad("a mask uses printable ASCII characters only");
                }
            }
        }
        Ok(())
    }

    /// Checks a player id a shopper typed; returns it trimmed, or a [`PlayerIdError`]
    /// describing the rule.
    ///
    /// ```
    /// use shopcore::PlayerIdRule;
    ///
    /// let rule = PlayerIdRule::Mask("###-######".into());
    /// assert_eq!(rule.check(" 123-456789 ").unwrap(), "123-456789");
    /// assert!(rule.check("123456789").is_err());
    /// assert!(PlayerIdRule::Digits { len_min: 9, len_max: 10 }.check("12345678").is_err());
    /// ```
    pub fn check(&self, input: &str) -> std::result::Result<String, PlayerIdError> {
        let id = input.trim();
        let len = id.chars().count();
        let length_ok = |min: u8, max: u8| len >= usize::from(min) && len <= usize::from(max);
        let ok = match self {
            PlayerIdRule::Digits { len_min, len_max } => {
                length_ok(*len_min, *len_max) && id.bytes().all(|b| b.is_ascii_digit())
            }
            PlayerIdRule::Alphanumeric { len_min, len_max } => {
                length_ok(*len_min, *len_max) && id.bytes().all(|b| b.is_ascii_alphanumeric())
            }
            PlayerIdRule::Mask(mask) => {
                len == mask.chars().count()
                    && mask.chars().zip(id.chars()).all(|(m, c)| match m {
                        '#' => c.is_ascii_digit(),
                        'A' => c.is_ascii_alphabetic(),
                        '*' => c.is_ascii_alphanumeric(),
                        literal => c == literal,
                    })
            }
        };
        if ok {
            Ok(id.to_owned())
        } else {
            Err(PlayerIdError {
                rule: self.to_string(),
            })
        }
    }
}

impl fmt::Display for PlayerIdRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlayerIdRule::Digits { len_min, len_max } => {
                write!(f, "digits only, {len_min} to {len_max} long")
            }
            PlayerIdRule::Alphanumeric { len_min, len_max } => {
                write!(f, "letters and digits, {len_min} to {len_max} long")
            }
            PlayerIdRule::Mask(mask) => write!(f, "like {mask} (# digit, A letter, * either)"),
        }
    }
}

/// A player id that breaks its product's rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the player id must be {rule}")]
pub struct PlayerIdError {
    /// The rule, described for the shopper ("digits only, 9 to 10 long").
    pub rule: String,
}

/// The player/game-account field a product asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerField {
    /// What the shopper is asked for ("Player ID").
    pub label: String,
    /// What the id must look like.
    pub rule: PlayerIdRule,
}

impl fmt::Display for PlayerField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.label, self.rule)
    }
}

/// A group of products, shown to shoppers in [`Category::sort_order`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Its id, numbered from 1.
    pub id: CategoryId,
    /// Its name ([`CATEGORY_NAME`]).
    pub name: String,
    /// Listings show lower values first (ties by id).
    pub sort_order: i32,
    /// Shown to shoppers. An inactive category hides its products and refuses orders for
    /// them ([`crate::OrderError::ProductInactive`]).
    pub active: bool,
    /// Products (archived included) in the category; it can be deleted only at zero.
    pub product_count: u64,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Something the shop sells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Its id, numbered from 1.
    pub id: ProductId,
    /// The category it is listed in.
    pub category: CategoryId,
    /// Its name ([`PRODUCT_NAME`]). Orders keep the name it had when they were placed.
    pub name: String,
    /// May be empty.
    pub description: String,
    /// Its price in USD: positive, at most 2 decimals, at most [`PRICE_MAX_USD`]. An order
    /// records the price it was sold at.
    pub price_usd: Money,
    /// What kind of goods it is.
    pub kind: ProductKind,
    /// On sale (when also in stock and its category is active).
    pub active: bool,
    /// Deleted but kept because orders refer to it: hidden from shoppers, not editable.
    pub archived: bool,
    /// How its orders are fulfilled.
    pub delivery: Delivery,
    /// Units left; not used for [`Delivery::Codes`], whose stock is the pool
    /// ([`Product::available`] says what can be sold either way).
    pub stock: Stock,
    /// The player id shoppers must give when ordering, if any.
    pub player_field: Option<PlayerField>,
    /// Listings in its category show lower values first (ties by id).
    pub sort_order: i32,
    /// Codes in the pool (for `Delivery::Codes`).
    pub codes_available: u64,
    /// The pool occupies per-product slots `codes_head..codes_tail`; revoked slots are holes.
    pub(crate) codes_head: u64,
    pub(crate) codes_tail: u64,
    /// Orders ever placed for it; a product with orders is archived instead of removed.
    pub order_count: u64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed (an edit, codes added or revoked).
    pub updated_at: Timestamp,
}

impl Product {
    /// Units that can still be sold; `None` means unlimited.
    pub fn available(&self) -> Option<u64> {
        match (&self.delivery, self.stock) {
            (Delivery::Codes, _) => Some(self.codes_available),
            (_, Stock::Limited(n)) => Some(n),
            (_, Stock::Unlimited) => None,
        }
    }

    /// At least one unit can be sold.
    pub fn in_stock(&self) -> bool {
        self.available() != Some(0)
    }

    /// Shown to shoppers: active, not archived and in stock (its category must be active
    /// too, which this does not check).
    pub fn on_sale(&self) -> bool {
        self.active && !self.archived && self.in_stock()
    }
}

/// Everything needed to create a product ([`Shop::create_product`]); each field as in
/// [`Product`]. Texts are trimmed and checked; a code product starts with an empty pool.
#[derive(Clone, Debug)]
pub struct NewProduct {
    /// The category, which must exist.
    pub category: CategoryId,
    /// The name ([`PRODUCT_NAME`]).
    pub name: String,
    /// The description ([`PRODUCT_DESCRIPTION`]); may be empty.
    pub description: String,
    /// The price in USD (see [`check_price`]).
    pub price_usd: Money,
    /// What kind of goods it is.
    pub kind: ProductKind,
    /// How orders are fulfilled.
    pub delivery: Delivery,
    /// Units for sale (ignored for [`Delivery::Codes`]).
    pub stock: Stock,
    /// The player id to ask for, if any.
    pub player_field: Option<PlayerField>,
    /// Its place in the category's listing.
    pub sort_order: i32,
    /// On sale from the start.
    pub active: bool,
}

/// One edit to a product ([`Shop::update_product`]), checked like the same field of
/// [`NewProduct`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductChange {
    /// A new name.
    Name(String),
    /// A new description (empty clears it).
    Description(String),
    /// A new USD price. Orders already placed keep their price.
    Price(Money),
    /// A new kind.
    Kind(ProductKind),
    /// Another category, which must exist.
    Category(CategoryId),
    /// Another delivery. Leaving [`Delivery::Codes`] is refused while the pool holds codes
    /// ([`CatalogError::CodesInPool`]).
    Delivery(Delivery),
    /// New stock; refused for a code product ([`CatalogError::StockFromCodes`]).
    Stock(Stock),
    /// Another player field, or `None` to stop asking for one.
    PlayerField(Option<PlayerField>),
    /// Another place in the listing.
    SortOrder(i32),
    /// On or off sale; audited `ACTIVATE_PRODUCT` / `DEACTIVATE_PRODUCT`.
    Active(bool),
}

/// One edit to a category ([`Shop::update_category`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CategoryChange {
    /// A new name ([`CATEGORY_NAME`]).
    Name(String),
    /// Another place in the listing.
    SortOrder(i32),
    /// Shown to shoppers or hidden (with all its products).
    Active(bool),
}

/// Filters for the staff product list ([`Shop::list_products`]). The default lists every
/// product that is not archived.
#[derive(Clone, Debug, Default)]
pub struct ProductFilter {
    /// Only products in this category.
    pub category: Option<CategoryId>,
    /// Only active (`Some(true)`) or inactive (`Some(false)`) products.
    pub active: Option<bool>,
    /// Archived products too.
    pub include_archived: bool,
}

/// One page of products.
#[derive(Clone, Debug)]
pub struct ProductPage {
    /// The products on this page.
    pub products: Vec<Product>,
    /// Pass back to get the next page; `None` at the end.
    pub next: Option<ProductCursor>,
}

/// Where a product page ended. It can travel as text (in a button) and come back:
/// [`ProductCursor::to_token`] / [`ProductCursor::from_token`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductCursor(Vec<u8>);

/// The key of a code's fate (see [`code_hash_key`]).
pub(crate) type CodeKey = (ProductId, [u8; 32]);

impl ProductCursor {
    /// The cursor at `key` of the listing's records.
    fn at<R: crate::store::Record>(key: &R::Key) -> ProductCursor {
        ProductCursor(crate::store::cursor_bytes::<R>(key))
    }

    /// The key the cursor stands at; a token that is not one is refused.
    fn key<R: crate::store::Record>(&self) -> Result<R::Key> {
        crate::store::cursor_key::<R>(&self.0).ok_or_else(|| {
            InvalidInput::UnknownName {
                what: "page token",
                text: self.to_token().chars().take(40).collect(),
            }
            .into()
        })
    }

    /// A short hex form (at most 32 characters).
    pub fn to_token(&self) -> String {
        crate::store::hex(&self.0)
    }

    /// Parses a token made by `to_token`. A token that is not a position in the listing it is
    /// given to (tampered, or from the other listing) is refused by that listing with
    /// [`InvalidInput::UnknownName`] ("page token"); a tampered one that still is gives at
    /// worst a different starting point, never anything the listing would not show.
    pub fn from_token(token: &str) -> Result<ProductCursor> {
        let bad = || InvalidInput::UnknownName {
            what: "page token",
            text: token.chars().take(40).collect(),
        };
        if token.len() > 64 || !token.len().is_multiple_of(2) {
            return Err(bad().into());
        }
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(token.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(|_| bad())?;
        Ok(ProductCursor(bytes))
    }
}

/// The result of a code upload ([`Shop::add_codes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodesAdded {
    /// Codes added by this upload.
    pub added: u64,
    /// Codes in the pool now.
    pub available: u64,
}

/// Failures about the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// A limit of units per order outside 1 to [`ORDER_QUANTITY_MAX`].
    #[error("a limit per order must be between 1 and {ORDER_QUANTITY_MAX}; {max} was given")]
    BadOrderLimit {
        /// The limit given.
        max: u32,
    },
    /// No category has this id.
    #[error("category {id} does not exist")]
    CategoryNotFound {
        /// The id asked for.
        id: CategoryId,
    },
    /// Deleting a category that still holds products (archived ones count).
    #[error("category {id} still holds {products} product(s)")]
    CategoryNotEmpty {
        /// The category.
        id: CategoryId,
        /// How many products it holds.
        products: u64,
    },
    /// No product has this id (or it was removed).
    #[error("product {id} does not exist")]
    ProductNotFound {
        /// The id asked for.
        id: ProductId,
    },
    /// Changing a product that was deleted but kept for its orders.
    #[error("product {id} is archived (deleted with order history) and can't be changed")]
    ProductArchived {
        /// The product.
        id: ProductId,
    },
    /// A price that is not positive, has more than 2 decimals or is above
    /// [`PRICE_MAX_USD`].
    #[error("the price is invalid: {source}")]
    BadPrice {
        /// The rule it breaks.
        source: crate::money::AmountError,
    },
    /// A limited stock above [`STOCK_MAX`].
    #[error("stock {stock} is above the limit of {STOCK_MAX}")]
    StockTooLarge {
        /// The stock given.
        stock: u64,
    },
    /// Setting the stock of a code product, whose stock is its pool.
    #[error("product {id} is delivered from codes: its stock is the code pool")]
    StockFromCodes {
        /// The product.
        id: ProductId,
    },
    /// Adding or revoking codes for a product that is not delivered from codes (and holds
    /// none).
    #[error("product {id} is not delivered from codes")]
    NotACodesProduct {
        /// The product.
        id: ProductId,
    },
    /// Deleting a code product, or moving it off code delivery, while its pool holds codes.
    #[error("product {id} still has {codes} code(s) in its pool; revoke them first")]
    CodesInPool {
        /// The product.
        id: ProductId,
        /// Codes in its pool.
        codes: u64,
    },
    /// A code in an upload breaks [`CODE`]; nothing was added.
    #[error("code on line {line} is invalid: {reason}")]
    BadCode {
        /// The line, counting from 1 and counting blank lines.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// An upload with no code in it (only blank lines).
    #[error("no codes given")]
    NoCodes,
    /// More than [`CODES_PER_UPLOAD_MAX`] codes in one upload.
    #[error("{count} codes in one upload; the limit is {CODES_PER_UPLOAD_MAX}")]
    TooManyCodes {
        /// Codes in the upload.
        count: usize,
    },
    /// The upload would take the pool above [`CODES_PER_PRODUCT_MAX`]; nothing was added.
    #[error("the pool would hold {count} codes; the limit is {CODES_PER_PRODUCT_MAX}")]
    PoolFull {
        /// The pool's size with the upload.
        count: u64,
    },
    /// Codes this product has seen before (in its pool, reserved, delivered or revoked),
    /// or repeated within the upload; nothing was added.
    #[error(
        "{count} of these codes were uploaded before for this product (in the pool, reserved, delivered or revoked) or repeat within the upload; a code can enter a pool once, so nothing was added"
    )]
    DuplicateCodes {
        /// How many of the upload's codes are duplicates.
        count: u64,
    },
    /// A player id rule that can't work (lengths out of 1..=64 or reversed, an empty or
    /// non-ASCII mask).
    #[error("invalid player id rule: {why}")]
    BadPlayerRule {
        /// What is wrong with it.
        why: String,
    },
}

impl CatalogError {
    /// A stable, machine-readable name for the error (`"catalog.product_not_found"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            CatalogError::CategoryNotFound { .. } => "catalog.category_not_found",
            CatalogError::CategoryNotEmpty { .. } => "catalog.category_not_empty",
            CatalogError::ProductNotFound { .. } => "catalog.product_not_found",
            CatalogError::ProductArchived { .. } => "catalog.product_archived",
            CatalogError::BadPrice { source } => source.kind(),
            CatalogError::StockTooLarge { .. } => "catalog.stock_too_large",
            CatalogError::StockFromCodes { .. } => "catalog.stock_from_codes",
            CatalogError::NotACodesProduct { .. } => "catalog.not_a_codes_product",
            CatalogError::CodesInPool { .. } => "catalog.codes_in_pool",
            CatalogError::BadCode { .. } => "catalog.bad_code",
            CatalogError::NoCodes => "catalog.no_codes",
            CatalogError::BadOrderLimit { .. } => "catalog.bad_order_limit",
            CatalogError::TooManyCodes { .. } => "catalog.too_many_codes",
            CatalogError::PoolFull { .. } => "catalog.pool_full",
            CatalogError::DuplicateCodes { .. } => "catalog.duplicate_codes",
            CatalogError::BadPlayerRule { .. } => "catalog.bad_player_rule",
        }
    }
}

/// Checks a price: positive, at most 2 decimals, at most `PRICE_MAX_USD`.
pub fn check_price(price: Money) -> Result<Money> {
    price
        .check(PRICE_DECIMALS_MAX, Money::units(PRICE_MAX_USD))
        .map_err(|source| CatalogError::BadPrice { source }.into())
}

/// Parses a price typed by a person.
pub fn parse_price(text: &str) -> Result<Money> {
    crate::money::parse_amount(text, PRICE_DECIMALS_MAX, Money::units(PRICE_MAX_USD))
        .map_err(|source| CatalogError::BadPrice { source }.into())
}

fn check_description(text: &str) -> Result<String> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    Ok(PRODUCT_DESCRIPTION.check(text)?)
}

fn check_delivery(delivery: &Delivery) -> Result<Delivery> {
    Ok(match delivery {
        Delivery::Supplier { sku } => Delivery::Supplier {
            sku: SUPPLIER_SKU.check(sku)?,
        },
        other => other.clone(),
    })
}

fn check_stock(stock: Stock) -> Result<Stock> {
    match stock {
        Stock::Limited(n) if n > STOCK_MAX => Err(CatalogError::StockTooLarge { stock: n }.into()),
        other => Ok(other),
    }
}

fn check_player_field(field: &Option<PlayerField>) -> Result<Option<PlayerField>> {
    match field {
        None => Ok(None),
        Some(f) => {
            f.rule.validate()?;
            Ok(Some(PlayerField {
                label: PLAYER_FIELD_LABEL.check(&f.label)?,
                rule: f.rule.clone(),
            }))
        }
    }
}

crate::store::record!(
    /// Categories, by id (with their product counts).
    pub(crate) Categories: Table::Categories, "categories", CategoryId => Category
);
/// What shoppers may be offered, for listings that read products one by one (search,
/// recommendations): a product on sale in an active category. Remembers each category's
/// state for the listing's length.
#[derive(Default)]
pub(crate) struct Shelf {
    categories: std::collections::BTreeMap<CategoryId, bool>,
}

impl Shelf {
    /// Product `id`, when it exists, is on sale and its category is active.
    pub(crate) fn offered(
        &mut self,
        store: &crate::store::Store,
        id: ProductId,
    ) -> std::result::Result<Option<Product>, StoreError> {
        let Some(product) = store.fetch::<Products>(&id)? else {
            return Ok(None);
        };
        if !product.on_sale() {
            return Ok(None);
        }
        let active = match self.categories.get(&product.category) {
            Some(active) => *active,
            None => {
                let active = store
                    .fetch::<Categories>(&product.category)?
                    .is_some_and(|c| c.active);
                self.categories.insert(product.category, active);
                active
            }
        };
        Ok(active.then_some(product))
    }
}

/// A product's photo: the frontend's reference to the picture (a Telegram `file_id`) and
/// when it was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPhoto {
    /// How the frontend shows the picture again ([`PRODUCT_PHOTO`]).
    pub reference: String,
    /// When it was set.
    pub set_at: Timestamp,
}

/// The most units one order may buy, whatever a product's limit: an order holds its codes,
/// so this bounds the record.
pub const ORDER_QUANTITY_MAX: u32 = 100;

/// A product photo's reference: a single line of at most 200 characters.
pub const PRODUCT_PHOTO: TextRule = TextRule::single_line("product photo reference", 200);

crate::store::record!(
    /// Index: categories in sort order.
    CategoriesByOrder: Table::CategoriesByOrder, "categories_by_order", (i32, CategoryId) => ()
);
crate::store::record!(
    /// Products, by id.
    pub(crate) Products: Table::Products, "products", ProductId => Product
);
crate::store::record!(
    /// Each product's photo, when it has one (schema 17).
    pub(crate) ProductPhotos: Table::ProductPhotos, "product_photos", ProductId => ProductPhoto
);
crate::store::record!(
    /// Each product's limit of units per order, when staff raised it above 1 (schema 20).
    pub(crate) OrderLimits: Table::OrderLimits, "order_limits", ProductId => u32
);
crate::store::record!(
    /// Index: products of each category in sort order.
    ProductsByCategory: Table::ProductsByCategory, "products_by_category", (CategoryId, i32, ProductId) => ()
);
crate::store::record!(
    /// Retired in schema 6 (the pools are chunks): each product's codes by slot.
    pub(crate) Codes: Table::Codes, "codes", (ProductId, u64) => StoredCode
);
crate::store::record!(
    /// The code pools in chunks (the secrets themselves): product · chunk (slot ÷
    /// [`CODE_CHUNK`]) → the chunk's slots in order, `None` for a slot whose code left the
    /// pool. Orders taking codes from one product in one batch write its chunk once.
    CodeChunks: Table::CodeChunks, "code_chunks", (ProductId, u64) => Vec<Option<StoredCode>>
);
crate::store::record!(
    /// Retired in schema 4 (`codes_seen` says where a code is): product · SHA-256 → slot.
    pub(crate) CodesByHash: Table::CodesByHash, "codes_by_hash", (ProductId, [u8; 32]) => u64
);
crate::store::record!(
    /// The fate of every code a product has ever seen, by the SHA-256 of the code.
    pub(crate) CodesSeen: Table::CodesSeen, "codes_seen", (ProductId, [u8; 32]) => CodeFate
);

fn category_order_key(category: &Category) -> (i32, CategoryId) {
    (category.sort_order, category.id)
}

fn product_index_key(product: &Product) -> (CategoryId, i32, ProductId) {
    (product.category, product.sort_order, product.id)
}

/// Slots per pool chunk.
pub(crate) const CODE_CHUNK: u64 = 64;

/// The chunk holding `slot`, and the slot's place in it.
fn chunk_of(product: ProductId, slot: u64) -> ((ProductId, u64), usize) {
    let place = usize::try_from(slot % CODE_CHUNK).unwrap_or(0);
    ((product, slot / CODE_CHUNK), place)
}

/// The code in a pool slot, inside a transaction.
fn pool_code(
    tx: &Tx<'_>,
    product: ProductId,
    slot: u64,
) -> std::result::Result<Option<StoredCode>, StoreError> {
    let (key, place) = chunk_of(product, slot);
    Ok(tx
        .load::<CodeChunks>(&key)?
        .and_then(|mut chunk| chunk.get_mut(place).and_then(Option::take)))
}

/// Empties a pool slot and returns its code; the chunk goes when its last code leaves.
fn pool_take(
    tx: &Tx<'_>,
    product: ProductId,
    slot: u64,
) -> std::result::Result<Option<StoredCode>, StoreError> {
    let (key, place) = chunk_of(product, slot);
    let Some(mut chunk) = tx.load::<CodeChunks>(&key)? else {
        return Ok(None);
    };
    let taken = chunk.get_mut(place).and_then(Option::take);
    if taken.is_some() {
        if chunk.iter().all(Option::is_none) {
            tx.delete::<CodeChunks>(&key)?;
        } else {
            tx.save::<CodeChunks>(&key, &chunk)?;
        }
    }
    Ok(taken)
}

/// The code in a pool slot, outside a transaction.
fn stored_pool_code(
    store: &crate::store::Store,
    product: ProductId,
    slot: u64,
) -> std::result::Result<Option<StoredCode>, StoreError> {
    let (key, place) = chunk_of(product, slot);
    Ok(store
        .fetch::<CodeChunks>(&key)?
        .and_then(|mut chunk| chunk.get_mut(place).and_then(Option::take)))
}

/// Schema 5 → 6: the pools move into chunks of [`CODE_CHUNK`] slots, a product at a time.
pub(crate) fn migrate_code_chunks(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    const DOING: &str = "moving the code pools into chunks";
    store.report_progress(DOING, 0);
    let mut chunks: std::collections::BTreeMap<(ProductId, u64), Vec<Option<StoredCode>>> =
        Default::default();
    let mut moved = 0u64;
    let write = |chunks: &mut std::collections::BTreeMap<_, Vec<Option<StoredCode>>>| {
        let batch = std::mem::take(chunks)
            .into_iter()
            .map(|(k, v)| Ok((k, crate::store::encode(&v)?)))
            .collect::<std::result::Result<Vec<_>, StoreError>>()?;
        store.put_encoded_for_migration::<CodeChunks>(batch)
    };
    for item in store.scan(Span::<Codes>::all(), false) {
        let ((product, slot), code) = item?;
        let (key, place) = chunk_of(product, slot);
        let chunk = chunks.entry(key).or_default();
        if chunk.len() <= place {
            chunk.resize(place + 1, None);
        }
        chunk[place] = Some(code);
        moved += 1;
        if chunks.len() >= 4_096 && place + 1 == usize::try_from(CODE_CHUNK).unwrap_or(64) {
            write(&mut chunks)?;
            store.report_progress(DOING, moved);
        }
    }
    write(&mut chunks)?;
    store.clear_kind_for_migration::<Codes>()
}

/// The key of a code's fate: the product and the SHA-256 of the code.
pub(crate) fn code_hash_key(product: ProductId, code: &str) -> (ProductId, [u8; 32]) {
    (product, Sha256::digest(code.as_bytes()).into())
}

/// A code in a product's pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredCode {
    pub(crate) code: String,
    pub(crate) added_at: Timestamp,
}

/// What became of every code a product has ever seen (`codes_seen`, keyed like
/// `codes_by_hash`): a code enters a pool once, ever, and revoking reaches reserved codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CodeFate {
    InPool { slot: u64 },
    Reserved { order: OrderId },
    Delivered { order: OrderId },
    Revoked,
}

pub(crate) fn code_fate(
    tx: &Tx<'_>,
    product: ProductId,
    code: &str,
) -> std::result::Result<Option<CodeFate>, StoreError> {
    tx.load::<CodesSeen>(&code_hash_key(product, code))
}

pub(crate) fn set_code_fate(
    tx: &Tx<'_>,
    product: ProductId,
    code: &str,
    fate: CodeFate,
) -> std::result::Result<(), StoreError> {
    tx.save::<CodesSeen>(&code_hash_key(product, code), &fate)
}

/// The product `actor` is about to change: they hold `manage_products`, the shop is not
/// stopped, and the product exists and is not archived.
fn product_to_change(tx: &Tx<'_>, actor: &Actor, id: ProductId) -> Result<Product> {
    require(tx, actor, Permission::ManageProducts)?;
    refuse_in_emergency(tx)?;
    let product = load_product(tx, id)?;
    if product.archived {
        return Err(CatalogError::ProductArchived { id }.into());
    }
    Ok(product)
}

/// How many units of `product` one order may buy, inside a transaction.
pub(crate) fn order_limit(tx: &Tx<'_>, product: ProductId) -> Result<u32> {
    Ok(tx.load::<OrderLimits>(&product)?.unwrap_or(1))
}

/// Appends a code to the pool's tail.
fn push_code(
    tx: &Tx<'_>,
    product: &mut Product,
    code: &str,
) -> std::result::Result<(), StoreError> {
    let key = code_hash_key(product.id, code);
    push_codes(tx, product, [(code, key)])
}

/// A pool chunk's key (product, chunk number) and its slots.
type CodeChunkKey = (ProductId, u64);
type CodeChunk = Vec<Option<StoredCode>>;

/// Appends codes (each with its `codes_seen` key) to the pool's tail, in order. Each chunk
/// they fill is read and written once, not once per code: an upload of 5,000 codes decodes
/// and encodes 79 chunks instead of 5,000.
fn push_codes<'c>(
    tx: &Tx<'_>,
    product: &mut Product,
    codes: impl IntoIterator<Item = (&'c str, CodeKey)>,
) -> std::result::Result<(), StoreError> {
    // The chunk being filled: its key and slots.
    let mut open: Option<(CodeChunkKey, CodeChunk)> = None;
    for (code, key) in codes {
        let slot = product.codes_tail;
        product.codes_tail += 1;
        let (chunk_key, place) = chunk_of(product.id, slot);
        let chunk = match &mut open {
            Some((k, chunk)) if *k == chunk_key => chunk,
            _ => {
                if let Some((k, chunk)) = open.take() {
                    tx.save::<CodeChunks>(&k, &chunk)?;
                }
                let chunk = tx.load::<CodeChunks>(&chunk_key)?.unwrap_or_default();
                &mut open.insert((chunk_key, chunk)).1
            }
        };
        if chunk.len() <= place {
            chunk.resize(place + 1, None);
        }
        chunk[place] = Some(StoredCode {
            code: code.to_owned(),
            added_at: tx.now,
        });
        tx.save::<CodesSeen>(&key, &CodeFate::InPool { slot })?;
        product.codes_available += 1;
    }
    if let Some((k, chunk)) = open {
        tx.save::<CodeChunks>(&k, &chunk)?;
    }
    Ok(())
}

pub(crate) fn load_product(tx: &Tx<'_>, id: ProductId) -> Result<Product> {
    tx.load::<Products>(&id)?
        .ok_or_else(|| CatalogError::ProductNotFound { id }.into())
}

fn load_category(tx: &Tx<'_>, id: CategoryId) -> Result<Category> {
    tx.load::<Categories>(&id)?
        .ok_or_else(|| CatalogError::CategoryNotFound { id }.into())
}

/// Writes a product, moving its category index entry and category counts.
pub(crate) fn save_product(
    tx: &Tx<'_>,
    before: Option<&Product>,
    product: &Product,
) -> std::result::Result<(), StoreError> {
    let new_key = product_index_key(product);
    let old_key = before.map(product_index_key);
    if old_key.as_ref() != Some(&new_key) {
        if let Some(old) = &old_key {
            tx.delete::<ProductsByCategory>(old)?;
        }
        tx.save::<ProductsByCategory>(&new_key, &())?;
    }
    if before.map(|b| b.category) != Some(product.category) {
        if let Some(b) = before {
            adjust_product_count(tx, b.category, -1)?;
        }
        adjust_product_count(tx, product.category, 1)?;
    }
    crate::search::reindex(
        tx,
        product.id,
        before.map(|b| b.name.as_str()),
        &product.name,
    )?;
    tx.save::<Products>(&product.id, product)
}

fn adjust_product_count(
    tx: &Tx<'_>,
    id: CategoryId,
    delta: i64,
) -> std::result::Result<(), StoreError> {
    let Some(mut category) = tx.load::<Categories>(&id)? else {
        return Ok(());
    };
    category.product_count = if delta >= 0 {
        category.product_count.saturating_add(delta.unsigned_abs())
    } else {
        category.product_count.saturating_sub(delta.unsigned_abs())
    };
    tx.save::<Categories>(&id, &category)
}

/// Puts a code back into a product's pool (the order holding it failed or was cancelled).
/// A code that is no longer this order's (revoked meanwhile) stays out.
pub(crate) fn return_code(
    tx: &Tx<'_>,
    product: &mut Product,
    code: &str,
    order: OrderId,
) -> std::result::Result<(), StoreError> {
    match code_fate(tx, product.id, code)? {
        Some(CodeFate::Reserved { order: holder }) if holder == order => {
            push_code(tx, product, code)
        }
        // Revoked while reserved, or (in a store from before `codes_seen`) unknown: a code
        // whose fate is not "reserved by this order" must not come back.
        _ => Ok(()),
    }
}

/// Takes the oldest code from a product's pool for `order` inside the caller's transaction
/// (the order flow uses this). Returns `None` when the pool is empty.
pub(crate) fn take_code(
    tx: &Tx<'_>,
    product: &mut Product,
    order: OrderId,
) -> std::result::Result<Option<String>, StoreError> {
    while product.codes_head < product.codes_tail {
        let slot = product.codes_head;
        product.codes_head += 1;
        if let Some(stored) = pool_take(tx, product.id, slot)? {
            set_code_fate(tx, product.id, &stored.code, CodeFate::Reserved { order })?;
            product.codes_available = product.codes_available.saturating_sub(1);
            return Ok(Some(stored.code));
        }
    }
    Ok(None)
}

impl Shop {
    // ----- categories -------------------------------------------------------------------

    /// Creates an active category (`manage_products`), audited `CREATE_CATEGORY`. The name
    /// must pass [`CATEGORY_NAME`]; names need not be unique.
    pub fn create_category(&self, actor: &Actor, name: &str, sort_order: i32) -> Result<Category> {
        let name = self.validated(
            actor,
            AuditAction::CreateCategory,
            Target::None,
            Permission::ManageProducts,
            CATEGORY_NAME.check(name).map_err(Error::from),
        )?;
        self.audited(actor, AuditAction::CreateCategory, Target::None, |tx| {
            require(tx, actor, Permission::ManageProducts)?;
            refuse_in_emergency(tx)?;
            let id = CategoryId::new(tx.next_id(Counter::CategorySeq)?)?;
            let category = Category {
                id,
                name: name.clone(),
                sort_order,
                active: true,
                product_count: 0,
                created_at: tx.now,
            };
            tx.save::<Categories>(&id, &category)?;
            tx.save::<CategoriesByOrder>(&category_order_key(&category), &())?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::CreateCategory,
                Target::Category(id),
                vec![
                    Detail::noted("name", &name),
                    Detail::noted("sort_order", sort_order),
                ],
            )?;
            Ok(category)
        })
    }

    /// Changes one thing about a category (`manage_products`), audited `UPDATE_CATEGORY`
    /// with before and after. Fails with [`InvalidInput::Unchanged`] when it already is so.
    pub fn update_category(
        &self,
        actor: &Actor,
        id: CategoryId,
        change: CategoryChange,
    ) -> Result<Category> {
        let change = self.validated(
            actor,
            AuditAction::UpdateCategory,
            Target::Category(id),
            Permission::ManageProducts,
            match change {
                CategoryChange::Name(n) => CATEGORY_NAME
                    .check(&n)
                    .map(CategoryChange::Name)
                    .map_err(Error::from),
                other => Ok(other),
            },
        )?;
        self.audited(
            actor,
            AuditAction::UpdateCategory,
            Target::Category(id),
            |tx| {
                require(tx, actor, Permission::ManageProducts)?;
                refuse_in_emergency(tx)?;
                let before = load_category(tx, id)?;
                let mut category = before.clone();
                let detail = match &change {
                    CategoryChange::Name(n) => {
                        category.name = n.clone();
                        Detail::changed("name", &before.name, n)
                    }
                    CategoryChange::SortOrder(s) => {
                        category.sort_order = *s;
                        Detail::changed("sort_order", before.sort_order, s)
                    }
                    CategoryChange::Active(a) => {
                        category.active = *a;
                        Detail::changed("active", before.active, a)
                    }
                };
                if category == before {
                    return Err(InvalidInput::Unchanged {
                        what: format!("category {id} already has that {}", detail.field),
                    }
                    .into());
                }
                tx.delete::<CategoriesByOrder>(&category_order_key(&before))?;
                tx.save::<CategoriesByOrder>(&category_order_key(&category), &())?;
                tx.save::<Categories>(&id, &category)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdateCategory,
                    Target::Category(id),
                    vec![detail],
                )?;
                Ok(category)
            },
        )
    }

    /// Deletes an empty category (`manage_products`), audited `DELETE_CATEGORY`. Fails with
    /// [`CatalogError::CategoryNotEmpty`] while it holds products, archived ones included
    /// (move them with [`ProductChange::Category`]).
    pub fn delete_category(&self, actor: &Actor, id: CategoryId) -> Result<()> {
        self.audited(
            actor,
            AuditAction::DeleteCategory,
            Target::Category(id),
            |tx| {
                require(tx, actor, Permission::ManageProducts)?;
                refuse_in_emergency(tx)?;
                let category = load_category(tx, id)?;
                if category.product_count > 0 {
                    return Err(CatalogError::CategoryNotEmpty {
                        id,
                        products: category.product_count,
                    }
                    .into());
                }
                tx.delete::<Categories>(&id)?;
                tx.delete::<CategoriesByOrder>(&category_order_key(&category))?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::DeleteCategory,
                    Target::Category(id),
                    vec![Detail::noted("name", &category.name)],
                )?;
                Ok(())
            },
        )
    }

    /// A category by id, active or not; `None` when there is none.
    pub fn category(&self, id: CategoryId) -> Result<Option<Category>> {
        Ok(self.store.fetch::<Categories>(&id)?)
    }

    /// Categories in sort order; `active_only` for shoppers. No actor: the catalog's
    /// structure is public.
    pub fn categories(&self, active_only: bool) -> Result<Vec<Category>> {
        let mut out = Vec::new();
        for item in self
            .store
            .scan_keys(Span::<CategoriesByOrder>::all(), false)
        {
            let (_, id) = item?;
            if let Some(category) = self.category(id)?
                && (category.active || !active_only)
            {
                out.push(category);
            }
        }
        Ok(out)
    }

    // ----- products ---------------------------------------------------------------------

    /// Creates a product (`manage_products`); audited `CREATE_PRODUCT`.
    ///
    /// Fails with [`InvalidInput`] for a bad name or description, with
    /// [`CatalogError::BadPrice`], [`CatalogError::StockTooLarge`] or
    /// [`CatalogError::BadPlayerRule`], and with [`CatalogError::CategoryNotFound`]. A code
    /// product is created with an empty pool: fill it with [`Shop::add_codes`].
    pub fn create_product(&self, actor: &Actor, new: &NewProduct) -> Result<Product> {
        let (name, description, price, delivery, stock, player_field) = self.validated(
            actor,
            AuditAction::CreateProduct,
            Target::None,
            Permission::ManageProducts,
            (|| {
                Ok((
                    PRODUCT_NAME.check(&new.name)?,
                    check_description(&new.description)?,
                    check_price(new.price_usd)?,
                    check_delivery(&new.delivery)?,
                    check_stock(new.stock)?,
                    check_player_field(&new.player_field)?,
                ))
            })(),
        )?;
        self.audited(actor, AuditAction::CreateProduct, Target::None, |tx| {
            require(tx, actor, Permission::ManageProducts)?;
            refuse_in_emergency(tx)?;
            load_category(tx, new.category)?;
            let id = ProductId::new(tx.next_id(Counter::ProductSeq)?)?;
            let product = Product {
                id,
                category: new.category,
                name: name.clone(),
                description: description.clone(),
                price_usd: price,
                kind: new.kind,
                active: new.active,
                archived: false,
                delivery: delivery.clone(),
                stock,
                player_field: player_field.clone(),
                sort_order: new.sort_order,
                codes_available: 0,
                codes_head: 0,
                codes_tail: 0,
                order_count: 0,
                created_at: tx.now,
                updated_at: tx.now,
            };
            save_product(tx, None, &product)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::CreateProduct,
                Target::Product(id),
                vec![
                    Detail::noted("name", &product.name),
                    Detail::noted("price_usd", product.price_usd),
                    Detail::noted("category", product.category),
                    Detail::noted("kind", product.kind),
                    Detail::noted("delivery", &product.delivery),
                    Detail::noted("stock", product.stock),
                    Detail::noted("active", product.active),
                ],
            )?;
            Ok(product)
        })
    }

    /// Changes one field of a product (`manage_products`). Audited `UPDATE_PRODUCT` with
    /// before and after, or `ACTIVATE_PRODUCT` / `DEACTIVATE_PRODUCT` for the active flag.
    /// Orders already placed keep what they recorded (name, price). Fails with
    /// [`CatalogError::ProductArchived`] for an archived product and
    /// [`InvalidInput::Unchanged`] when the field already has that value.
    pub fn update_product(
        &self,
        actor: &Actor,
        id: ProductId,
        change: ProductChange,
    ) -> Result<Product> {
        let action = match change {
            ProductChange::Active(true) => AuditAction::ActivateProduct,
            ProductChange::Active(false) => AuditAction::DeactivateProduct,
            _ => AuditAction::UpdateProduct,
        };
        let change = self.validated(
            actor,
            action,
            Target::Product(id),
            Permission::ManageProducts,
            (|| {
                Ok(match change {
                    ProductChange::Name(n) => ProductChange::Name(PRODUCT_NAME.check(&n)?),
                    ProductChange::Description(d) => {
                        ProductChange::Description(check_description(&d)?)
                    }
                    ProductChange::Price(p) => ProductChange::Price(check_price(p)?),
                    ProductChange::Delivery(d) => ProductChange::Delivery(check_delivery(&d)?),
                    ProductChange::Stock(s) => ProductChange::Stock(check_stock(s)?),
                    ProductChange::PlayerField(f) => {
                        ProductChange::PlayerField(check_player_field(&f)?)
                    }
                    other => other,
                })
            })(),
        )?;
        self.audited(actor, action, Target::Product(id), |tx| {
            let before = product_to_change(tx, actor, id)?;
            let mut product = before.clone();
            let optional = |f: &Option<PlayerField>| match f {
                Some(f) => f.to_string(),
                None => "(none)".into(),
            };
            let detail = match &change {
                ProductChange::Name(n) => {
                    product.name = n.clone();
                    Detail::changed("name", &before.name, n)
                }
                ProductChange::Description(d) => {
                    product.description = d.clone();
                    Detail::changed("description", &before.description, d)
                }
                ProductChange::Price(p) => {
                    product.price_usd = *p;
                    Detail::changed("price_usd", before.price_usd, p)
                }
                ProductChange::Kind(k) => {
                    product.kind = *k;
                    Detail::changed("kind", before.kind, k)
                }
                ProductChange::Category(c) => {
                    load_category(tx, *c)?;
                    product.category = *c;
                    Detail::changed("category", before.category, c)
                }
                ProductChange::Delivery(d) => {
                    if before.delivery == Delivery::Codes
                        && *d != Delivery::Codes
                        && before.codes_available > 0
                    {
                        return Err(CatalogError::CodesInPool {
                            id,
                            codes: before.codes_available,
                        }
                        .into());
                    }
                    product.delivery = d.clone();
                    Detail::changed("delivery", &before.delivery, d)
                }
                ProductChange::Stock(s) => {
                    if before.delivery == Delivery::Codes {
                        return Err(CatalogError::StockFromCodes { id }.into());
                    }
                    product.stock = *s;
                    Detail::changed("stock", before.stock, s)
                }
                ProductChange::PlayerField(f) => {
                    product.player_field = f.clone();
                    Detail::changed("player_field", optional(&before.player_field), optional(f))
                }
                ProductChange::SortOrder(s) => {
                    product.sort_order = *s;
                    Detail::changed("sort_order", before.sort_order, s)
                }
                ProductChange::Active(a) => {
                    product.active = *a;
                    Detail::changed("active", before.active, a)
                }
            };
            if product == before {
                return Err(InvalidInput::Unchanged {
                    what: format!("product {id} already has that {}", detail.field),
                }
                .into());
            }
            product.updated_at = tx.now;
            save_product(tx, Some(&before), &product)?;
            audit::done(tx, actor.who(), action, Target::Product(id), vec![detail])?;
            Ok(product)
        })
    }

    /// Sets or removes a product's photo (`manage_products`): `Some(reference)` is the
    /// frontend's reference to a picture it keeps (a Telegram `file_id`; no image bytes live
    /// in the store), `None` removes it. Audited `UPDATE_PRODUCT` (field `photo`). Fails
    /// with [`CatalogError::ProductNotFound`], [`CatalogError::ProductArchived`], an
    /// [`InvalidInput`] for an empty, too long or control-character reference, and
    /// [`InvalidInput::Unchanged`] when the product already has that photo (or none).
    pub fn set_product_photo(
        &self,
        actor: &Actor,
        id: ProductId,
        reference: Option<&str>,
    ) -> Result<Option<ProductPhoto>> {
        let reference = self.validated(
            actor,
            AuditAction::UpdateProduct,
            Target::Product(id),
            Permission::ManageProducts,
            reference
                .map(|r| PRODUCT_PHOTO.check(r).map_err(Error::from))
                .transpose(),
        )?;
        self.change_beside_product(actor, id, |tx| {
            let before = tx.load::<ProductPhotos>(&id)?;
            if before.as_ref().map(|p| p.reference.as_str()) == reference.as_deref() {
                return Err(InvalidInput::Unchanged {
                    what: "product photo".into(),
                }
                .into());
            }
            let photo = reference.clone().map(|reference| ProductPhoto {
                reference,
                set_at: tx.now,
            });
            match &photo {
                Some(photo) => tx.save::<ProductPhotos>(&id, photo)?,
                None => {
                    tx.delete::<ProductPhotos>(&id)?;
                }
            }
            let said = |p: &Option<_>| if p.is_some() { "set" } else { "none" };
            Ok((Detail::changed("photo", said(&before), said(&photo)), photo))
        })
    }

    /// The frame of a change kept beside a product (its photo, its limit per order):
    /// `manage_products`, refused in an emergency and for a missing or archived product;
    /// `change` writes its record and says what changed; the product's `updated_at` moves
    /// and the change is audited `UPDATE_PRODUCT` with that detail, in one transaction.
    fn change_beside_product<T>(
        &self,
        actor: &Actor,
        id: ProductId,
        change: impl Fn(&Tx<'_>) -> Result<(Detail, T)>,
    ) -> Result<T> {
        self.audited(
            actor,
            AuditAction::UpdateProduct,
            Target::Product(id),
            |tx| {
                let before = product_to_change(tx, actor, id)?;
                let (detail, out) = change(tx)?;
                let mut product = before.clone();
                product.updated_at = tx.now;
                save_product(tx, Some(&before), &product)?;
                audit::done(
                    tx,
                    actor.who(),
                    AuditAction::UpdateProduct,
                    Target::Product(id),
                    vec![detail],
                )?;
                Ok(out)
            },
        )
    }

    /// A product's photo, if it has one (anyone may read it: the product card shows it).
    pub fn product_photo(&self, id: ProductId) -> Result<Option<ProductPhoto>> {
        Ok(self.store.fetch::<ProductPhotos>(&id)?)
    }

    /// Sets how many units of a product one order may buy (`manage_products`): 1 (the
    /// default) to [`ORDER_QUANTITY_MAX`]. Audited `UPDATE_PRODUCT` (field `per_order`).
    /// Fails with [`CatalogError::ProductNotFound`], [`CatalogError::ProductArchived`],
    /// [`CatalogError::BadOrderLimit`] out of range, and [`InvalidInput::Unchanged`] for the limit
    /// it has.
    pub fn set_order_limit(&self, actor: &Actor, id: ProductId, max: u32) -> Result<u32> {
        self.validated(
            actor,
            AuditAction::UpdateProduct,
            Target::Product(id),
            Permission::ManageProducts,
            if (1..=ORDER_QUANTITY_MAX).contains(&max) {
                Ok(())
            } else {
                Err(CatalogError::BadOrderLimit { max }.into())
            },
        )?;
        self.change_beside_product(actor, id, |tx| {
            let before = order_limit(tx, id)?;
            if before == max {
                return Err(InvalidInput::Unchanged {
                    what: "units per order".into(),
                }
                .into());
            }
            if max == 1 {
                tx.delete::<OrderLimits>(&id)?;
            } else {
                tx.save::<OrderLimits>(&id, &max)?;
            }
            Ok((Detail::changed("per_order", before, max), max))
        })
    }

    /// How many units of a product one order may buy (1 unless staff raised it).
    pub fn order_limit(&self, id: ProductId) -> Result<u32> {
        Ok(self.store.fetch::<OrderLimits>(&id)?.unwrap_or(1))
    }

    /// Deletes a product (`manage_products`): removed when it never had orders, archived
    /// (hidden, history intact) otherwise. Its code pool must be empty first
    /// ([`CatalogError::CodesInPool`]; see [`Shop::revoke_all_codes`]). Returns the
    /// archived product, or `None` when it was removed. Audited `DELETE_PRODUCT`.
    pub fn delete_product(&self, actor: &Actor, id: ProductId) -> Result<Option<Product>> {
        self.audited(
            actor,
            AuditAction::DeleteProduct,
            Target::Product(id),
            |tx| {
                let before = product_to_change(tx, actor, id)?;
                if before.codes_available > 0 {
                    return Err(CatalogError::CodesInPool {
                        id,
                        codes: before.codes_available,
                    }
                    .into());
                }
                if before.order_count == 0 {
                    tx.delete::<Products>(&id)?;
                    tx.delete::<ProductPhotos>(&id)?;
                    tx.delete::<OrderLimits>(&id)?;
                    crate::search::unindex(tx, id, &before.name)?;
                    tx.delete::<ProductsByCategory>(&product_index_key(&before))?;
                    adjust_product_count(tx, before.category, -1)?;
                    audit::done(
                        tx,
                        actor.who(),
                        AuditAction::DeleteProduct,
                        Target::Product(id),
                        vec![
                            Detail::noted("name", &before.name),
                            Detail::noted("outcome", "removed"),
                        ],
                    )?;
                    Ok(None)
                } else {
                    let mut product = before.clone();
                    product.archived = true;
                    product.active = false;
                    product.updated_at = tx.now;
                    save_product(tx, Some(&before), &product)?;
                    audit::done(
                        tx,
                        actor.who(),
                        AuditAction::DeleteProduct,
                        Target::Product(id),
                        vec![
                            Detail::noted("name", &before.name),
                            Detail::noted(
                                "outcome",
                                format!("archived ({} orders)", before.order_count),
                            ),
                        ],
                    )?;
                    Ok(Some(product))
                }
            },
        )
    }

    /// A product by id (archived ones too, for order history); `None` when there is none.
    /// No actor: shoppers and staff alike read products.
    pub fn product(&self, id: ProductId) -> Result<Option<Product>> {
        Ok(self.store.fetch::<Products>(&id)?)
    }

    /// Products on sale (in an active category) whose name matches `query`: every word of
    /// the query starts a word of the name, compared as [`crate::search::normalize`] makes
    /// them (case, Arabic letter variants, diacritics, digits), at most `limit` (1 to
    /// [`PAGE_LIMIT_MAX`]), by id. What shoppers search. The cost is bounded: one prefix's
    /// index entries are read, at most [`SEARCH_SCAN_MAX`] of them, whatever the catalog's
    /// size. A query of no letters or digits finds nothing; one over 100 characters or with
    /// control characters is refused ([`InvalidInput`]).
    pub fn search_products(&self, query: &str, limit: usize) -> Result<Vec<Product>> {
        crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?;
        let query = SEARCH_QUERY.check(query)?;
        let normalized = crate::search::normalize(&query);
        let words: Vec<&str> = crate::search::words(&normalized).collect();
        // The most selective word leads: the longest (a one-letter word only alone).
        let Some(lead) = words
            .iter()
            .filter(|w| w.chars().count() > 1 || words.len() == 1)
            .max_by_key(|w| w.chars().count())
        else {
            return Ok(Vec::new());
        };
        let key = crate::search::lookup_key(lead);
        let mut out = Vec::new();
        let mut shelf = Shelf::default();
        for item in self
            .store
            .scan_keys(Span::<crate::search::SearchTerms>::within(&key), false)
            .take(SEARCH_SCAN_MAX)
        {
            let (_, id) = item?;
            let Some(product) = shelf.offered(&self.store, id)? else {
                continue;
            };
            if crate::search::matches(&product.name, &words) {
                out.push(product);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// What shoppers see in a category: on-sale products in sort order, a page of up to
    /// `limit` (1 to [`PAGE_LIMIT_MAX`]) at a time; pass the page's `next` as `cursor` for
    /// the following one. An inactive or unknown category shows nothing.
    pub fn products_on_sale(
        &self,
        category: CategoryId,
        cursor: Option<&ProductCursor>,
        limit: usize,
    ) -> Result<ProductPage> {
        check_limit(limit)?;
        match self.category(category)? {
            Some(c) if c.active => {}
            _ => {
                return Ok(ProductPage {
                    products: Vec::new(),
                    next: None,
                });
            }
        }
        let mut span = Span::<ProductsByCategory>::within(&category);
        if let Some(cursor) = cursor {
            let after = cursor.key::<ProductsByCategory>()?;
            span = span.from(Bound::Excluded(&after));
        }
        let mut products = Vec::new();
        let mut last = None;
        let mut more = false;
        for item in self.store.scan_keys(span, false) {
            let k = item?;
            let id = k.2;
            let Some(product) = self.product(id)? else {
                continue;
            };
            if !product.on_sale() {
                continue;
            }
            if products.len() == limit {
                more = true;
                break;
            }
            last = Some(k);
            products.push(product);
        }
        Ok(ProductPage {
            products,
            next: if more {
                last.map(|k| ProductCursor::at::<ProductsByCategory>(&k))
            } else {
                None
            },
        })
    }

    /// Every product for staff, in id order, with filters (`view_catalog`: support and up),
    /// a page of up to `limit` (1 to [`PAGE_LIMIT_MAX`]) at a time.
    pub fn list_products(
        &self,
        actor: &Actor,
        filter: &ProductFilter,
        cursor: Option<&ProductCursor>,
        limit: usize,
    ) -> Result<ProductPage> {
        check_limit(limit)?;
        self.transact(|tx| require(tx, actor, Permission::ViewCatalog).map(|_| ()))?;
        let mut span = Span::<Products>::all();
        if let Some(cursor) = cursor {
            let after = cursor.key::<Products>()?;
            span = span.from(Bound::Excluded(&after));
        }
        let mut products = Vec::new();
        let mut more = false;
        for item in self.store.scan(span, false) {
            let (_, product) = item?;
            let keep = filter.category.is_none_or(|c| c == product.category)
                && filter.active.is_none_or(|a| a == product.active)
                && (filter.include_archived || !product.archived);
            if !keep {
                continue;
            }
            if products.len() == limit {
                more = true;
                break;
            }
            products.push(product);
        }
        let next = if more {
            products
                .last()
                .map(|p| ProductCursor::at::<Products>(&p.id))
        } else {
            None
        };
        Ok(ProductPage { products, next })
    }

    // ----- codes ------------------------------------------------------------------------

    /// Adds codes to a product's pool (`manage_products`). Blank lines are ignored. A code
    /// enters a pool once, ever: if any code was seen before for this product (in the pool,
    /// reserved, delivered or revoked) or repeats within the upload, nothing is added and the
    /// refusal counts them. Audited `ADD_CODES` with counts only.
    ///
    /// Fails with [`CatalogError::NotACodesProduct`] unless the product is delivered from
    /// codes, [`CatalogError::BadCode`], [`CatalogError::NoCodes`],
    /// [`CatalogError::TooManyCodes`] (more than [`CODES_PER_UPLOAD_MAX`]) and
    /// [`CatalogError::PoolFull`] (more than [`CODES_PER_PRODUCT_MAX`] in the pool).
    pub fn add_codes(&self, actor: &Actor, id: ProductId, codes: &[&str]) -> Result<CodesAdded> {
        let cleaned = self.validated(
            actor,
            AuditAction::AddCodes,
            Target::Product(id),
            Permission::ManageProducts,
            clean_codes(codes),
        )?;
        self.audited(actor, AuditAction::AddCodes, Target::Product(id), |tx| {
            let before = product_to_change(tx, actor, id)?;
            if before.delivery != Delivery::Codes {
                return Err(CatalogError::NotACodesProduct { id }.into());
            }
            let mut product = before.clone();
            let keys: Vec<CodeKey> = cleaned.iter().map(|c| code_hash_key(id, c)).collect();
            let mut seen = std::collections::BTreeSet::new();
            let mut duplicates = 0u64;
            for key in &keys {
                if !seen.insert(key) || tx.has::<CodesSeen>(key)? {
                    duplicates += 1;
                }
            }
            if duplicates > 0 {
                return Err(CatalogError::DuplicateCodes { count: duplicates }.into());
            }
            push_codes(
                tx,
                &mut product,
                cleaned.iter().map(String::as_str).zip(keys),
            )?;
            let added = u64::try_from(cleaned.len()).unwrap_or(u64::MAX);
            if product.codes_available > CODES_PER_PRODUCT_MAX {
                return Err(CatalogError::PoolFull {
                    count: product.codes_available,
                }
                .into());
            }
            product.updated_at = tx.now;
            save_product(tx, Some(&before), &product)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::AddCodes,
                Target::Product(id),
                vec![
                    Detail::noted("added", added),
                    Detail::changed("available", before.codes_available, product.codes_available),
                ],
            )?;
            Ok(CodesAdded {
                added,
                available: product.codes_available,
            })
        })
    }

    /// `Shop::revoke_codes`, with what to do to an open order that holds a revoked code (the
    /// orders module, above this one, hands it in).
    pub(crate) fn revoke_codes_with(
        &self,
        actor: &Actor,
        id: ProductId,
        codes: &[&str],
        take_from_order: TakeFromOrder,
    ) -> Result<u64> {
        let wanted = self.validated(
            actor,
            AuditAction::RevokeCodes,
            Target::Product(id),
            Permission::ManageProducts,
            clean_codes(codes),
        )?;
        let keys: Vec<CodeKey> = wanted.iter().map(|c| code_hash_key(id, c)).collect();
        self.revoke(actor, id, false, &keys, take_from_order)
    }

    /// `Shop::revoke_all_codes`, with what to do to an open order that holds a revoked code.
    pub(crate) fn revoke_all_codes_with(
        &self,
        actor: &Actor,
        id: ProductId,
        take_from_order: TakeFromOrder,
    ) -> Result<u64> {
        let keys = self.reserved_code_keys(id)?;
        let mut revoked = self.revoke(actor, id, true, &keys, take_from_order)?;
        // A code reserved between the scan above and that transaction came from the pool,
        // which is empty now: one more pass catches it, and no new reservation can follow.
        let late = self.reserved_code_keys(id)?;
        if !late.is_empty() {
            revoked += self.revoke(actor, id, false, &late, take_from_order)?;
        }
        Ok(revoked)
    }

    /// The `codes_seen` keys of a product's codes that open orders hold (read outside a
    /// transaction; the revoking transaction checks each again).
    fn reserved_code_keys(&self, id: ProductId) -> Result<Vec<CodeKey>> {
        let mut keys = Vec::new();
        for item in self.store.scan(Span::<CodesSeen>::within(&id), false) {
            let (k, fate) = item?;
            if matches!(fate, CodeFate::Reserved { .. }) {
                keys.push(k);
            }
        }
        Ok(keys)
    }

    /// Revokes the codes behind `keys` (their `codes_seen` keys), and with `whole_pool` every
    /// code left in the pool, in one transaction.
    fn revoke(
        &self,
        actor: &Actor,
        id: ProductId,
        whole_pool: bool,
        keys: &[CodeKey],
        take_from_order: TakeFromOrder,
    ) -> Result<u64> {
        self.audited(actor, AuditAction::RevokeCodes, Target::Product(id), |tx| {
            require(tx, actor, Permission::ManageProducts)?;
            refuse_in_emergency(tx)?;
            let before = load_product(tx, id)?;
            // Not a code product, nothing in its pool, and none of these codes reserved by an
            // order (a product may have changed delivery while orders still hold codes).
            let reserves = |k: &CodeKey| -> Result<bool> {
                Ok(matches!(
                    tx.load::<CodesSeen>(k)?,
                    Some(CodeFate::Reserved { .. })
                ))
            };
            if before.delivery != Delivery::Codes && before.codes_available == 0 {
                let mut any_reserved = false;
                for k in keys {
                    any_reserved |= reserves(k)?;
                }
                if !any_reserved {
                    return Err(CatalogError::NotACodesProduct { id }.into());
                }
            }
            let mut product = before.clone();
            let mut keys = keys.to_vec();
            if whole_pool {
                for slot in before.codes_head..before.codes_tail {
                    if let Some(stored) = pool_code(tx, id, slot)? {
                        keys.push(code_hash_key(id, &stored.code));
                    }
                }
            }
            let mut revoked = 0u64;
            let mut from_orders = 0u64;
            for k in &keys {
                match tx.load::<CodesSeen>(k)? {
                    Some(CodeFate::InPool { slot }) => {
                        pool_take(tx, id, slot)?;
                        product.codes_available = product.codes_available.saturating_sub(1);
                    }
                    Some(CodeFate::Reserved { order }) => {
                        take_from_order(tx, &mut product, order, k)?;
                        from_orders += 1;
                    }
                    Some(CodeFate::Delivered { .. } | CodeFate::Revoked) | None => continue,
                }
                tx.save::<CodesSeen>(k, &CodeFate::Revoked)?;
                revoked += 1;
            }
            if product.codes_available == 0 {
                product.codes_head = product.codes_tail;
            }
            product.updated_at = tx.now;
            save_product(tx, Some(&before), &product)?;
            audit::done(
                tx,
                actor.who(),
                AuditAction::RevokeCodes,
                Target::Product(id),
                vec![
                    Detail::noted("revoked", revoked),
                    Detail::noted("taken_from_orders", from_orders),
                    Detail::changed("available", before.codes_available, product.codes_available),
                ],
            )?;
            Ok(revoked)
        })
    }
}

/// What revoking a code does to the open order that holds it: replaces it from `product`'s
/// pool or hands the order to staff (the orders module's rule, handed in from above).
pub(crate) type TakeFromOrder = fn(&Tx<'_>, &mut Product, OrderId, &CodeKey) -> Result<()>;

/// Trims an upload, drops blank lines and checks each code (line numbers in errors count
/// every line given).
fn clean_codes(codes: &[&str]) -> Result<Vec<String>> {
    let mut cleaned: Vec<String> = Vec::new();
    for (i, raw) in codes.iter().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let code = CODE.check(raw).map_err(|e| CatalogError::BadCode {
            line: i + 1,
            reason: e.to_string(),
        })?;
        cleaned.push(code);
    }
    if cleaned.is_empty() {
        return Err(CatalogError::NoCodes.into());
    }
    if cleaned.len() > CODES_PER_UPLOAD_MAX {
        return Err(CatalogError::TooManyCodes {
            count: cleaned.len(),
        }
        .into());
    }
    Ok(cleaned)
}

fn check_limit(limit: usize) -> Result<()> {
    Ok(crate::error::check_page_size(limit, PAGE_LIMIT_MAX)?)
}

/// Whether the order a code's fate names holds that code as the fate says (reserved by an
/// open order, or delivered by a completed one), given a test of the code against the
/// fate's hash: the orders module's check, handed in by `verify.rs`.
pub(crate) type HeldByOrder<'a> =
    &'a dyn Fn(OrderId, &CodeFate, &dyn Fn(&str) -> bool) -> std::result::Result<bool, StoreError>;

/// Checks category counts, the category and product indexes, and every code pool.
pub(crate) fn verify(
    store: &crate::store::Store,
    held_by_order: HeldByOrder<'_>,
) -> std::result::Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let mut per_category: std::collections::BTreeMap<CategoryId, u64> = Default::default();
    let mut products = 0usize;
    let mut search_entries = 0u64;
    let mut codes_total = 0u64;
    for item in store.scan(Span::<Products>::all(), false) {
        let (_, product) = match item {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(format!("catalog: unreadable product: {e}"));
                continue;
            }
        };
        products += 1;
        *per_category.entry(product.category).or_default() += 1;
        for entry in crate::search::prefixes(&product.name) {
            search_entries += 1;
            if !store.exists::<crate::search::SearchTerms>(&(entry.clone(), product.id))? {
                problems.push(format!(
                    "catalog: product {} missing from the search index under {entry:?}",
                    product.id
                ));
            }
        }
        if !store.exists::<ProductsByCategory>(&product_index_key(&product))? {
            problems.push(format!(
                "catalog: product {} missing from the category index",
                product.id
            ));
        }
        if !store.exists::<Categories>(&product.category)? {
            problems.push(format!(
                "catalog: product {} is in missing category {}",
                product.id, product.category
            ));
        }
        let mut pool = 0u64;
        let mut codes = Vec::new();
        for chunk in store.scan(Span::<CodeChunks>::within(&product.id), false) {
            let ((_, number), slots) = chunk?;
            if slots.is_empty() || slots.iter().all(Option::is_none) {
                problems.push(format!(
                    "catalog: product {} keeps an empty pool chunk",
                    product.id
                ));
            }
            for (place, stored) in (0u64..).zip(slots) {
                if let Some(stored) = stored {
                    codes.push((number * CODE_CHUNK + place, stored));
                }
            }
        }
        for (slot, stored) in codes {
            pool += 1;
            if slot < product.codes_head || slot >= product.codes_tail {
                problems.push(format!(
                    "catalog: product {} has a code outside its pool range",
                    product.id
                ));
            }
            // Its fate says where it is: that is how uploads find duplicates and how
            // revocation finds it.
            let fate: Option<CodeFate> =
                store.fetch::<CodesSeen>(&code_hash_key(product.id, &stored.code))?;
            if fate != Some(CodeFate::InPool { slot }) {
                problems.push(format!(
                    "catalog: a code in the pool of product {} is recorded as {fate:?}",
                    product.id
                ));
            }
        }
        codes_total += pool;
        if pool != product.codes_available {
            problems.push(format!(
                "catalog: product {} says {} codes available, its pool holds {pool}",
                product.id, product.codes_available
            ));
        }
    }
    let indexed = store.count(Span::<ProductsByCategory>::all())?;
    if indexed != u64::try_from(products).unwrap_or(u64::MAX) {
        problems.push(format!(
            "catalog: category index has {indexed} entries for {products} products"
        ));
    }
    problems.extend(verify_code_fates(store, codes_total, held_by_order)?);
    let mut categories = 0usize;
    for item in store.scan(Span::<Categories>::all(), false) {
        let (_, category) = item?;
        categories += 1;
        let actual = per_category.get(&category.id).copied().unwrap_or(0);
        if category.product_count != actual {
            problems.push(format!(
                "catalog: category {} counts {} products, holds {actual}",
                category.id, category.product_count
            ));
        }
        if !store.exists::<CategoriesByOrder>(&category_order_key(&category))? {
            problems.push(format!(
                "catalog: category {} missing from the order index",
                category.id
            ));
        }
    }
    if store.count(Span::<CategoriesByOrder>::all())?
        != u64::try_from(categories).unwrap_or(u64::MAX)
    {
        problems.push("catalog: category order index and categories differ in size".into());
    }
    if store.count(Span::<crate::search::SearchTerms>::all())? != search_entries {
        problems.push("catalog: the search index holds entries no product name has".into());
    }
    for item in store.scan(Span::<ProductPhotos>::all(), false) {
        match item {
            Ok((id, photo)) => {
                if !store.exists::<Products>(&id)? {
                    problems.push(format!("catalog: a photo for product {id}, which is gone"));
                }
                if PRODUCT_PHOTO.check(&photo.reference).is_err() {
                    problems.push(format!(
                        "catalog: product {id}'s photo reference is malformed"
                    ));
                }
            }
            Err(e) => problems.push(format!("catalog: unreadable product photo: {e}")),
        }
    }
    for item in store.scan(Span::<OrderLimits>::all(), false) {
        match item {
            Ok((id, max)) => {
                if !store.exists::<Products>(&id)? {
                    problems.push(format!(
                        "catalog: a limit per order for product {id}, which is gone"
                    ));
                }
                if !(2..=ORDER_QUANTITY_MAX).contains(&max) {
                    problems.push(format!(
                        "catalog: product {id}'s limit per order, {max}, is outside 2 to {ORDER_QUANTITY_MAX}"
                    ));
                }
            }
            Err(e) => problems.push(format!("catalog: unreadable limit per order: {e}")),
        }
    }
    Ok(problems)
}

/// Every code's recorded fate agrees with where the code is: in the pool at its slot, held by
/// the open order that reserved it, or in the delivery of the order that completed.
fn verify_code_fates(
    store: &crate::store::Store,
    codes_in_pools: u64,
    held_by_order: HeldByOrder<'_>,
) -> std::result::Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let mut in_pool = 0u64;
    for item in store.scan(Span::<CodesSeen>::all(), false) {
        let (k, fate) = match item {
            Ok(record) => record,
            Err(e) if crate::store::is_bad_key(&e) => {
                problems.push("catalog: a code fate has a malformed key".into());
                continue;
            }
            Err(e) => return Err(e),
        };
        let product = k.0;
        let hash_of = |code: &str| code_hash_key(product, code) == k;
        let ok = match fate {
            CodeFate::InPool { slot } => {
                in_pool += 1;
                stored_pool_code(store, product, slot)?.is_some_and(|c| hash_of(&c.code))
            }
            CodeFate::Reserved { order } | CodeFate::Delivered { order } => {
                held_by_order(order, &fate, &hash_of)?
            }
            CodeFate::Revoked => true,
        };
        if !ok {
            problems.push(format!(
                "catalog: a code of product {product} is recorded as {fate:?} but is not there"
            ));
        }
    }
    if in_pool != codes_in_pools {
        problems.push(format!(
            "catalog: {in_pool} codes recorded as in a pool, the pools hold {codes_in_pools}"
        ));
    }
    Ok(problems)
}

/// Schema 14 → 15: the search index of every product's name.
pub(crate) fn migrate_search_index(
    store: &crate::store::Store,
) -> std::result::Result<(), StoreError> {
    let mut done = 0u64;
    for item in store.scan(Span::<Products>::all(), false) {
        let (_, product) = item?;
        for entry in crate::search::prefixes(&product.name) {
            store.put_direct_record::<crate::search::SearchTerms>(&(entry, product.id), &())?;
        }
        done += 1;
        if done.is_multiple_of(10_000) {
            store.report_progress("indexing product names for search", done);
        }
    }
    if !done.is_multiple_of(10_000) {
        store.report_progress("indexing product names for search", done);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn player_id_rules() {
        let digits = PlayerIdRule::Digits {
            len_min: 6,
            len_max: 12,
        };
        assert_eq!(digits.check(" 123456 ").unwrap(), "123456");
        for bad in ["12345", "1234567890123", "12345a", "", "١٢٣٤٥٦"] {
            assert!(digits.check(bad).is_err(), "{bad}");
        }
        let alnum = PlayerIdRule::Alphanumeric {
            len_min: 3,
            len_max: 5,
        };
        assert!(alnum.check("ab12").is_ok());
        assert!(alnum.check("ab_1").is_err());
        let mask = PlayerIdRule::Mask("###-AA*".into());
        assert!(mask.check("123-xy9").is_ok());
        assert!(mask.check("123-xyz").is_ok());
        assert!(mask.check("123xy9").is_err());
        assert!(mask.check("12a-xy9").is_err());
        assert!(mask.check("123-x19").is_err());
        assert!(
            PlayerIdRule::Digits {
                len_min: 0,
                len_max: 3
            }
            .validate()
            .is_err()
        );
        assert!(
            PlayerIdRule::Digits {
                len_min: 5,
                len_max: 3
            }
            .validate()
            .is_err()
        );
        assert!(PlayerIdRule::Mask(String::new()).validate().is_err());
        assert!(PlayerIdRule::Mask("a b".into()).validate().is_err());
    }

    #[test]
    fn sort_keys_order_like_numbers() {
        let key = |order: i32| {
            crate::store::cursor_bytes::<CategoriesByOrder>(&(order, CategoryId::new(1).unwrap()))
        };
        let values = [i32::MIN, -10, -1, 0, 1, 10, i32::MAX];
        for pair in values.windows(2) {
            assert!(key(pair[0]) < key(pair[1]));
        }
    }

    #[test]
    fn price_rules() {
        assert!(check_price(Money::units(0)).is_err());
        assert!(check_price(Money::units(-1)).is_err());
        assert!(check_price(Money::units(100_001)).is_err());
        assert!(check_price(Money::units(100_000)).is_ok());
        assert_eq!(
            parse_price("1.999").unwrap_err().kind(),
            "amount.too_many_decimals"
        );
    }
}
