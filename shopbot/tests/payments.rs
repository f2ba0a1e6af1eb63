//! Automatic payments through the bot: Telegram Stars invoices (sendInvoice, the
//! pre-checkout query, the successful payment, refundStarPayment) against the fake Bot API,
//! and Crypto Pay invoices against a fake Crypto Pay on 127.0.0.1 that can pay, pay twice,
//! pay the wrong amount, sign wrongly, send stale webhooks and go silent.

use crate::common::*;
use shopbot::callback::Callback;
use shopcore::{InvoiceStatus, Money, OrderStatus, Provider};

fn stars_rate(t: &TestShop) {
    t.shop
        .add_currency(&t.owner(), "XTR", "⭐", 0, money("77"))
        .expect("add XTR");
}

fn pre_checkout(query: &str, payload: &str, amount: u32, currency: &str) -> Incoming {
    Incoming::PreCheckout {
        from: person(SHOPPER, "en"),
        query_id: query.into(),
        payload: payload.into(),
        amount,
        currency: currency.into(),
    }
}

fn star_payment(payload: &str, amount: u32, charge: &str) -> Incoming {
    Incoming::StarPayment {
        from: person(SHOPPER, "en"),
        payload: payload.into(),
        amount,
        charge_id: charge.into(),
    }
}

fn someone_else() -> Person {
    person(SHOPPER + 1, "en")
}

#[tokio::test]
async fn a_stars_top_up_from_the_wallet_is_credited_once() {
    let t = TestShop::new();
    stars_rate(&t);
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(&t, tap(SHOPPER, "en", &Callback::Topup, "t1"));
    bot.dispatch().await;
    let methods = one(&bot.get_responses());
    let stars = Callback::TopupProvider {
        provider: Provider::Stars,
    };
    assert!(
        methods.callbacks().contains(&stars),
        "{:?}",
        methods.labels()
    );
    assert!(
        !methods.callbacks().contains(&Callback::TopupProvider {
            provider: Provider::CryptoPay
        }),
        "Crypto Pay is not configured"
    );
    let prompt = one(&step(&mut bot, tap(SHOPPER, "en", &stars, "t2")).await);
    assert!(prompt.text.contains("77 stars per USD"), "{}", prompt.text);
    let bad = one(&step(&mut bot, text(SHOPPER, "en", "0.001")).await);
    assert!(bad.text.contains("2"), "{}", bad.text);
    step(&mut bot, text(SHOPPER, "en", "10")).await;
    let invoices = bot.telegram.invoices_sent(SHOPPER as i64);
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    let invoice = &invoices[0];
    assert_eq!(invoice["currency"], "XTR");
    assert_eq!(invoice["total_amount"], 770);
    let payload = invoice["payload"].as_str().unwrap().to_owned();
    assert_eq!(payload, "inv:1");
    assert_eq!(
        t.balance(SHOPPER),
        Money::ZERO,
        "nothing before the payment"
    );

    // Telegram asks before charging: only the invoice's own amount, by its payer, is payable.
    step(&mut bot, pre_checkout("q-wrong", &payload, 769, "XTR")).await;
    let (ok, message) = bot.telegram.pre_checkout_answer("q-wrong").unwrap();
    assert!(!ok);
    assert_eq!(
        message.as_deref(),
        Some("This payment doesn't match the invoice.")
    );
    step(
        &mut bot,
        Incoming::PreCheckout {
            from: someone_else(),
            query_id: "q-other".into(),
            payload: payload.clone(),
            amount: 770,
            currency: "XTR".into(),
        },
    )
    .await;
    assert_eq!(
        bot.telegram.pre_checkout_answer("q-other").map(|a| a.0),
        Some(false)
    );
    step(&mut bot, pre_checkout("q-forged", "inv:999", 770, "XTR")).await;
    assert_eq!(
        bot.telegram.pre_checkout_answer("q-forged").map(|a| a.0),
        Some(false)
    );
    step(&mut bot, pre_checkout("q-1", &payload, 770, "XTR")).await;
    assert_eq!(bot.telegram.pre_checkout_answer("q-1"), Some((true, None)));

    // The payment, then Telegram delivering it again: credited once.
    step(&mut bot, star_payment(&payload, 770, "charge-1")).await;
    assert_eq!(t.balance(SHOPPER), money("10"));
    step(&mut bot, star_payment(&payload, 770, "charge-1")).await;
    assert_eq!(t.balance(SHOPPER), money("10"));
    // Paid: a second attempt to pay is refused before any money moves.
    step(&mut bot, pre_checkout("q-2", &payload, 770, "XTR")).await;
    assert_eq!(
        bot.telegram.pre_checkout_answer("q-2").map(|a| a.0),
        Some(false)
    );
    // The shopper is told through the outbox.
    let told = step(&mut bot, text(SHOPPER, "en", DELIVER)).await;
    assert!(
        shown(&told).iter().any(|s| s
            .text
            .contains("Payment for invoice #1 received: 10.00 USD")),
        "{:?}",
        shown(&told).iter().map(|s| &s.text).collect::<Vec<_>>()
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn an_order_paid_in_stars_then_failed_is_refunded_in_stars_once() {
    let t = TestShop::new();
    stars_rate(&t);
    let games = t.category("Games");
    let product = t.product(games, "Gift card", "4.99");
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &Callback::Buy { id: product.id }, "b1"),
    );
    bot.dispatch().await;
    let payment = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k1")).await);
    let stars = Callback::PayProvider {
        provider: Provider::Stars,
    };
    assert!(
        payment.callbacks().contains(&stars),
        "{:?}",
        payment.labels()
    );
    let summary = one(&step(&mut bot, tap(SHOPPER, "en", &stars, "pp1")).await);
    assert!(
        summary.text.contains("Telegram Stars") && summary.text.contains("385"),
        "{}",
        summary.text
    );
    let confirm = summary.find(|c| matches!(c, Callback::Confirm { .. }));
    step(&mut bot, tap(SHOPPER, "en", &confirm, "y1")).await;
    let order = t.orders(SHOPPER).pop().expect("an order");
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    let invoices = bot.telegram.invoices_sent(SHOPPER as i64);
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0]["total_amount"], 385);
    assert_eq!(invoices[0]["title"], format!("Order #{}", order.id.get()));
    let payload = invoices[0]["payload"].as_str().unwrap().to_owned();

    step(&mut bot, pre_checkout("q-1", &payload, 385, "XTR")).await;
    assert_eq!(bot.telegram.pre_checkout_answer("q-1"), Some((true, None)));
    step(&mut bot, star_payment(&payload, 385, "charge-9")).await;
    let paid = t.orders(SHOPPER).pop().unwrap();
    assert_eq!(paid.status, OrderStatus::Paid);
    assert_eq!(t.balance(SHOPPER), money("0.01"), "the rounding's cent");

    // Staff fail it: the money goes back in Stars, once, by the refund pass.
    let support = t.shop.actor(uid(OWNER)).unwrap();
    t.shop
        .fail_order(&support, paid.id, "out of stock", &key("s-1"))
        .unwrap();
    assert_eq!(t.balance(SHOPPER), Money::ZERO);
    let bot_handle = bot.bot();
    let done = shopbot::payments::refund_stars(&bot_handle, &t.shop)
        .await
        .unwrap();
    assert_eq!(done, 1);
    assert!(bot.telegram.refunded("charge-9"));
    assert_eq!(
        shopbot::payments::refund_stars(&bot_handle, &t.shop)
            .await
            .unwrap(),
        0,
        "nothing is sent twice"
    );
    let shopcore::Payment::Invoice { invoice, .. } = paid.payment else {
        panic!()
    };
    let actor = t.shop.actor(uid(SHOPPER)).unwrap();
    assert_eq!(
        t.shop.invoice(&actor, invoice).unwrap().status,
        InvoiceStatus::Refunded
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn a_stars_payment_for_a_cancelled_order_goes_to_the_balance() {
    let t = TestShop::new();
    stars_rate(&t);
    let games = t.category("Games");
    let product = t.product(games, "Gift card", "2");
    t.register(SHOPPER, "en");
    let actor = t.shop.actor(uid(SHOPPER)).unwrap();
    let order = t
        .shop
        .create_order(
            &actor,
            &shopcore::OrderRequest {
                quantity: 1,
                product: product.id,
                payment: shopcore::PaymentChoice::Invoice(Provider::Stars),
                coupon: None,
                player_id: None,
                currency: None,
                proof: None,
            },
            &key("o-1"),
        )
        .unwrap();
    let shopcore::Payment::Invoice { invoice, .. } = order.payment else {
        panic!()
    };
    let payload = shopbot::payments::payload(invoice);
    let mut bot = mock_bot(&t, pre_checkout("q-1", &payload, 154, "XTR"));
    bot.dispatch().await;
    assert_eq!(bot.telegram.pre_checkout_answer("q-1"), Some((true, None)));
    // The shopper cancels between Telegram's question and the charge.
    t.shop.cancel_order(&actor, order.id, &key("o-2")).unwrap();
    step(&mut bot, pre_checkout("q-2", &payload, 154, "XTR")).await;
    assert_eq!(
        bot.telegram.pre_checkout_answer("q-2").map(|a| a.0),
        Some(false)
    );
    // Telegram had charged already: the money is the shopper's, in the wallet.
    step(&mut bot, star_payment(&payload, 154, "charge-1")).await;
    assert_eq!(t.balance(SHOPPER), money("2"));
    assert_eq!(
        t.shop.invoice(&actor, invoice).unwrap().status,
        InvoiceStatus::Paid
    );
    let staff = step(&mut bot, text(SHOPPER, "en", DELIVER_STAFF)).await;
    assert!(
        shown(&staff)
            .iter()
            .any(|s| s.text.contains("came after the invoice closed")),
        "{:?}",
        shown(&staff).iter().map(|s| &s.text).collect::<Vec<_>>()
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

// ----- Crypto Pay ------------------------------------------------------------------------

use crate::common::cryptopay::{FakeCryptoPay, Sign};
use shopbot::ops::cryptopay::{CryptoPay, Webhook};
use std::sync::Arc;

/// The shop's Crypto Pay client for `fake`, and its webhook served on 127.0.0.1; returns the
/// client and the webhook's URL.
async fn crypto(t: &TestShop, fake: &FakeCryptoPay) -> (Arc<CryptoPay>, String) {
    let client = Arc::new(CryptoPay::new(&fake.config()));
    let app = shopbot::ops::cryptopay::router(Webhook {
        shop: Arc::clone(&t.shop),
        client: Arc::clone(&client),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (client, format!("http://{addr}/payments/crypto-pay"))
}

fn date_of(t: &TestShop, offset_secs: i64) -> String {
    let ms = t.shop.now().0 + offset_secs * 1_000;
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn crypto_topup() -> Callback {
    Callback::TopupProvider {
        provider: Provider::CryptoPay,
    }
}

/// A bot over `t`'s shop that talks to a fake Crypto Pay, with its webhook served; the
/// shopper said /start.
async fn crypto_bot(t: &TestShop) -> (FakeCryptoPay, Arc<CryptoPay>, String, TestBot) {
    let fake = FakeCryptoPay::start();
    let (client, hook) = crypto(t, &fake).await;
    let payments = shopbot::payments::Payments {
        crypto: Some(Arc::clone(&client)),
    };
    let mut bot = mock_bot_with(t, payments, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    (fake, client, hook, bot)
}

/// A shopper tops up 25 USD through Crypto Pay: the bot creates the provider's invoice and
/// shows its link. Returns the shop's invoice id.
async fn crypto_top_up(t: &TestShop, bot: &mut TestBot, fake: &FakeCryptoPay) {
    let crypto = Callback::TopupProvider {
        provider: Provider::CryptoPay,
    };
    let methods = one(&step(bot, tap(SHOPPER, "en", &Callback::Topup, "t1")).await);
    assert!(
        methods.callbacks().contains(&crypto),
        "{:?}",
        methods.labels()
    );
    step(bot, tap(SHOPPER, "en", &crypto, "t2")).await;
    let link = one(&step(bot, text(SHOPPER, "en", "25")).await);
    assert!(
        link.text.contains("Invoice #1: pay 25.00 USD in crypto"),
        "{}",
        link.text
    );
    let created = fake.calls("createInvoice");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["fiat"], "USD");
    assert_eq!(created[0]["amount"], "25");
    assert_eq!(created[0]["payload"], "inv:1");
    assert_eq!(created[0]["accepted_assets"], "USDT,TON");
    let actor = t.shop.actor(uid(SHOPPER)).unwrap();
    let invoice = t
        .shop
        .invoice(&actor, shopcore::InvoiceId::new(1).unwrap())
        .unwrap();
    assert_eq!(invoice.provider_invoice.as_deref(), Some("1"));
    assert_eq!(
        invoice.pay_url.as_deref(),
        Some("https://t.me/CryptoBot?start=IV1")
    );
}

#[tokio::test]
async fn a_crypto_top_up_is_settled_by_its_signed_webhook_once() {
    let t = TestShop::new();
    t.register(SHOPPER, "en");
    let (fake, client, hook, mut bot) = crypto_bot(&t).await;
    crypto_top_up(&t, &mut bot, &fake).await;

    let paid = fake.pay(1, "USDT", None);
    // Forged (another key) and stale (a replay a day later) webhooks change nothing.
    assert_eq!(
        fake.webhook(&hook, &paid, Sign::Wrong, &date_of(&t, 0))
            .await,
        401
    );
    assert_eq!(
        fake.webhook(&hook, &paid, Sign::Right, &date_of(&t, -86_400))
            .await,
        400
    );
    assert_eq!(t.balance(SHOPPER), Money::ZERO);
    // The real one credits; sent again (Crypto Pay retries), and polled, it changes nothing.
    assert_eq!(
        fake.webhook(&hook, &paid, Sign::Right, &date_of(&t, 0))
            .await,
        200
    );
    assert_eq!(t.balance(SHOPPER), money("25"));
    assert_eq!(
        fake.webhook(&hook, &paid, Sign::Right, &date_of(&t, 1))
            .await,
        200
    );
    assert_eq!(
        shopbot::ops::cryptopay::poll(&t.shop, &client)
            .await
            .unwrap(),
        0
    );
    assert_eq!(t.balance(SHOPPER), money("25"));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn a_missed_webhook_is_settled_by_polling_even_racing_the_webhook() {
    let t = TestShop::new();
    t.register(SHOPPER, "en");
    let (fake, client, hook, mut bot) = crypto_bot(&t).await;
    crypto_top_up(&t, &mut bot, &fake).await;
    // Paid while the bot was down (no webhook reached it): the next poll settles it.
    fake.pay(1, "TON", None);
    assert_eq!(
        shopbot::ops::cryptopay::poll(&t.shop, &client)
            .await
            .unwrap(),
        1
    );
    assert_eq!(t.balance(SHOPPER), money("25"));

    // A second invoice, paid, then its webhook and a poll at the same moment: once.
    step(&mut bot, tap(SHOPPER, "en", &crypto_topup(), "t3")).await;
    step(&mut bot, text(SHOPPER, "en", "5")).await;
    let paid = fake.pay(2, "USDT", None);
    let date = date_of(&t, 0);
    let (status, polled) = tokio::join!(
        fake.webhook(&hook, &paid, Sign::Right, &date),
        shopbot::ops::cryptopay::poll(&t.shop, &client)
    );
    assert_eq!(status, 200);
    assert!(polled.unwrap() <= 1);
    assert_eq!(t.balance(SHOPPER), money("30"));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn a_wrong_amount_is_refused_and_a_late_payment_goes_to_the_balance() {
    let (t, clock) = TestShop::clocked();
    t.register(SHOPPER, "en");
    let (fake, _client, hook, mut bot) = crypto_bot(&t).await;
    crypto_top_up(&t, &mut bot, &fake).await;
    // Crypto Pay reports less than the invoice asked: refused, staff told, nothing credited.
    let short = fake.pay(1, "USDT", Some("24.99"));
    assert_eq!(
        fake.webhook(&hook, &short, Sign::Right, &date_of(&t, 0))
            .await,
        200
    );
    assert_eq!(t.balance(SHOPPER), Money::ZERO);
    let staff = step(&mut bot, text(SHOPPER, "en", DELIVER_STAFF)).await;
    assert!(
        shown(&staff).iter().any(|s| s
            .text
            .contains("was refused: amount 24.99 is not the invoice's 25")),
        "{:?}",
        shown(&staff).iter().map(|s| &s.text).collect::<Vec<_>>()
    );

    // A second invoice expires before its payment comes: the money is credited anyway.
    step(&mut bot, tap(SHOPPER, "en", &crypto_topup(), "t3")).await;
    step(&mut bot, text(SHOPPER, "en", "7.5")).await;
    clock.advance_millis(31 * 60 * 1_000);
    // Both expire: a refused payment left the first one open.
    assert_eq!(t.shop.expire_invoices().unwrap(), 2);
    let late = fake.pay(2, "USDT", None);
    assert_eq!(
        fake.webhook(&hook, &late, Sign::Right, &date_of(&t, 0))
            .await,
        200
    );
    assert_eq!(t.balance(SHOPPER), money("7.50"));
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn crypto_pay_down_is_explained_and_an_order_can_be_paid_in_crypto() {
    let t = TestShop::new();
    let games = t.category("Games");
    let product = t.product(games, "Gift card", "12.00");
    t.register(SHOPPER, "en");
    let (fake, _client, hook, mut bot) = crypto_bot(&t).await;
    fake.set_down(true);
    step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &Callback::TopupProvider {
                provider: Provider::CryptoPay,
            },
            "t1",
        ),
    )
    .await;
    let down = one(&step(&mut bot, text(SHOPPER, "en", "10")).await);
    assert!(
        down.text
            .contains("Crypto payments are unavailable right now"),
        "{}",
        down.text
    );
    fake.set_down(false);

    step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: product.id }, "b1"),
    )
    .await;
    step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k1")).await;
    let summary = one(&step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &Callback::PayProvider {
                provider: Provider::CryptoPay,
            },
            "pp1",
        ),
    )
    .await);
    let confirm = summary.find(|c| matches!(c, Callback::Confirm { .. }));
    step(&mut bot, tap(SHOPPER, "en", &confirm, "y1")).await;
    let order = t.orders(SHOPPER).pop().unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    // The provider's only invoice (the top-up's never reached it).
    let provider_id = fake.created();
    assert_eq!(provider_id, 1);
    let paid = fake.pay(provider_id, "USDT", None);
    assert_eq!(
        fake.webhook(&hook, &paid, Sign::Right, &date_of(&t, 0))
            .await,
        200
    );
    let order = t.orders(SHOPPER).pop().unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(t.balance(SHOPPER), Money::ZERO);
    assert!(t.shop.verify().unwrap().is_healthy());
}

/// The bot process is killed after Crypto Pay took the money and before any webhook or poll
/// settled it: the next process settles it at its first poll, and the shopper is told once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_made_while_the_bot_was_killed_is_settled_by_the_next_bots_poll() {
    use crate::ops::{sigterm, spawn_bot_in, wait_exit, wait_for};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeCryptoPay::start();
    {
        let shop = shopcore::Shop::open(
            dir.path().join("shop.db"),
            shopcore::Config::default().with_super_admins(vec![uid(OWNER)]),
        )
        .unwrap();
        shop.register_user(&shopcore::Registration {
            id: uid(SHOPPER),
            username: None,
            display_name: "Sam",
            language: Some("en"),
        })
        .unwrap();
        let actor = shop.actor(uid(SHOPPER)).unwrap();
        let invoice = shop
            .open_topup_invoice(&actor, Provider::CryptoPay, money("20"), &key("k-1"))
            .unwrap();
        let client = CryptoPay::new(&fake.config());
        let now = shop.now().0;
        let theirs = tokio::task::spawn_blocking(move || {
            client
                .create_invoice(&invoice, "20 USD", now)
                .map(|t| (invoice.id, t))
        })
        .await
        .unwrap()
        .unwrap();
        shop.attach_provider_invoice(theirs.0, &theirs.1.invoice_id.to_string(), None)
            .unwrap();
        shop.flush().unwrap();
    }
    let tg = FakeTelegram::start();
    let env = [
        (
            "SHOPBOT_CRYPTO_PAY_TOKEN",
            crate::common::cryptopay::TOKEN.to_owned(),
        ),
        ("SHOPBOT_CRYPTO_PAY_API_URL", fake.url().to_string()),
        ("SHOPBOT_PAYMENTS_POLL_INTERVAL_SECONDS", "3600".to_owned()),
    ];
    let mut first = spawn_bot_in(dir, &tg.url(), &env, &[]);
    // Its first pass asks about the open invoice: nothing is paid yet.
    wait_for("the first poll", Duration::from_secs(60), || {
        !fake.calls("getInvoices").is_empty()
    })
    .await;
    fake.pay(1, "USDT", None);
    first.child.kill().unwrap();
    let _ = first.child.wait();
    let mut second = spawn_bot_in(first.dir, &tg.url(), &env, &[]);
    wait_for("the shopper told", Duration::from_secs(60), || {
        tg.delivered_to(SHOPPER as i64)
            .iter()
            .any(|m| m.contains("Payment for invoice #1 received: 20.00 USD"))
    })
    .await;
    sigterm(&second);
    assert!(
        wait_exit(&mut second, Duration::from_secs(30))
            .await
            .success()
    );
    assert_eq!(
        tg.delivered_to(SHOPPER as i64)
            .iter()
            .filter(|m| m.contains("Payment for invoice #1"))
            .count(),
        1
    );
    let shop = shopcore::Shop::open(
        second.dir.path().join("shop.db"),
        shopcore::Config::default(),
    )
    .unwrap();
    assert_eq!(shop.balance(uid(SHOPPER)).unwrap(), money("20"));
    assert!(shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn a_stars_payment_whose_update_was_lost_is_settled_from_the_transactions() {
    let t = TestShop::new();
    stars_rate(&t);
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(
        &t,
        tap(
            SHOPPER,
            "en",
            &Callback::TopupProvider {
                provider: Provider::Stars,
            },
            "t1",
        ),
    );
    bot.dispatch().await;
    step(&mut bot, text(SHOPPER, "en", "3")).await;
    let payload = bot.telegram.invoices_sent(SHOPPER as i64)[0]["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    step(&mut bot, pre_checkout("q-1", &payload, 231, "XTR")).await;
    // Telegram charged the shopper; the update never came (the bot had crashed).
    bot.telegram
        .star_paid_unseen(&person(SHOPPER, "en"), &payload, 231, "charge-lost");
    let handle = bot.bot();
    let read = std::sync::atomic::AtomicU32::new(0);
    assert_eq!(
        shopbot::payments::reconcile_stars(&handle, &t.shop, &read)
            .await
            .unwrap(),
        1
    );
    assert_eq!(t.balance(SHOPPER), money("3"));
    // The update arrives after all (Telegram retried): the same charge, settled once.
    step(&mut bot, star_payment(&payload, 231, "charge-lost")).await;
    assert_eq!(t.balance(SHOPPER), money("3"));
    // Nothing open any more: the next pass doesn't even read the list.
    let before = bot.telegram.calls("getStarTransactions");
    assert_eq!(
        shopbot::payments::reconcile_stars(&handle, &t.shop, &read)
            .await
            .unwrap(),
        0
    );
    assert_eq!(bot.telegram.calls("getStarTransactions"), before);
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn reconciling_stars_pages_through_a_long_transaction_list() {
    let t = TestShop::new();
    stars_rate(&t);
    t.register(SHOPPER, "en");
    let actor = t.shop.actor(uid(SHOPPER)).unwrap();
    let open = |k: &str| {
        t.shop
            .open_topup_invoice(&actor, Provider::Stars, money("1"), &key(k))
            .unwrap()
    };
    let first = open("i-1");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let other = person(SHOPPER + 7, "en");
    for n in 0..150 {
        bot.telegram
            .star_paid_unseen(&other, "someone else's", 5, &format!("noise-{n}"));
    }
    bot.telegram.star_paid_unseen(
        &person(SHOPPER, "en"),
        &shopbot::payments::payload(first.id),
        77,
        "lost-1",
    );
    let handle = bot.bot();
    let read = std::sync::atomic::AtomicU32::new(0);
    let settle = || shopbot::payments::reconcile_stars(&handle, &t.shop, &read);
    assert_eq!(settle().await.unwrap(), 1);
    assert_eq!(read.load(std::sync::atomic::Ordering::Relaxed), 151);
    // Later, another lost payment at the end of the list: found from where the pass stopped.
    let second = open("i-2");
    for n in 150..180 {
        bot.telegram
            .star_paid_unseen(&other, "someone else's", 5, &format!("noise-{n}"));
    }
    bot.telegram.star_paid_unseen(
        &person(SHOPPER, "en"),
        &shopbot::payments::payload(second.id),
        77,
        "lost-2",
    );
    let calls = bot.telegram.calls("getStarTransactions");
    assert_eq!(settle().await.unwrap(), 1);
    assert!(
        bot.telegram.calls("getStarTransactions") - calls <= 3,
        "the list is not read from the start again"
    );
    assert_eq!(t.balance(SHOPPER), money("2"));
    assert!(t.shop.verify().unwrap().is_healthy());
}
