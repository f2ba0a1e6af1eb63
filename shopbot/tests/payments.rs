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
