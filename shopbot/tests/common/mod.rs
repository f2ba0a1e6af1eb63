//! Helpers shared by the tests: a real shop in a temporary directory with a seeded catalog,
//! a fake Telegram Bot API ([`telegram`]) and a dispatcher over it ([`harness`]), builders for
//! what people do in Telegram, and readers for what the bot showed them.

#![allow(dead_code)]

pub mod cryptopay;
pub mod harness;
pub mod telegram;

pub use harness::{IntoIncoming, Responses, TestBot};
pub use telegram::{FakeTelegram, Fault, Incoming, Person};

use shopbot::BotError;
use shopbot::callback::Callback;
use shopcore::{
    Actor, CategoryId, Config, CouponKind, CouponScope, Delivery, Durability, ManualClock, Money,
    NewCoupon, NewPaymentMethod, NewProduct, PaymentMethodId, Product, ProductId, ProductKind,
    RequestKey, Shop, Stock, Timestamp, UserId,
};
use std::sync::Arc;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButtonKind, InlineKeyboardMarkup};

pub const OWNER: u64 = 1;
pub const SHOPPER: u64 = 5_001;

pub struct TestShop {
    pub shop: Arc<Shop>,
    pub dir: tempfile::TempDir,
}

/// 2026-01-01T09:30:00Z: the shop's clock in tests, so rendered dates are stable.
pub const START: Timestamp = Timestamp(1_767_259_800_000);

pub fn config() -> Config {
    Config::default()
        .with_clock(Arc::new(ManualClock::new(START)))
        .with_durability(Durability::Background)
        .with_super_admins(vec![uid(OWNER)])
}

impl TestShop {
    pub fn new() -> TestShop {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let shop = Shop::open(dir.path().join("shop.db"), config()).expect("open shop");
        TestShop {
            shop: Arc::new(shop),
            dir,
        }
    }

    /// A shop whose clock the test moves.
    pub fn clocked() -> (TestShop, Arc<ManualClock>) {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(START));
        let shop = Shop::open(
            dir.path().join("shop.db"),
            config().with_clock(clock.clone()),
        )
        .expect("open shop");
        (
            TestShop {
                shop: Arc::new(shop),
                dir,
            },
            clock,
        )
    }

    /// Closes the shop and opens it again from disk (a restart).
    pub fn reopen(self) -> TestShop {
        let TestShop { shop, dir } = self;
        let shop = Arc::into_inner(shop).expect("no other handle to the shop");
        drop(shop);
        let mut reopened = None;
        for _ in 0..100 {
            match Shop::open(dir.path().join("shop.db"), config()) {
                Ok(shop) => {
                    reopened = Some(shop);
                    break;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
        TestShop {
            shop: Arc::new(reopened.expect("reopen shop")),
            dir,
        }
    }

    pub fn owner(&self) -> Actor {
        self.shop.actor(uid(OWNER)).expect("owner")
    }

    pub fn category(&self, name: &str) -> CategoryId {
        self.shop
            .create_category(&self.owner(), name, 0)
            .expect("category")
            .id
    }

    pub fn product(&self, category: CategoryId, name: &str, price: &str) -> Product {
        self.product_with(category, name, price, |_| {})
    }

    pub fn product_with(
        &self,
        category: CategoryId,
        name: &str,
        price: &str,
        change: impl FnOnce(&mut NewProduct),
    ) -> Product {
        let mut new = NewProduct {
            category,
            name: name.into(),
            description: String::new(),
            price_usd: money(price),
            kind: ProductKind::GameTopUp,
            delivery: Delivery::Manual,
            stock: Stock::Unlimited,
            player_field: None,
            sort_order: 0,
            active: true,
        };
        change(&mut new);
        self.shop
            .create_product(&self.owner(), &new)
            .expect("product")
    }

    pub fn method(&self, name: &str, currency: &str, min: &str, max: &str) -> PaymentMethodId {
        self.shop
            .create_payment_method(
                &self.owner(),
                &NewPaymentMethod {
                    name: name.into(),
                    instructions: "Transfer to IBAN SA00 1234 5678".into(),
                    currency: currency.into(),
                    min_amount: money(min),
                    max_amount: money(max),
                    active: true,
                },
            )
            .expect("payment method")
            .id
    }

    pub fn sar(&self) {
        self.shop
            .add_currency(&self.owner(), "SAR", "ر.س", 2, money("3.75"))
            .expect("SAR");
    }

    pub fn coupon(&self, code: &str, percent: &str) {
        self.shop
            .create_coupon(
                &self.owner(),
                &NewCoupon {
                    code: code.into(),
                    kind: CouponKind::Percentage(percent.parse().expect("percent")),
                    max_uses: 100,
                    uses_per_user: 1,
                    min_order_usd: None,
                    expires_at: None,
                    scope: CouponScope::All,
                },
            )
            .expect("coupon");
    }

    /// Gives `user` (registered first if needed) `amount` USD.
    pub fn fund(&self, user: u64, amount: &str) {
        self.register(user, "en");
        self.shop
            .adjust_balance(
                &self.owner(),
                uid(user),
                money(amount),
                "test funds",
                &key(&format!("fund-{user}-{amount}")),
            )
            .expect("fund");
    }

    pub fn register(&self, user: u64, lang: &str) {
        self.shop
            .register_user(&shopcore::Registration {
                id: uid(user),
                username: None,
                display_name: "Sam",
                language: Some(lang),
            })
            .expect("register");
    }

    pub fn balance(&self, user: u64) -> Money {
        self.shop.balance(uid(user)).expect("balance")
    }

    pub fn orders(&self, user: u64) -> Vec<shopcore::Order> {
        let actor = self.shop.actor(uid(user)).expect("actor");
        self.shop
            .orders_of(&actor, uid(user), None, 100)
            .expect("orders")
            .orders
    }

    pub fn session(&self, user: u64) -> Option<shopbot::state::State> {
        self.shop
            .session(shopbot::SCOPE, user)
            .expect("session")
            .map(|b| serde_json::from_slice(&b).expect("state json"))
    }
}

/// Arabic, the right-to-left language every screen is checked in beside English.
pub fn arabic() -> shopbot::i18n::Lang {
    shopbot::i18n::Lang::parse("ar").expect("Arabic ships")
}

/// The two languages the snapshot tests record.
pub fn snapshot_languages() -> [shopbot::i18n::Lang; 2] {
    [shopbot::i18n::Lang::EN, arabic()]
}

pub fn uid(id: u64) -> UserId {
    UserId::new(id).expect("user id")
}

pub fn money(text: &str) -> Money {
    Money::from_decimal(text.parse().expect("decimal"))
}

pub fn key(text: &str) -> RequestKey {
    RequestKey::new(text).expect("request key")
}

// ----- updates ------------------------------------------------------------------------

/// A Telegram user named Sam whose app speaks `lang`.
pub fn person(id: u64, lang: &str) -> Person {
    Person::new(id, "Sam", lang)
}

pub fn text(user: u64, lang: &str, text: &str) -> Incoming {
    Incoming::text(person(user, lang), text)
}

/// A photo of [`telegram::PICTURE`] (add `.caption(..)` for a caption).
pub fn photo(user: u64, lang: &str) -> Incoming {
    Incoming::photo(person(user, lang))
}

/// A tap on a button with raw `data`; `id` is the callback query id (the same id again is
/// Telegram redelivering that tap).
pub fn tap_raw(user: u64, lang: &str, data: &str, id: &str) -> Incoming {
    Incoming::tap(person(user, lang), data, id)
}

pub fn tap(user: u64, lang: &str, callback: &Callback, id: &str) -> Incoming {
    tap_raw(user, lang, &callback.encode(), id)
}

/// The text a test sends to make the tree below deliver the outbox once.
pub const DELIVER: &str = "/__deliver_notifications";
/// The same, with staff notifications going to [`STAFF_CHAT`].
pub const DELIVER_STAFF: &str = "/__deliver_notifications_to_staff";
/// The staff chat (a group) in tests.
pub const STAFF_CHAT: i64 = -100_200;

/// The bot's schema plus one test-only branch: a message [`DELIVER`] runs one notification
/// pass with the mocked bot (the real background task polls the same function).
pub fn tree() -> UpdateHandler<BotError> {
    teloxide::dptree::entry()
        .branch(
            Update::filter_message()
                .filter(|m: Message| m.text() == Some(DELIVER))
                .endpoint(|bot: Bot, shop: Arc<Shop>| async move {
                    shopbot::notify::deliver_pending(&bot, &shop).await?;
                    Ok(())
                }),
        )
        .branch(
            Update::filter_message()
                .filter(|m: Message| m.text() == Some(DELIVER_STAFF))
                .endpoint(|bot: Bot, shop: Arc<Shop>| async move {
                    let staff = shopbot::notify::StaffChat {
                        chat: ChatId(STAFF_CHAT),
                        lang: shopbot::i18n::Lang::EN,
                    };
                    shopbot::notify::deliver_pending_with(&bot, &shop, Some(staff)).await?;
                    Ok(())
                }),
        )
        .branch(shopbot::schema::schema())
}

/// A bot over `t`'s shop and the [`tree`], with `first` queued for its first dispatch.
pub fn mock_bot(t: &TestShop, first: impl IntoIncoming) -> TestBot {
    let mut bot = TestBot::new(tree(), shopbot::schema::dependencies(Arc::clone(&t.shop)));
    bot.queue(first);
    bot
}

/// A bot as [`mock_bot`] makes, talking to these payment providers.
pub fn mock_bot_with(
    t: &TestShop,
    payments: shopbot::payments::Payments,
    first: impl IntoIncoming,
) -> TestBot {
    let mut bot = TestBot::new(
        tree(),
        shopbot::schema::dependencies_with(Arc::clone(&t.shop), payments),
    );
    bot.queue(first);
    bot
}

/// Dispatches `update` and returns what the bot did.
pub async fn step(bot: &mut TestBot, update: impl IntoIncoming) -> Responses {
    bot.step(update).await
}

// ----- responses ----------------------------------------------------------------------

/// A message as the shopper sees it: text and buttons (label, data).
#[derive(Clone, Debug)]
pub struct Shown {
    pub text: String,
    pub buttons: Vec<Vec<(String, String)>>,
}

impl Shown {
    fn from(text: &str, keyboard: Option<&InlineKeyboardMarkup>) -> Shown {
        let buttons = keyboard
            .map(|k| {
                k.inline_keyboard
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|b| {
                                let data = match &b.kind {
                                    InlineKeyboardButtonKind::CallbackData(d) => d.clone(),
                                    other => format!("{other:?}"),
                                };
                                (b.text.clone(), data)
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        Shown {
            text: text.to_owned(),
            buttons,
        }
    }

    /// Every button's callback, decoded (panics on data the bot could not parse back).
    pub fn callbacks(&self) -> Vec<Callback> {
        self.buttons
            .iter()
            .flatten()
            .map(|(_, d)| Callback::parse(d).expect("the bot's own buttons parse"))
            .collect()
    }

    /// The first button whose callback matches.
    pub fn find(&self, pred: impl Fn(&Callback) -> bool) -> Callback {
        self.callbacks()
            .into_iter()
            .find(|c| pred(c))
            .unwrap_or_else(|| panic!("no such button in {self:#?}"))
    }

    pub fn labels(&self) -> Vec<String> {
        self.buttons
            .iter()
            .flatten()
            .map(|(l, _)| l.clone())
            .collect()
    }
}

/// Every message the bot sent or edited (and Telegram took), sent ones first.
pub fn shown(r: &Responses) -> Vec<Shown> {
    r.sent_messages_text
        .iter()
        .chain(&r.edited_messages_text)
        .map(|m| Shown::from(&m.text, m.reply_markup.as_ref()))
        .collect()
}

/// Every screen the bot tried to show, sent ones first, including edits Telegram refused
/// because the message already said exactly that (a redelivered tap showing it again).
pub fn attempted(r: &Responses) -> Vec<Shown> {
    r.attempted_texts()
        .iter()
        .map(|a| Shown::from(&a.text, a.reply_markup.as_ref()))
        .collect()
}

/// The one message the bot sent or edited; fails when there were none or several.
pub fn one(r: &Responses) -> Shown {
    let all = shown(r);
    assert_eq!(all.len(), 1, "expected exactly one screen, got {all:#?}");
    all.into_iter().next().expect("one screen")
}

/// The texts of the callback answers (notices).
pub fn notices(r: &Responses) -> Vec<Option<String>> {
    r.answered_callback_queries
        .iter()
        .map(|a| a.text.clone())
        .collect()
}

pub fn product_id(p: &Product) -> ProductId {
    p.id
}
