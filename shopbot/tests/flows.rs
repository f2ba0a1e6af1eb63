//! Whole conversations: updates go through the real handler tree (Telegram is the fake Bot
//! API of `common::telegram`), the shop is real (sled in a temporary directory), and each
//! test checks both what the shopper saw and the shop's state afterwards.

use crate::common::*;
use shopbot::callback::Callback;
use shopbot::state::State;
use shopcore::catalog::{PlayerField, PlayerIdRule};
use shopcore::{OrderStatus, Proof, Stock, StoreState};

fn player_field() -> PlayerField {
    PlayerField {
        label: "Player ID".into(),
        rule: PlayerIdRule::Digits {
            len_min: 5,
            len_max: 10,
        },
    }
}

#[tokio::test]
async fn start_registers_greets_and_shows_the_menu() {
    let t = TestShop::new();
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let screen = one(&bot.get_responses());
    assert!(screen.text.starts_with("Hello, Sam!"), "{}", screen.text);
    assert_eq!(
        screen.callbacks(),
        vec![
            Callback::Shop,
            Callback::Wallet,
            Callback::Orders { before: None },
            Callback::Settings,
            Callback::Help,
        ]
    );
    let user = t
        .shop
        .user(uid(SHOPPER))
        .expect("read")
        .expect("registered");
    assert_eq!(user.display_name, "Sam");
    assert_eq!(user.language.expect("language").as_str(), "en");
}

#[tokio::test]
async fn arabic_speakers_are_greeted_in_arabic_with_isolated_names() {
    let t = TestShop::new();
    let mut bot = mock_bot(&t, text(SHOPPER, "ar", "/start"));
    bot.dispatch().await;
    let screen = one(&bot.get_responses());
    assert!(
        screen.text.starts_with("أهلاً \u{2068}Sam\u{2069}!"),
        "{:?}",
        screen.text
    );
    assert_eq!(screen.labels()[0], "🛍 المتجر");
}

#[tokio::test]
async fn browsing_pages_categories_and_shows_the_card_in_the_shoppers_currency() {
    let t = TestShop::new();
    t.sar();
    let games = t.category("Games");
    let mut products = Vec::new();
    for i in 0..10 {
        products.push(t.product(games, &format!("Card {i:02}"), "10.00"));
    }
    let sold_out = t.product_with(games, "Rare skin", "5.00", |p| p.stock = Stock::Limited(0));
    t.register(SHOPPER, "en");
    let actor = t.shop.actor(uid(SHOPPER)).expect("actor");
    t.shop.set_preferred_currency(&actor, "SAR").expect("SAR");

    let mut bot = mock_bot(&t, tap(SHOPPER, "en", &Callback::Shop, "q1"));
    bot.dispatch().await;
    let categories = one(&bot.get_responses());
    let first_page = categories.find(|c| matches!(c, Callback::Category { page: 0, .. }));

    let page0 = one(&step(&mut bot, tap(SHOPPER, "en", &first_page, "q2")).await);
    let product_buttons = page0
        .callbacks()
        .into_iter()
        .filter(|c| matches!(c, Callback::Product { .. }))
        .count();
    assert_eq!(product_buttons, shopbot::render::PRODUCTS_PER_PAGE);
    assert!(
        page0.labels().iter().any(|l| l == "Card 00 · 37.50 SAR"),
        "{page0:#?}"
    );
    let next = page0.find(|c| matches!(c, Callback::Category { page: 1, .. }));

    let page1 = one(&step(&mut bot, tap(SHOPPER, "en", &next, "q3")).await);
    let on_page1: Vec<_> = page1
        .callbacks()
        .into_iter()
        .filter(|c| matches!(c, Callback::Product { .. }))
        .collect();
    // Ten cards and a sold-out product: sold-out products are not listed.
    assert_eq!(on_page1.len(), 2, "{page1:#?}");
    assert!(
        page1
            .callbacks()
            .contains(&Callback::Category { id: games, page: 0 })
    );

    let card = one(&step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &Callback::Product { id: products[3].id },
            "q4",
        ),
    )
    .await);
    assert!(card.text.contains("Card 03"), "{}", card.text);
    assert!(
        card.text.contains("Price: 37.50 SAR (10.00 USD)"),
        "{}",
        card.text
    );
    assert!(card.text.contains("✅ In stock"), "{}", card.text);
    assert!(
        card.callbacks()
            .contains(&Callback::Buy { id: products[3].id })
    );

    // A product that is not on sale is answered with a notice and shows nothing.
    let r = step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Product { id: sold_out.id }, "q5"),
    )
    .await;
    assert!(shown(&r).is_empty());
    assert_eq!(
        notices(&r),
        vec![Some("This is no longer available.".to_owned())]
    );
}

/// Walks a shopper through buying `product` (which asks for a player id) up to the summary,
/// with `coupon`; returns the summary screen.
async fn to_summary(
    bot: &mut TestBot,
    product: shopcore::ProductId,
    coupon: Option<&str>,
) -> Shown {
    let prompt = one(&step(
        bot,
        tap(SHOPPER, "en", &Callback::Buy { id: product }, "b1"),
    )
    .await);
    assert!(
        prompt.text.contains("Send your Player ID.")
            && prompt.text.contains("digits only, 5 to 10 long"),
        "{}",
        prompt.text
    );
    let rejected = one(&step(bot, text(SHOPPER, "en", "12ab")).await);
    assert!(
        rejected
            .text
            .contains("That Player ID doesn't look right: it must be digits only, 5 to 10 long."),
        "{}",
        rejected.text
    );
    let coupon_prompt = one(&step(bot, text(SHOPPER, "en", "5123456")).await);
    assert!(
        coupon_prompt.text.contains("Have a coupon?"),
        "{}",
        coupon_prompt.text
    );
    let payment = match coupon {
        Some(code) => one(&step(bot, text(SHOPPER, "en", code)).await),
        None => one(&step(bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k1")).await),
    };
    assert!(
        payment.text.contains("How would you like to pay?"),
        "{}",
        payment.text
    );
    one(&step(bot, tap(SHOPPER, "en", &Callback::PayBalance, "pb1")).await)
}

fn confirm_of(summary: &Shown) -> Callback {
    summary.find(|c| matches!(c, Callback::Confirm { .. }))
}

#[tokio::test]
async fn a_full_purchase_from_the_balance_with_a_coupon() {
    let t = TestShop::new();
    t.coupon("SAVE20", "20");
    let games = t.category("Games");
    let product = t.product_with(games, "PUBG 660 UC", "10.00", |p| {
        p.player_field = Some(player_field());
    });
    t.fund(SHOPPER, "50.00");

    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    // A wrong coupon is explained and the shopper may try again.
    let prompt = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: product.id }, "b0"),
    )
    .await);
    assert!(prompt.text.contains("Player ID"));
    step(&mut bot, text(SHOPPER, "en", "5123456")).await;
    let wrong = one(&step(&mut bot, text(SHOPPER, "en", "NOPE42")).await);
    assert!(
        wrong.text.contains("No coupon has this code."),
        "{}",
        wrong.text
    );
    assert!(matches!(t.session(SHOPPER), Some(State::Coupon { .. })));
    step(&mut bot, tap(SHOPPER, "en", &Callback::CancelFlow, "x0")).await;

    let summary = to_summary(&mut bot, product.id, Some("save20")).await;
    for line in [
        "Product: PUBG 660 UC",
        "Player ID: 5123456",
        "Price: 10.00 USD",
        "Coupon SAVE20: −2.00 USD",
        "Total: 8.00 USD",
        "Paid from your balance (50.00 USD now).",
    ] {
        assert!(
            summary.text.contains(line),
            "missing {line:?} in {}",
            summary.text
        );
    }
    assert!(
        t.orders(SHOPPER).is_empty(),
        "nothing is ordered before Confirm"
    );

    let placed = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &confirm_of(&summary), "confirm-1"),
    )
    .await);
    let orders = t.orders(SHOPPER);
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert!(
        placed
            .text
            .starts_with(&format!("✅ Order {} placed.", order.id)),
        "{}",
        placed.text
    );
    assert_eq!(order.total_usd, money("8.00"));
    assert_eq!(order.coupon.as_ref().map(|c| c.as_str()), Some("SAVE20"));
    assert_eq!(order.player_id.as_deref(), Some("5123456"));
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(t.balance(SHOPPER), money("42.00"));
    assert_eq!(t.session(SHOPPER), None, "the conversation is over");
}

#[tokio::test]
async fn a_double_tapped_confirm_creates_one_order() {
    let t = TestShop::new();
    let games = t.category("Games");
    let product = t.product_with(games, "PUBG 660 UC", "10.00", |p| {
        p.player_field = Some(player_field());
    });
    t.fund(SHOPPER, "50.00");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let summary = to_summary(&mut bot, product.id, None).await;
    let confirm = confirm_of(&summary);

    // Two taps (two callback queries) arrive together, then Telegram redelivers the first.
    let r = step(
        &mut bot,
        vec![
            tap(SHOPPER, "en", &confirm, "tap-1"),
            tap(SHOPPER, "en", &confirm, "tap-2"),
            tap(SHOPPER, "en", &confirm, "tap-1"),
        ],
    )
    .await;
    let orders = t.orders(SHOPPER);
    assert_eq!(orders.len(), 1, "one order for one purchase");
    assert_eq!(t.balance(SHOPPER), money("40.00"));
    let stale = "This button has expired. Please use the latest message.".to_owned();
    // The second tap is stale; the redelivered first one is answered with the order it
    // placed, not with an error. It is the same query on the same message: Telegram refuses
    // the second answer to it and the edit that changes nothing, and the bot takes both
    // refusals in its stride.
    assert_eq!(notices(&r), vec![None, Some(stale), None]);
    let accepted: Vec<bool> = r
        .answered_callback_queries
        .iter()
        .map(|a| a.accepted)
        .collect();
    assert_eq!(accepted, vec![true, true, false]);
    let placed = format!("✅ Order {} placed.", orders[0].id);
    let screens = attempted(&r);
    assert_eq!(screens.len(), 2, "{screens:#?}");
    for screen in &screens {
        assert!(screen.text.starts_with(&placed), "{}", screen.text);
        assert!(!screen.text.contains("went wrong"), "{}", screen.text);
    }
    assert_eq!(shown(&r).len(), 1, "the message already showed the order");
    let refused: Vec<String> = r
        .attempted_texts()
        .into_iter()
        .filter_map(|a| a.error)
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("Bad Request: message is not modified"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_too_long_proof_keeps_the_shopper_where_they_were() {
    let t = TestShop::new();
    let bank = t.method("Bank transfer", "USD", "1", "500");
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.register(SHOPPER, "en");
    let long = "x".repeat(501);
    let too_long = "That text is too long.";

    // A top-up: method, amount, then a proof that is too long.
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &Callback::TopupMethod { id: bank }, "tm"),
    );
    bot.dispatch().await;
    step(&mut bot, text(SHOPPER, "en", "20")).await;
    let refused = one(&step(&mut bot, text(SHOPPER, "en", &long)).await);
    assert!(refused.text.contains(too_long), "{}", refused.text);
    assert!(
        matches!(t.session(SHOPPER), Some(State::TopupProof { .. })),
        "still waiting for the proof: {:?}",
        t.session(SHOPPER)
    );
    // A shorter proof goes through without starting again.
    let done = one(&step(&mut bot, text(SHOPPER, "en", "transfer ref 42")).await);
    assert!(done.text.contains("sent for review"), "{}", done.text);
    assert_eq!(t.session(SHOPPER), None);

    // An order paid through the method: the proof step keeps the draft too.
    step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: card.id }, "b"),
    )
    .await;
    step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k")).await;
    step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::PayMethod { id: bank }, "pm"),
    )
    .await;
    let refused = one(&step(&mut bot, text(SHOPPER, "en", &long)).await);
    assert!(refused.text.contains(too_long), "{}", refused.text);
    assert!(
        matches!(t.session(SHOPPER), Some(State::Proof { .. })),
        "{:?}",
        t.session(SHOPPER)
    );
    let summary = one(&step(&mut bot, text(SHOPPER, "en", "transfer ref 43")).await);
    assert!(
        matches!(t.session(SHOPPER), Some(State::Confirm { .. })),
        "{}",
        summary.text
    );
}

#[tokio::test]
async fn a_stale_or_tampered_button_changes_nothing() {
    let t = TestShop::new();
    let games = t.category("Games");
    let product = t.product(games, "Gift card", "5.00");
    t.fund(SHOPPER, "50.00");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let before = t.shop.state_digest().expect("digest");
    let stale = Some("This button has expired. Please use the latest message.".to_owned());
    for (data, id) in [
        ("1p:abc", "s1"),
        ("0m", "s2"),
        ("1b:1:extra", "s3"),
        (Callback::Confirm { nonce: 7 }.encode().as_str(), "s4"),
        (Callback::SkipCoupon.encode().as_str(), "s5"),
        (Callback::PayBalance.encode().as_str(), "s6"),
    ] {
        let r = step(&mut bot, tap_raw(SHOPPER, "en", data, id)).await;
        assert!(shown(&r).is_empty(), "{data}: {:#?}", shown(&r));
        assert_eq!(notices(&r), vec![stale.clone()], "{data}");
    }
    // An old summary's Confirm can't confirm a newer draft.
    step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: product.id }, "b"),
    )
    .await;
    step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k")).await;
    let summary = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::PayBalance, "p")).await);
    let Callback::Confirm { nonce } = confirm_of(&summary) else {
        unreachable!("confirm_of returns a Confirm")
    };
    let r = step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &Callback::Confirm {
                nonce: nonce.wrapping_add(1),
            },
            "old",
        ),
    )
    .await;
    assert_eq!(notices(&r), vec![stale]);
    assert!(t.orders(SHOPPER).is_empty());
    step(&mut bot, tap(SHOPPER, "en", &Callback::CancelFlow, "c")).await;
    assert_eq!(
        t.shop.state_digest().expect("digest"),
        before,
        "nothing changed"
    );
}

#[tokio::test]
async fn not_enough_balance_is_explained() {
    let t = TestShop::new();
    let games = t.category("Games");
    let product = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "3.00");
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &Callback::Buy { id: product.id }, "b"),
    );
    bot.dispatch().await;
    step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k")).await;
    let r = step(&mut bot, tap(SHOPPER, "en", &Callback::PayBalance, "p")).await;
    let error = one(&r);
    assert_eq!(
        error.text,
        "Your balance (3.00 USD) is not enough: this costs 10.00 USD. Top up your wallet or \
         choose another payment method."
    );
    assert!(t.orders(SHOPPER).is_empty());
    assert_eq!(t.session(SHOPPER), None);
}

#[tokio::test]
async fn buying_through_a_payment_method_with_a_text_proof() {
    let t = TestShop::new();
    t.sar();
    let bank = t.method("Al Rajhi transfer", "SAR", "10", "5000");
    let games = t.category("Games");
    let product = t.product(games, "Gift card", "10.00");
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &Callback::Buy { id: product.id }, "b"),
    );
    bot.dispatch().await;
    let choice = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k")).await);
    assert!(
        choice
            .callbacks()
            .contains(&Callback::PayMethod { id: bank })
    );
    let instructions = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::PayMethod { id: bank }, "m"),
    )
    .await);
    assert!(
        instructions.text.contains("Send 37.50 SAR."),
        "{}",
        instructions.text
    );
    assert!(
        instructions.text.contains("IBAN SA00"),
        "{}",
        instructions.text
    );
    let summary = one(&step(&mut bot, text(SHOPPER, "en", "TXN-4242")).await);
    assert!(
        summary
            .text
            .contains("Paid via Al Rajhi transfer: 37.50 SAR, checked by staff."),
        "{}",
        summary.text
    );
    let placed = one(&step(&mut bot, tap(SHOPPER, "en", &confirm_of(&summary), "c")).await);
    assert!(
        placed.text.contains("Staff are checking your payment."),
        "{}",
        placed.text
    );
    let orders = t.orders(SHOPPER);
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, OrderStatus::AwaitingPayment);
    match &orders[0].payment {
        shopcore::Payment::Method { proof, amount, .. } => {
            assert_eq!(proof, &Some(Proof::Text("TXN-4242".into())));
            assert_eq!(*amount, money("37.50"));
        }
        other => panic!("expected a method payment, got {other:?}"),
    }
}

#[tokio::test]
async fn a_top_up_with_a_photo_proof_then_its_approval_is_notified() {
    let t = TestShop::new();
    t.sar();
    let bank = t.method("Al Rajhi transfer", "SAR", "10", "5000");
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(&t, tap(SHOPPER, "en", &Callback::Wallet, "w"));
    bot.dispatch().await;
    let wallet = one(&bot.get_responses());
    assert!(
        wallet.text.contains("Your balance: 0.00 USD"),
        "{}",
        wallet.text
    );
    let methods = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::Topup, "t")).await);
    assert!(
        methods
            .callbacks()
            .contains(&Callback::TopupMethod { id: bank })
    );
    let prompt = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::TopupMethod { id: bank }, "tm"),
    )
    .await);
    assert!(
        prompt.text.contains("in SAR? (from 10 to 5000)"),
        "{}",
        prompt.text
    );

    let bad = one(&step(&mut bot, text(SHOPPER, "en", "a lot")).await);
    assert_eq!(bad.text, "Please send just a number, like 25 or 12.50.");
    let small = one(&step(&mut bot, text(SHOPPER, "en", "5")).await);
    assert_eq!(small.text, "The least you can send this way is 10.");
    // Arabic-Indic digits are what Arabic keyboards type.
    let proof_prompt = one(&step(&mut bot, text(SHOPPER, "en", "١٠٠")).await);
    assert!(
        proof_prompt.text.contains("Send 100.00 SAR"),
        "{}",
        proof_prompt.text
    );

    let done = one(&step(&mut bot, photo(SHOPPER, "en").caption("transfer 100")).await);
    let actor = t.shop.actor(uid(SHOPPER)).expect("actor");
    let topups = t
        .shop
        .topups_of(&actor, uid(SHOPPER), None, 10)
        .expect("topups");
    assert_eq!(topups.len(), 1);
    let topup = &topups[0];
    assert_eq!(topup.amount, money("100"));
    assert_eq!(topup.amount_usd, money("26.66"));
    assert_eq!(
        topup.proof,
        Proof::Photo {
            file_id: telegram::picture_file_id(telegram::PICTURE),
            unique_id: telegram::picture_unique_id(telegram::PICTURE),
            caption: Some("transfer 100".into()),
        }
    );
    assert!(
        done.text.starts_with(&format!(
            "✅ Top-up {} of 100 SAR (≈ 26.66 USD) sent for review.",
            topup.id
        )),
        "{}",
        done.text
    );
    assert_eq!(t.session(SHOPPER), None);

    t.shop
        .approve_topup(&t.owner(), topup.id, &key("approve-1"))
        .expect("approve");
    let r = step(&mut bot, text(OWNER, "en", DELIVER)).await;
    let note = one(&r);
    assert_eq!(
        note.text,
        format!(
            "✅ Top-up {} approved: 26.66 USD added to your balance.",
            topup.id
        )
    );
    assert_eq!(r.sent_messages[0].chat.id.0, 5_001);
    assert_eq!(note.callbacks(), vec![Callback::Wallet]);
    assert!(
        t.shop
            .pending_notifications(shopbot::SCOPE, 10)
            .expect("pending")
            .is_empty(),
        "delivered notifications are acknowledged"
    );
    // A second pass sends nothing more.
    assert!(shown(&step(&mut bot, text(OWNER, "en", DELIVER)).await).is_empty());
}

#[tokio::test]
async fn order_completion_failure_and_rejection_are_notified_in_the_shoppers_language() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    let bank = t.method("Bank", "USD", "1", "1000");
    t.fund(SHOPPER, "50.00");
    let actor = t.shop.actor(uid(SHOPPER)).expect("actor");
    t.shop.set_preferred_language(&actor, "ar").expect("ar");
    let request = |card| shopcore::OrderRequest::from_balance(card, 1);
    let first = t
        .shop
        .create_order(&actor, &request(card.id), &key("o1"))
        .expect("order");
    t.shop
        .complete_order(&t.owner(), first.id, Some("CODE-ABCD-1234"), &key("c1"))
        .expect("complete");
    let second = t
        .shop
        .create_order(&actor, &request(card.id), &key("o2"))
        .expect("order");
    t.shop
        .fail_order(&t.owner(), second.id, "supplier out of codes", &key("f1"))
        .expect("fail");
    let topup = t
        .shop
        .request_topup(
            &actor,
            &shopcore::TopupRequest {
                method: bank,
                amount: money("20"),
                proof: Proof::Text("txn".into()),
                key: key("t1"),
            },
        )
        .expect("topup");
    t.shop
        .reject_topup(&t.owner(), topup.id, "no transfer found", &key("r1"))
        .expect("reject");

    let mut bot = mock_bot(&t, text(OWNER, "en", DELIVER));
    bot.dispatch().await;
    let r = bot.get_responses();
    let texts: Vec<String> = shown(&r).into_iter().map(|s| s.text).collect();
    let iso = |s: &str| format!("\u{2068}{s}\u{2069}");
    assert_eq!(texts.len(), 3, "{texts:#?}");
    assert!(
        texts[0].contains(&format!(
            "اكتمل طلبك رقم {}",
            iso(&first.id.get().to_string())
        )),
        "{}",
        texts[0]
    );
    assert!(texts[0].contains(&iso("CODE-ABCD-1234")), "{}", texts[0]);
    assert!(
        texts[1].contains(&iso("supplier out of codes")),
        "{}",
        texts[1]
    );
    assert!(
        texts[1].contains(&format!("عاد {} إلى رصيدك", iso("10.00 USD"))),
        "{}",
        texts[1]
    );
    assert!(texts[2].contains(&iso("no transfer found")), "{}", texts[2]);
    assert_eq!(
        t.balance(SHOPPER),
        money("40.00"),
        "the failed order was refunded"
    );
}

#[tokio::test]
async fn my_orders_lists_details_and_cancels_with_a_refund() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    let mut bot = mock_bot(&t, tap(SHOPPER, "en", &Callback::Buy { id: card.id }, "b"));
    bot.dispatch().await;
    step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k")).await;
    let summary = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::PayBalance, "p")).await);
    step(&mut bot, tap(SHOPPER, "en", &confirm_of(&summary), "c")).await;
    assert_eq!(t.balance(SHOPPER), money("40.00"));
    let id = t.orders(SHOPPER)[0].id;

    let list = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Orders { before: None }, "o"),
    )
    .await);
    assert!(
        list.labels().iter().any(|l| l.contains("Gift card")),
        "{list:#?}"
    );
    let details = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::Order { id }, "d")).await);
    assert!(
        details.text.contains("Status: 💰 paid, being prepared"),
        "{}",
        details.text
    );
    assert!(
        details.text.contains("Placed: 2026-01-01 09:30 UTC"),
        "{}",
        details.text
    );
    let ask = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::CancelOrder { id }, "x"),
    )
    .await);
    assert!(
        ask.text.contains("10.00 USD will go back to your balance"),
        "{}",
        ask.text
    );
    let done = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::CancelOrderYes { id }, "y"),
    )
    .await);
    assert!(
        done.text.contains("cancelled. 10.00 USD went back"),
        "{}",
        done.text
    );
    assert_eq!(t.balance(SHOPPER), money("50.00"));
    assert_eq!(t.orders(SHOPPER)[0].status, OrderStatus::Cancelled);
    // Cancelling again is refused with the reason, not an error dump.
    let again = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::CancelOrder { id }, "x2"),
    )
    .await);
    assert!(
        again.text.contains("Status: ✖️ cancelled"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn a_banned_shopper_is_told_and_nothing_happens() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    t.shop
        .ban_user(&t.owner(), uid(SHOPPER), "chargeback fraud")
        .expect("ban");
    let blocked = "⛔ Your account is blocked. If you think this is a mistake, contact support.";
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    assert_eq!(one(&bot.get_responses()).text, blocked);
    let r = step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: card.id }, "b"),
    )
    .await;
    assert!(shown(&r).is_empty());
    assert_eq!(notices(&r), vec![Some(blocked.to_owned())]);
    let orders = t
        .shop
        .orders_of(&t.owner(), uid(SHOPPER), None, 10)
        .expect("orders");
    assert!(orders.orders.is_empty());
    assert_eq!(t.balance(SHOPPER), money("50.00"));
    assert_eq!(t.session(SHOPPER), None);
}

#[tokio::test]
async fn maintenance_mode_is_explained_and_stops_only_new_orders() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    t.shop
        .set_store_state(&t.owner(), StoreState::Maintenance, Some("Updating prices"))
        .expect("maintenance");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let menu = one(&bot.get_responses());
    assert!(
        menu.text.contains("🛠 The shop is under maintenance"),
        "{}",
        menu.text
    );
    assert!(
        menu.text.contains("Reason: Updating prices"),
        "{}",
        menu.text
    );
    let refused = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: card.id }, "b"),
    )
    .await);
    assert!(
        refused
            .text
            .starts_with("🛠 The shop is under maintenance: new orders are paused"),
        "{}",
        refused.text
    );
    assert_eq!(refused.callbacks(), vec![Callback::Menu]);
    assert_eq!(t.session(SHOPPER), None);
    assert!(t.orders(SHOPPER).is_empty());
    // The wallet still works.
    let wallet = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::Wallet, "w")).await);
    assert!(
        wallet.text.contains("Your balance: 50.00 USD"),
        "{}",
        wallet.text
    );
}

#[tokio::test]
async fn during_an_emergency_newcomers_are_told_the_shop_is_stopped() {
    let t = TestShop::new();
    t.shop
        .set_store_state(&t.owner(), StoreState::Emergency, None)
        .expect("emergency");
    let mut bot = mock_bot(&t, text(SHOPPER, "ar", "/start"));
    bot.dispatch().await;
    let told = one(&bot.get_responses());
    assert!(
        told.text.starts_with("⛔ المتجر متوقف مؤقتاً"),
        "{}",
        told.text
    );
    assert!(t.shop.user(uid(SHOPPER)).expect("read").is_none());
}

#[tokio::test]
async fn switching_language_sticks_over_telegrams_language() {
    let t = TestShop::new();
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let settings = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::Settings, "s")).await);
    assert!(
        settings.text.contains("Language: English"),
        "{}",
        settings.text
    );
    let r = step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &Callback::Language {
                lang: crate::common::arabic(),
            },
            "l",
        ),
    )
    .await;
    let arabic = one(&r);
    assert!(
        arabic.text.contains("اللغة: \u{2068}العربية\u{2069}"),
        "{:?}",
        arabic.text
    );
    assert_eq!(notices(&r), vec![Some("تم تغيير اللغة.".to_owned())]);
    let user = t.shop.user(uid(SHOPPER)).expect("read").expect("user");
    assert_eq!(user.preferred_language.expect("preferred").as_str(), "ar");
    // Telegram still says English; the shopper's choice wins.
    let menu = one(&step(&mut bot, text(SHOPPER, "en", "/start")).await);
    assert!(menu.text.starts_with("أهلاً"), "{}", menu.text);
}

#[tokio::test]
async fn a_half_finished_purchase_survives_a_restart() {
    let t = TestShop::new();
    t.coupon("SAVE20", "20");
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    {
        let mut bot = mock_bot(&t, tap(SHOPPER, "en", &Callback::Buy { id: card.id }, "b"));
        bot.dispatch().await;
        assert!(matches!(t.session(SHOPPER), Some(State::Coupon { .. })));
    }
    let t = t.reopen();
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "SAVE20"));
    bot.dispatch().await;
    let payment = one(&bot.get_responses());
    assert!(
        payment.text.starts_with("✅ Coupon SAVE20 applied."),
        "{}",
        payment.text
    );
    let summary = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::PayBalance, "p")).await);
    assert!(summary.text.contains("Total: 8.00 USD"), "{}", summary.text);
}

#[tokio::test]
async fn help_shows_the_support_contact_and_unexpected_text_gets_the_menu() {
    let t = TestShop::new();
    t.shop
        .set_support_contact(&t.owner(), Some("@shop_support"))
        .expect("contact");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/help"));
    bot.dispatch().await;
    let help = one(&bot.get_responses());
    assert!(
        help.text
            .ends_with("Need help? Contact support: @shop_support"),
        "{}",
        help.text
    );
    let lost = one(&step(&mut bot, text(SHOPPER, "en", "hello?")).await);
    assert!(
        lost.text.starts_with("I didn't understand that."),
        "{}",
        lost.text
    );
    assert!(lost.callbacks().contains(&Callback::Shop));
}

#[tokio::test]
async fn russian_turkish_and_persian_speakers_are_served_in_their_language() {
    use shopbot::i18n::Lang;
    for (code, telegram_code, greeting) in [
        ("ru", "ru", "Здравствуйте"),
        ("tr", "tr-TR", "Merhaba"),
        ("fa", "fa", "سلام"),
    ] {
        let t = TestShop::new();
        let lang = Lang::parse(code).expect("shipped");
        let mut bot = mock_bot(&t, text(SHOPPER, telegram_code, "/start"));
        bot.dispatch().await;
        let screen = one(&bot.get_responses());
        assert!(screen.text.contains(greeting), "{code}: {:?}", screen.text);
        assert_eq!(screen.labels()[0], lang.t("button-shop"), "{code}");
        // The name is isolated in Persian (right to left), not in Russian or Turkish.
        assert_eq!(
            screen.text.contains("\u{2068}Sam\u{2069}"),
            lang.is_rtl(),
            "{code}: {:?}",
            screen.text
        );
        let settings = one(&step(
            &mut bot,
            tap(SHOPPER, telegram_code, &Callback::Settings, "s"),
        )
        .await);
        // Every language is offered, each under its own name.
        let offered: Vec<_> = settings
            .callbacks()
            .into_iter()
            .filter_map(|c| match c {
                Callback::Language { lang } => Some(lang),
                _ => None,
            })
            .collect();
        assert_eq!(offered, Lang::all().collect::<Vec<_>>(), "{code}");
        for l in Lang::all() {
            assert!(
                settings.labels().contains(&l.name()),
                "{code}: {:?}",
                settings.labels()
            );
        }
    }
    // A Persian speaker switches to Russian: the choice sticks over Telegram's language.
    let t = TestShop::new();
    let mut bot = mock_bot(&t, text(SHOPPER, "fa", "/start"));
    bot.dispatch().await;
    let russian = Lang::parse("ru").expect("shipped");
    let r = step(
        &mut bot,
        tap(SHOPPER, "fa", &Callback::Language { lang: russian }, "l"),
    )
    .await;
    assert_eq!(
        notices(&r),
        vec![Some(russian.t("settings-language_changed"))]
    );
    let menu = one(&step(&mut bot, text(SHOPPER, "fa", "/start")).await);
    assert!(menu.text.starts_with("Здравствуйте"), "{}", menu.text);
    let user = t.shop.user(uid(SHOPPER)).expect("read").expect("user");
    assert_eq!(user.preferred_language.expect("preferred").as_str(), "ru");
}

#[tokio::test]
async fn a_friend_invited_through_the_referral_link_earns_the_referrer_a_reward() {
    use shopcore::referrals::{Program, Reward};
    let t = TestShop::new();
    t.shop
        .set_referral_program(
            &t.owner(),
            Some(Program {
                reward: Reward::Percent(money("10")),
                max_rewards: 5,
                max_rewards_per_period: 5,
                period_days: 30,
            }),
        )
        .unwrap();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    // The referrer finds their link under Wallet.
    let mut bot = mock_bot(&t, tap(SHOPPER, "en", &Callback::Wallet, "w"));
    bot.dispatch().await;
    let wallet = one(&bot.get_responses());
    assert!(wallet.callbacks().contains(&Callback::Referrals));
    let invite = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::Referrals, "r")).await);
    let link = format!(
        "https://t.me/{}?start=r{SHOPPER}",
        crate::common::telegram::BOT_USERNAME
    );
    assert!(invite.text.contains(&link), "{}", invite.text);
    assert!(invite.text.contains("10%"), "{}", invite.text);
    assert!(
        invite.text.contains("Friends invited: 0"),
        "{}",
        invite.text
    );

    // A new shopper arrives through it: welcomed and attributed, once.
    const FRIEND: u64 = 2_002;
    let r = step(&mut bot, text(FRIEND, "en", &format!("/start r{SHOPPER}"))).await;
    assert!(
        one(&r)
            .text
            .contains("joined through a friend's invitation"),
        "{}",
        one(&r).text
    );
    let again = step(&mut bot, text(FRIEND, "en", &format!("/start r{SHOPPER}"))).await;
    assert!(
        !one(&again).text.contains("invitation"),
        "{}",
        one(&again).text
    );
    // A link to oneself or to nobody is just the menu.
    let own = step(&mut bot, text(SHOPPER, "en", &format!("/start r{SHOPPER}"))).await;
    assert!(one(&own).text.starts_with("Hello"), "{}", one(&own).text);
    let junk = step(&mut bot, text(3_003, "en", "/start r12x")).await;
    assert!(one(&junk).text.starts_with("Hello"), "{}", one(&junk).text);

    // The friend's first order completes: the referrer is credited 10% of it.
    t.fund(FRIEND, "20");
    let friend = t.shop.actor(uid(FRIEND)).unwrap();
    let order = t
        .shop
        .create_order(
            &friend,
            &shopcore::OrderRequest::from_balance(card.id, 1),
            &key("o1"),
        )
        .unwrap();
    t.shop
        .complete_order(&t.owner(), order.id, Some("CODE"), &key("c1"))
        .unwrap();
    assert_eq!(t.shop.wallet(uid(SHOPPER)).unwrap().balance, money("1.00"));
    let invite = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::Referrals, "r2")).await);
    assert!(
        invite
            .text
            .contains("Friends invited: 1 · rewarded: 1 · earned: 1.00 USD"),
        "{}",
        invite.text
    );
    assert!(t.shop.verify().unwrap().is_healthy());
}

#[tokio::test]
async fn the_card_and_a_placed_order_suggest_what_other_shoppers_also_bought() {
    let t = TestShop::new();
    let games = t.category("Games");
    let pubg = t.product_with(games, "PUBG 660 UC", "10.00", |p| {
        p.player_field = Some(player_field());
    });
    let ff = t.product(games, "Free Fire 100", "2.00");
    let off = t.product(games, "Old card", "1.00");
    // Two other shoppers bought PUBG with Free Fire; one with a card now off sale.
    for (user, with) in [(20, ff.id), (21, ff.id), (22, off.id)] {
        t.register(user, "en");
        t.fund(user, "50");
        for (i, product) in [pubg.id, with].into_iter().enumerate() {
            let order = t
                .shop
                .create_order(
                    &t.shop.actor(uid(user)).unwrap(),
                    &shopcore::OrderRequest {
                        player_id: (product == pubg.id).then(|| "5123456".to_owned()),
                        ..shopcore::OrderRequest::from_balance(product, 1)
                    },
                    &key(&format!("o{user}-{i}")),
                )
                .unwrap();
            t.shop
                .complete_order(
                    &t.owner(),
                    order.id,
                    Some("x"),
                    &key(&format!("c{user}-{i}")),
                )
                .unwrap();
        }
    }
    t.shop
        .update_product(&t.owner(), off.id, shopcore::ProductChange::Active(false))
        .unwrap();
    t.fund(SHOPPER, "50.00");
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &Callback::Product { id: pubg.id }, "p"),
    );
    bot.dispatch().await;
    let card = one(&bot.get_responses());
    assert!(
        card.text.contains("Shoppers who bought this also bought:"),
        "{}",
        card.text
    );
    assert!(card.callbacks().contains(&Callback::Product { id: ff.id }));
    assert!(!card.callbacks().contains(&Callback::Product { id: off.id }));
    assert!(card.labels().contains(&"🛍 Free Fire 100".to_owned()));
    // The buttons stay above the way back.
    assert_eq!(
        card.callbacks().last(),
        Some(&Callback::Category { id: games, page: 0 })
    );
    // After buying PUBG the placed order suggests Free Fire too.
    let summary = to_summary(&mut bot, pubg.id, None).await;
    let placed = one(&step(&mut bot, tap(SHOPPER, "en", &confirm_of(&summary), "c")).await);
    assert!(placed.text.contains("also bought"), "{}", placed.text);
    assert!(
        placed
            .callbacks()
            .contains(&Callback::Product { id: ff.id })
    );
}

/// Three codes in one order: the card says how many one order may buy, the shopper picks
/// the quantity on a button (or types it, Arabic digits too), the summary and the order say
/// how many at what unit price, and every code is delivered together.
#[tokio::test]
async fn a_shopper_buys_several_codes_in_one_order_in_english_and_arabic() {
    let t = TestShop::new();
    let cards = t.category("Cards");
    let steam = t.product_with(cards, "Steam 5", "5.00", |p| {
        p.delivery = shopcore::Delivery::Codes;
    });
    let owner = t.owner();
    t.shop
        .add_codes(&owner, steam.id, &["S-1", "S-2", "S-3", "S-4", "S-5"])
        .unwrap();
    t.shop.set_order_limit(&owner, steam.id, 4).unwrap();
    t.shop
        .set_fulfilment_mode(&owner, shopcore::FulfilmentMode::Auto)
        .unwrap();
    t.fund(SHOPPER, "50.00");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;

    let card = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Product { id: steam.id }, "p"),
    )
    .await);
    assert!(card.text.contains("Up to 4 per order"), "{}", card.text);
    let ask = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Buy { id: steam.id }, "b"),
    )
    .await);
    assert!(
        ask.text
            .contains("How many Steam 5 would you like? Tap a number or send one from 1 to 4."),
        "{}",
        ask.text
    );
    assert_eq!(ask.labels(), ["1", "2", "3", "4", "✖\u{fe0f} Cancel"]);
    // Five (more than the limit) typed, a forged button for five, and words: refused, the
    // question stays.
    let typed = one(&step(&mut bot, text(SHOPPER, "en", "5")).await);
    assert!(typed.text.contains("from 1 to 4"), "{}", typed.text);
    let r = step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Quantity { units: 5 }, "q5"),
    )
    .await;
    assert_eq!(
        notices(&r),
        vec![Some(
            "This button has expired. Please use the latest message.".to_owned()
        )]
    );
    assert!(matches!(
        t.session(SHOPPER),
        Some(State::Quantity { max: 4, .. })
    ));
    let coupon = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Quantity { units: 3 }, "q3"),
    )
    .await);
    assert!(coupon.text.contains("Have a coupon?"), "{}", coupon.text);
    step(&mut bot, tap(SHOPPER, "en", &Callback::SkipCoupon, "k")).await;
    let summary = one(&step(&mut bot, tap(SHOPPER, "en", &Callback::PayBalance, "pb")).await);
    for line in [
        "Quantity: 3 × 5.00 USD",
        "Price: 15.00 USD",
        "Total: 15.00 USD",
    ] {
        assert!(summary.text.contains(line), "{line:?} in {}", summary.text);
    }
    // Someone else buys three codes meanwhile: only two are left, and Confirm says so.
    t.register(20, "en");
    t.fund(20, "50");
    t.shop
        .create_order(
            &t.shop.actor(uid(20)).unwrap(),
            &shopcore::OrderRequest::from_balance(steam.id, 3),
            &key("other"),
        )
        .unwrap();
    let refused = step(&mut bot, tap(SHOPPER, "en", &confirm_of(&summary), "y1")).await;
    let said = format!("{:?}{:?}", shown(&refused), notices(&refused));
    assert!(said.contains("Only 2 left, and you asked for 3."), "{said}");
    assert!(t.orders(SHOPPER).is_empty());
    t.shop.add_codes(&owner, steam.id, &["S-6", "S-7"]).unwrap();
    step(&mut bot, tap(SHOPPER, "en", &Callback::CancelFlow, "x")).await;

    // In Arabic, typed in Arabic-Indic digits.
    step(&mut bot, text(SHOPPER, "ar", "/start")).await;
    let ask = one(&step(
        &mut bot,
        tap(SHOPPER, "ar", &Callback::Buy { id: steam.id }, "b2"),
    )
    .await);
    assert!(ask.text.contains("كم تريد من"), "{}", ask.text);
    step(&mut bot, text(SHOPPER, "ar", "٤")).await;
    step(&mut bot, tap(SHOPPER, "ar", &Callback::SkipCoupon, "k2")).await;
    let summary = one(&step(&mut bot, tap(SHOPPER, "ar", &Callback::PayBalance, "pb2")).await);
    assert!(summary.text.contains("الكمية:"), "{}", summary.text);
    let placed = one(&step(&mut bot, tap(SHOPPER, "ar", &confirm_of(&summary), "y2")).await);
    let orders = t.orders(SHOPPER);
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!((order.quantity, order.status), (4, OrderStatus::Completed));
    assert_eq!(order.total_usd, money("20.00"));
    assert_eq!(t.balance(SHOPPER), money("30.00"));
    let delivered = order.delivery.as_deref().unwrap();
    assert_eq!(delivered.lines().count(), 4, "{delivered}");
    for code in delivered.lines() {
        assert!(placed.text.contains(code), "{code} in {}", placed.text);
    }
    assert!(placed.text.contains("الكمية:"), "{}", placed.text);
    // My orders: the quantity beside the name.
    let list = one(&step(
        &mut bot,
        tap(SHOPPER, "ar", &Callback::Orders { before: None }, "o"),
    )
    .await);
    assert!(
        list.labels()
            .iter()
            .any(|l| l.contains("× ") && l.contains("Steam 5")),
        "{:?}",
        list.labels()
    );
}
