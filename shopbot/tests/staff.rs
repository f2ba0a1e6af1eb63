//! The staff panel, end to end: updates go through the real handler tree (Telegram is the
//! fake Bot API of `common::telegram`) against a real shop; each test checks what staff and
//! shoppers saw and the shop's state afterwards — including that a role without a right is
//! refused by the core and the attempt is audited.

use crate::common::*;
use shopbot::callback::{Admin, Callback, DeliveryChoice, ProductField};
use shopbot::state::State;
use shopcore::audit::Outcome;
use shopcore::{
    ActorRef, AuditAction, AuditQuery, Delivery, OrderRequest, OrderStatus, PaymentChoice,
    ProductKind, Proof, Role, Stock, StoreState, TopupRequest,
};
use teloxide::types::ChatId;

pub const SUPPORT: u64 = 7_001;
pub const OPERATOR: u64 = 7_002;

fn admin(a: Admin) -> Callback {
    Callback::Admin(a)
}

fn staff(t: &TestShop, id: u64, role: Role) {
    t.register(id, "en");
    t.shop
        .set_role(&t.owner(), uid(id), role)
        .expect("set role");
}

fn topup_request(
    t: &TestShop,
    user: u64,
    method: shopcore::PaymentMethodId,
    key_: &str,
    proof: Proof,
) -> shopcore::Topup {
    let actor = t.shop.actor(uid(user)).expect("actor");
    t.shop
        .request_topup(
            &actor,
            &TopupRequest {
                method,
                amount: money("20"),
                proof,
                key: key(key_),
            },
        )
        .expect("top-up")
}

fn balance_order(
    t: &TestShop,
    user: u64,
    product: shopcore::ProductId,
    key_: &str,
) -> shopcore::Order {
    let actor = t.shop.actor(uid(user)).expect("actor");
    t.shop
        .create_order(
            &actor,
            &shopcore::OrderRequest::from_balance(product, 1),
            &key(key_),
        )
        .expect("order")
}

#[tokio::test]
async fn the_panel_shows_only_what_the_role_permits() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let mut bot = mock_bot(&t, text(SUPPORT, "en", "/admin"));
    bot.dispatch().await;
    let panel = one(&bot.get_responses());
    assert!(panel.text.contains("your role: support"), "{}", panel.text);
    let callbacks = panel.callbacks();
    for shown in [
        admin(Admin::Topups),
        admin(Admin::Orders),
        admin(Admin::Products { page: None }),
        admin(Admin::UserFind),
        admin(Admin::Stats),
    ] {
        assert!(
            callbacks.contains(&shown),
            "missing {shown:?} in {panel:#?}"
        );
    }
    for hidden in [
        admin(Admin::Methods { all: false }),
        admin(Admin::Coupons),
        admin(Admin::Settings),
    ] {
        assert!(!callbacks.contains(&hidden), "{hidden:?} shown to support");
    }
    assert!(
        !callbacks
            .iter()
            .any(|c| matches!(c, Callback::Admin(Admin::Audit { .. }))),
        "audit shown to support"
    );
    // The owner (a super admin) sees everything.
    let owner = one(&step(&mut bot, text(OWNER, "en", "/admin")).await);
    assert!(owner.callbacks().contains(&admin(Admin::Settings)));
    assert!(owner.callbacks().contains(&admin(Admin::Coupons)));
    // A shopper gets no panel at all.
    let shopper = one(&step(&mut bot, text(SHOPPER, "en", "/admin")).await);
    assert!(
        shopper.text.starts_with("I didn't understand that."),
        "{}",
        shopper.text
    );
}

#[tokio::test]
async fn a_product_is_created_edited_and_deleted() {
    let t = TestShop::new();
    let games = t.category("Games");
    let mut bot = mock_bot(&t, tap(OWNER, "en", &admin(Admin::ProductNew), "n"));
    bot.dispatch().await;
    let ask_name = one(&bot.get_responses());
    assert!(ask_name.text.contains("Send its name"), "{}", ask_name.text);
    let ask_price = one(&step(&mut bot, text(OWNER, "en", "PUBG 660 UC")).await);
    assert!(
        ask_price.text.contains("price in USD"),
        "{}",
        ask_price.text
    );
    // A bad price is explained and asked again.
    let bad = one(&step(&mut bot, text(OWNER, "en", "ten")).await);
    assert_eq!(bad.text, "Please send just a number, like 25 or 12.50.");
    let ask_category = one(&step(&mut bot, text(OWNER, "en", "9.99")).await);
    assert!(
        ask_category
            .callbacks()
            .contains(&admin(Admin::DraftCategory { id: games }))
    );
    let ask_kind = one(&step(
        &mut bot,
        tap(OWNER, "en", &admin(Admin::DraftCategory { id: games }), "c"),
    )
    .await);
    assert!(
        ask_kind.text.contains("Choose the type"),
        "{}",
        ask_kind.text
    );
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::DraftKind {
                kind: ProductKind::GameTopUp,
            }),
            "k",
        ),
    )
    .await;
    let ask_stock = one(&step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::DraftDelivery {
                delivery: DeliveryChoice::Manual,
            }),
            "d",
        ),
    )
    .await);
    assert!(
        ask_stock.text.contains("Send the stock"),
        "{}",
        ask_stock.text
    );
    let ask_description = one(&step(&mut bot, text(OWNER, "en", "25")).await);
    assert!(ask_description.callbacks().contains(&admin(Admin::Skip)));
    let r = step(&mut bot, tap(OWNER, "en", &admin(Admin::Skip), "s")).await;
    let screens = shown(&r);
    assert!(screens[0].text.starts_with("✅ Product #"), "{screens:#?}");
    let products = t
        .shop
        .list_products(&t.owner(), &Default::default(), None, 10)
        .expect("list")
        .products;
    assert_eq!(products.len(), 1);
    let product = &products[0];
    assert_eq!(product.name, "PUBG 660 UC");
    assert_eq!(product.price_usd, money("9.99"));
    assert_eq!(product.stock, Stock::Limited(25));
    assert_eq!(product.delivery, Delivery::Manual);
    assert_eq!(t.session(OWNER), None, "the conversation is over");
    let id = product.id;

    // Edit the price, the name and the player field.
    let prompt = one(&step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductEdit {
                id,
                field: ProductField::Price,
            }),
            "e1",
        ),
    )
    .await);
    assert!(prompt.text.contains("Now: 9.99 USD"), "{}", prompt.text);
    step(&mut bot, text(OWNER, "en", "12.50")).await;
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductEdit {
                id,
                field: ProductField::Name,
            }),
            "e2",
        ),
    )
    .await;
    step(&mut bot, text(OWNER, "en", "PUBG 720 UC")).await;
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductEdit {
                id,
                field: ProductField::PlayerRule,
            }),
            "e3",
        ),
    )
    .await;
    let r = step(&mut bot, text(OWNER, "en", "Player ID | digits 5-12")).await;
    let card = shown(&r).pop().expect("card");
    assert!(
        card.text
            .contains("Asks for: Player ID (digits only, 5 to 12 long)"),
        "{}",
        card.text
    );
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductSetKind {
                id,
                kind: ProductKind::GiftCard,
            }),
            "e4",
        ),
    )
    .await;
    let r = step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductActive { id, active: false }),
            "e5",
        ),
    )
    .await;
    assert_eq!(notices(&r), vec![Some("✅ Saved.".to_owned())]);
    let edited = t.shop.product(id).expect("read").expect("product");
    assert_eq!(edited.price_usd, money("12.50"));
    assert_eq!(edited.name, "PUBG 720 UC");
    assert_eq!(edited.kind, ProductKind::GiftCard);
    assert!(!edited.active);
    assert_eq!(edited.player_field.expect("field").label, "Player ID");

    // Delete asks first; only the confirmation deletes.
    let confirm = one(&step(
        &mut bot,
        tap(OWNER, "en", &admin(Admin::ProductDelete { id }), "x1"),
    )
    .await);
    assert!(
        confirm.text.contains("Delete product #"),
        "{}",
        confirm.text
    );
    assert!(t.shop.product(id).expect("read").is_some());
    let deleted = one(&step(&mut bot, confirm_tap(&confirm, "x2")).await);
    assert!(deleted.text.contains("deleted"), "{}", deleted.text);
    assert!(t.shop.product(id).expect("read").is_none());
}

fn confirm_tap(screen: &Shown, id: &str) -> Incoming {
    let yes = screen
        .callbacks()
        .into_iter()
        .next()
        .expect("a first button");
    tap(OWNER, "en", &yes, id)
}

/// Opens a product's code upload (tap `tap_id`) and sends `codes`; returns every text shown.
async fn upload(
    bot: &mut TestBot,
    product: shopcore::ProductId,
    tap_id: &str,
    codes: &str,
) -> String {
    step(
        bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductCodes { id: product }),
            tap_id,
        ),
    )
    .await;
    let r = step(bot, text(OWNER, "en", codes)).await;
    shown(&r).into_iter().map(|s| s.text).collect()
}

#[tokio::test]
async fn uploaded_codes_are_counted_and_never_echoed() {
    let t = TestShop::new();
    let games = t.category("Games");
    let product = t.product_with(games, "Steam card", "10.00", |p| {
        p.delivery = Delivery::Codes
    });
    let mut bot = mock_bot(
        &t,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductCodes { id: product.id }),
            "u",
        ),
    );
    bot.dispatch().await;
    assert!(matches!(t.session(OWNER), Some(State::Admin { .. })));
    let pool = |t: &TestShop| {
        t.shop
            .product(product.id)
            .expect("read")
            .expect("p")
            .codes_available
    };
    let refused = |count: u64| {
        // The plural form: "One of these codes was …", "2 of these codes were …".
        if count == 1 {
            "One of these codes was uploaded for this product before (in the pool, sold, \
             reserved or revoked) or repeats in the list. A code can be sold only once, so \
             nothing was added"
                .to_owned()
        } else {
            format!(
                "{count} of these codes were uploaded for this product before (in the pool, \
                 sold, reserved or revoked) or repeat in the list. A code can be sold only \
                 once, so nothing was added"
            )
        }
    };

    // A code repeated within the upload: the whole upload is refused, nothing is added.
    let r = step(
        &mut bot,
        text(OWNER, "en", "SECRET-AAA\n\nSECRET-BBB\nSECRET-AAA"),
    )
    .await;
    let all: String = shown(&r).into_iter().map(|s| s.text).collect();
    assert!(all.contains(&refused(1)), "{all}");
    assert!(!all.contains("Codes added"), "{all}");
    assert!(!all.contains("SECRET"), "codes were echoed: {all}");
    assert_eq!(pool(&t), 0, "a refused upload adds nothing");

    // A clean upload is counted.
    let all = upload(&mut bot, product.id, "u2", "SECRET-AAA\n\nSECRET-BBB").await;
    assert!(all.contains("Codes added: 2. In the pool now: 2."), "{all}");
    assert!(!all.contains("SECRET"), "codes were echoed: {all}");
    assert_eq!(pool(&t), 2);

    // A code already in the pool can't enter it again, even beside new ones: the count
    // names only the codes seen before, and the new one isn't added either.
    let all = upload(
        &mut bot,
        product.id,
        "u3",
        "SECRET-CCC\nSECRET-AAA\nSECRET-BBB",
    )
    .await;
    assert!(all.contains(&refused(2)), "{all}");
    assert!(!all.contains("SECRET"), "codes were echoed: {all}");
    assert_eq!(pool(&t), 2, "nothing was added");

    // The new code alone goes in.
    let all = upload(&mut bot, product.id, "u4", "SECRET-CCC").await;
    assert!(all.contains("Codes added: 1. In the pool now: 3."), "{all}");
    assert!(!all.contains("SECRET"), "codes were echoed: {all}");
    assert_eq!(pool(&t), 3);
}

#[tokio::test]
async fn codes_sent_as_a_text_file_are_read_and_the_file_is_deleted() {
    let t = TestShop::new();
    let games = t.category("Games");
    let product = t.product_with(games, "Steam card", "10.00", |p| {
        p.delivery = Delivery::Codes
    });
    let pool = |t: &TestShop| {
        t.shop
            .product(product.id)
            .expect("read")
            .expect("p")
            .codes_available
    };
    let open = |id: &str| {
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductCodes { id: product.id }),
            id,
        )
    };
    let mut bot = mock_bot(&t, open("u1"));
    bot.dispatch().await;
    // A file saved on Windows: CRLF line ends and a blank line.
    let file = Incoming::document(
        person(OWNER, "en"),
        "codes.txt",
        "text/plain",
        b"FILE-AAA\r\nFILE-BBB\r\n\r\nFILE-CCC\r\n",
    );
    let r = step(&mut bot, file).await;
    let all: String = shown(&r).into_iter().map(|s| s.text).collect();
    assert!(all.contains("Codes added: 3. In the pool now: 3."), "{all}");
    assert!(!all.contains("FILE-"), "codes were echoed: {all}");
    assert_eq!(pool(&t), 3);
    // The bot fetched the file (getFile, then the download) and deleted the message that
    // held it, so the codes don't linger in the chat.
    assert!(
        r.requests
            .iter()
            .any(|q| q.method == "getFile" && q.is_ok()),
        "{:#?}",
        r.requests
    );
    assert_eq!(r.deleted_messages.len(), 1, "{:#?}", r.requests);
    let (chat, id) = r.deleted_messages[0];
    assert_eq!(chat, ChatId(i64::try_from(OWNER).expect("id")));
    assert!(bot.telegram.message(chat.0, id.0).is_none());

    // A file that isn't text is not read: the bot says what it expects, and adds nothing.
    step(&mut bot, open("u2")).await;
    let pdf = Incoming::document(person(OWNER, "en"), "codes.pdf", "application/pdf", b"%PDF");
    let r = step(&mut bot, pdf).await;
    assert_eq!(
        one(&r).text,
        "Send the codes as text (one per line) or as a .txt file."
    );
    assert!(!r.requests.iter().any(|q| q.method == "getFile"));
    assert_eq!(pool(&t), 3);
}

#[tokio::test]
async fn a_method_in_use_is_not_deleted_and_the_refusal_is_explained() {
    let t = TestShop::new();
    let bank = t.method("Bank transfer", "USD", "1", "1000");
    t.register(SHOPPER, "en");
    let topup = topup_request(&t, SHOPPER, bank, "t1", Proof::Text("txn 1".into()));
    let mut bot = mock_bot(
        &t,
        tap(OWNER, "en", &admin(Admin::MethodDelete { id: bank }), "d"),
    );
    bot.dispatch().await;
    let confirm = one(&bot.get_responses());
    assert!(
        confirm
            .text
            .contains("One pending top-up or unpaid order still uses it"),
        "{}",
        confirm.text
    );
    let refused = one(&step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::MethodDeleteYes { id: bank }),
            "y1",
        ),
    )
    .await);
    assert!(
        refused
            .text
            .starts_with("This method can't be deleted yet: one pending top-up"),
        "{}",
        refused.text
    );
    assert!(
        t.shop
            .payment_method(bank)
            .expect("read")
            .expect("m")
            .deleted_at
            .is_none()
    );

    t.shop
        .reject_topup(&t.owner(), topup.id, "no transfer", &key("r"))
        .expect("reject");
    let done = one(&step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::MethodDeleteYes { id: bank }),
            "y2",
        ),
    )
    .await);
    assert!(
        done.text.contains("Bank transfer was deleted"),
        "{}",
        done.text
    );
    let method = t.shop.payment_method(bank).expect("read").expect("kept");
    assert!(
        method.deleted_at.is_some() && !method.active,
        "soft-deleted"
    );
    // The active list no longer shows it; the full list does, marked deleted.
    let active = one(&step(
        &mut bot,
        tap(OWNER, "en", &admin(Admin::Methods { all: false }), "l1"),
    )
    .await);
    assert!(!active.labels().iter().any(|l| l.contains("Bank transfer")));
    let all = one(&step(
        &mut bot,
        tap(OWNER, "en", &admin(Admin::Methods { all: true }), "l2"),
    )
    .await);
    assert!(
        all.labels().iter().any(|l| l == "🗑 Bank transfer · USD"),
        "{all:#?}"
    );
}

#[tokio::test]
async fn top_ups_are_approved_once_and_rejected_with_a_reason_and_the_shopper_is_told() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let bank = t.method("Bank", "USD", "1", "1000");
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(&t, tap(SUPPORT, "en", &admin(Admin::Topups), "q"));
    // The shopper sent a PDF receipt: Telegram has it, under this file id.
    let receipt =
        bot.telegram
            .stored_document("receipt.pdf", "application/pdf", b"%PDF-1.4 receipt");
    let first = topup_request(
        &t,
        SHOPPER,
        bank,
        "t1",
        Proof::File {
            reference: receipt.clone(),
            caption: Some("receipt".into()),
        },
    );
    let second = topup_request(&t, SHOPPER, bank, "t2", Proof::Text("TXN-77".into()));

    bot.dispatch().await;
    let queue = one(&bot.get_responses());
    assert!(
        queue
            .callbacks()
            .contains(&admin(Admin::Topup { id: first.id }))
    );
    assert!(
        queue
            .callbacks()
            .contains(&admin(Admin::Topup { id: second.id }))
    );
    let r = step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Topup { id: first.id }), "v"),
    )
    .await;
    // The proof is a file (a document): it goes back as a document, not as a photo.
    assert_eq!(r.sent_messages_document.len(), 1, "the proof file is shown");
    assert_eq!(
        r.sent_messages_document[0].file_id.as_deref(),
        Some(receipt.as_str())
    );
    assert!(r.sent_messages_photo.is_empty());
    let review = shown(&r).pop().expect("review");
    assert!(
        review.text.contains("Amount: 20.00 USD\n"),
        "{}",
        review.text
    );
    assert!(
        review.text.contains("with the note: receipt"),
        "{}",
        review.text
    );

    // Two staff tap Approve at once (and one tap is redelivered): one credit.
    let approve = admin(Admin::TopupApprove { id: first.id });
    let r = step(
        &mut bot,
        vec![
            tap(SUPPORT, "en", &approve, "a-1"),
            tap(OWNER, "en", &approve, "a-2"),
            tap(SUPPORT, "en", &approve, "a-1"),
        ],
    )
    .await;
    // The taps are handled concurrently, so which one wins varies: whoever wins sees the
    // credit (the winner's redelivered tap replays it), everyone else is told it was decided.
    // When the winner's tap is the redelivered one, it edits its message to what the message
    // already shows, which Telegram refuses as "not modified": count what the bot tried to
    // show.
    let texts: Vec<String> = attempted(&r).into_iter().map(|s| s.text).collect();
    let won = texts
        .iter()
        .filter(|t| t.contains("approved: 20.00 USD credited"))
        .count();
    let lost = texts
        .iter()
        .filter(|t| t.starts_with("This top-up was already decided: ✅ approved."))
        .count();
    assert!(won >= 1 && lost >= 1 && won + lost == 3, "{texts:#?}");
    assert_eq!(t.balance(SHOPPER), money("20.00"));

    // Reject asks for the reason; the reason reaches the shopper.
    let ask = one(&step(
        &mut bot,
        tap(
            SUPPORT,
            "en",
            &admin(Admin::TopupReject { id: second.id }),
            "r",
        ),
    )
    .await);
    assert!(ask.text.contains("Why is top-up"), "{}", ask.text);
    let rejected = one(&step(
        &mut bot,
        text(SUPPORT, "en", "No transfer with this number"),
    )
    .await);
    assert!(rejected.text.contains("rejected"), "{}", rejected.text);
    assert_eq!(t.balance(SHOPPER), money("20.00"));

    let r = step(&mut bot, text(OWNER, "en", DELIVER)).await;
    let told: Vec<String> = shown(&r).into_iter().map(|s| s.text).collect();
    assert!(
        told.iter().any(|t| t
            == &format!(
                "✅ Top-up {} approved: 20.00 USD added to your balance.",
                first.id
            )),
        "{told:#?}"
    );
    assert!(
        told.iter().any(|t| t
            == &format!(
                "❌ Top-up {} was rejected: No transfer with this number",
                second.id
            )),
        "{told:#?}"
    );
}

#[tokio::test]
async fn orders_are_completed_or_failed_with_a_refund() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    let first = balance_order(&t, SHOPPER, card.id, "o1");
    let mut bot = mock_bot(&t, tap(SUPPORT, "en", &admin(Admin::Orders), "q"));
    bot.dispatch().await;
    let queue = one(&bot.get_responses());
    assert!(
        queue
            .callbacks()
            .contains(&admin(Admin::Order { id: first.id })),
        "{queue:#?}"
    );
    let view = one(&step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Order { id: first.id }), "v"),
    )
    .await);
    assert!(
        view.callbacks()
            .contains(&admin(Admin::OrderComplete { id: first.id }))
    );
    step(
        &mut bot,
        tap(
            SUPPORT,
            "en",
            &admin(Admin::OrderComplete { id: first.id }),
            "c1",
        ),
    )
    .await;
    let done = one(&step(&mut bot, text(SUPPORT, "en", "CODE-XYZ-123")).await);
    assert!(done.text.contains("completed"), "{}", done.text);
    let order = t.shop.order(&t.owner(), first.id).expect("order");
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(order.delivery.as_deref(), Some("CODE-XYZ-123"));

    let second = balance_order(&t, SHOPPER, card.id, "o2");
    assert_eq!(t.balance(SHOPPER), money("30.00"));
    step(
        &mut bot,
        tap(
            SUPPORT,
            "en",
            &admin(Admin::OrderFail { id: second.id }),
            "f1",
        ),
    )
    .await;
    // The owner starts completing the same order meanwhile.
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::OrderComplete { id: second.id }),
            "c2",
        ),
    )
    .await;
    let failed = one(&step(&mut bot, text(SUPPORT, "en", "Supplier out of stock")).await);
    assert!(
        failed
            .text
            .contains("10.00 USD went back to the buyer's balance"),
        "{}",
        failed.text
    );
    assert_eq!(t.balance(SHOPPER), money("40.00"), "refunded");
    // The loser of the race is told what happened, and nothing changes.
    let late = one(&step(&mut bot, text(OWNER, "en", "CODE-LATE")).await);
    assert_eq!(
        late.text,
        "Someone already handled this order: it is now ❌ failed."
    );
    let order = t.shop.order(&t.owner(), second.id).expect("order");
    assert_eq!(order.status, OrderStatus::Failed);
    assert_eq!(order.delivery, None);

    let r = step(&mut bot, text(OWNER, "en", DELIVER)).await;
    let told: Vec<String> = shown(&r).into_iter().map(|s| s.text).collect();
    assert!(
        told.iter()
            .any(|t| t.contains("failed: Supplier out of stock")
                && t.contains("10.00 USD went back to your balance")),
        "{told:#?}"
    );
}

#[tokio::test]
async fn staff_are_not_offered_decisions_on_their_own_orders() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SUPPORT, "50.00");
    let own = balance_order(&t, SUPPORT, card.id, "own");
    let decisions = [
        admin(Admin::OrderComplete { id: own.id }),
        admin(Admin::OrderCompleteCode { id: own.id }),
        admin(Admin::OrderFail { id: own.id }),
        admin(Admin::OrderConfirmPayment { id: own.id }),
    ];
    let mut bot = mock_bot(
        &t,
        tap(SUPPORT, "en", &admin(Admin::Order { id: own.id }), "v"),
    );
    bot.dispatch().await;
    let view = one(&bot.get_responses());
    assert!(
        view.text.contains("This is your own order"),
        "{}",
        view.text
    );
    for decision in &decisions {
        assert!(!view.callbacks().contains(decision), "{view:#?}");
    }
    // An old or crafted button is answered with the same notice, and nothing changes.
    let r = step(&mut bot, tap(SUPPORT, "en", &decisions[2], "f")).await;
    assert!(
        notices(&r)[0]
            .as_deref()
            .is_some_and(|n| n.contains("your own order")),
        "{:?}",
        notices(&r)
    );
    assert_eq!(t.session(SUPPORT), None, "no reason is asked for");
    assert_eq!(
        t.shop.order(&t.owner(), own.id).expect("order").status,
        OrderStatus::Paid
    );
    drop(bot);
    // Another staff member sees the buttons.
    let mut bot = mock_bot(
        &t,
        tap(OWNER, "en", &admin(Admin::Order { id: own.id }), "o"),
    );
    bot.dispatch().await;
    let view = one(&bot.get_responses());
    assert!(view.callbacks().contains(&decisions[0]), "{view:#?}");
    assert!(!view.text.contains("your own order"), "{}", view.text);
}

#[tokio::test]
async fn a_user_is_found_and_banned_with_a_reason() {
    let t = TestShop::new();
    t.fund(SHOPPER, "5.00");
    let mut bot = mock_bot(&t, tap(OWNER, "en", &admin(Admin::UserFind), "f"));
    bot.dispatch().await;
    let missing = one(&step(&mut bot, text(OWNER, "en", "@nobody_here")).await);
    assert!(
        missing.text.starts_with("No user matches that."),
        "{}",
        missing.text
    );
    let card = one(&step(&mut bot, text(OWNER, "en", &SHOPPER.to_string())).await);
    assert!(card.text.contains("Role: shopper"), "{}", card.text);
    assert!(
        card.text.contains("Your balance: 5.00 USD") || card.text.contains("5.00 USD"),
        "{}",
        card.text
    );
    assert!(
        card.callbacks()
            .contains(&admin(Admin::UserBan { id: uid(SHOPPER) }))
    );
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::UserBan { id: uid(SHOPPER) }),
            "b",
        ),
    )
    .await;
    let r = step(&mut bot, text(OWNER, "en", "Chargeback fraud")).await;
    let after = shown(&r).pop().expect("card");
    assert!(
        after.text.contains("Banned on") && after.text.contains("Chargeback fraud"),
        "{}",
        after.text
    );
    let user = t.shop.user(uid(SHOPPER)).expect("read").expect("user");
    assert_eq!(user.ban.expect("banned").reason, "Chargeback fraud");
    // Adjusting the balance needs a reason and lands in the ledger.
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::UserAdjust { id: uid(SHOPPER) }),
            "a",
        ),
    )
    .await;
    step(&mut bot, text(OWNER, "en", "-2.50")).await;
    step(&mut bot, text(OWNER, "en", "Correction")).await;
    assert_eq!(t.balance(SHOPPER), money("2.50"));
}

#[tokio::test]
async fn support_crafting_an_operator_button_is_refused_and_audited() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    let before = t.shop.state_digest().expect("digest");
    let crafted = admin(Admin::ProductDeleteYes { id: card.id });
    let mut bot = mock_bot(&t, tap(SUPPORT, "en", &crafted, "evil-1"));
    bot.dispatch().await;
    let refused = one(&bot.get_responses());
    assert_eq!(
        refused.text,
        "⛔ Your role doesn't allow this (manage_products). The attempt was recorded."
    );
    assert!(
        t.shop.product(card.id).expect("read").is_some(),
        "not deleted"
    );
    let page = t
        .shop
        .audit_log(
            &t.owner(),
            &AuditQuery {
                actor: Some(ActorRef::User(uid(SUPPORT))),
                action: Some(AuditAction::DeleteProduct),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .expect("audit");
    assert_eq!(page.entries.len(), 1, "{:#?}", page.entries);
    assert!(matches!(page.entries[0].outcome, Outcome::Denied { .. }));
    // Nothing but the audit log changed (the digest leaves the log out).
    assert_eq!(t.shop.state_digest().expect("digest"), before);
    // A crafted read of an operator screen shows nothing.
    let r = step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Settings), "evil-2"),
    )
    .await;
    assert!(shown(&r).is_empty());
    assert_eq!(
        notices(&r),
        vec![Some("Your role doesn't include this.".to_owned())]
    );
}

#[tokio::test]
async fn an_emergency_stop_asks_first_stops_the_shop_and_is_lifted() {
    let t = TestShop::new();
    staff(&t, OPERATOR, Role::Operator);
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    let mut bot = mock_bot(&t, tap(OPERATOR, "en", &admin(Admin::Settings), "s"));
    bot.dispatch().await;
    let settings = one(&bot.get_responses());
    let stop = admin(Admin::StoreState {
        state: StoreState::Emergency,
    });
    assert!(settings.callbacks().contains(&stop), "{settings:#?}");
    // Open ⇄ maintenance is a super admin's: not offered to an operator.
    assert!(!settings.callbacks().contains(&admin(Admin::StoreState {
        state: StoreState::Maintenance
    })));
    let confirm = one(&step(&mut bot, tap(OPERATOR, "en", &stop, "e1")).await);
    assert!(
        confirm.text.starts_with("⛔ Stop the shop?"),
        "{}",
        confirm.text
    );
    assert_eq!(t.shop.settings().state, StoreState::Open, "nothing yet");
    step(
        &mut bot,
        tap(OPERATOR, "en", &admin(Admin::EmergencyYes), "e2"),
    )
    .await;
    assert_eq!(t.shop.settings().state, StoreState::Emergency);

    // Shoppers are told, and can't buy.
    let menu = one(&step(&mut bot, text(SHOPPER, "en", "/start")).await);
    assert!(
        menu.text.contains("⛔ The shop is temporarily stopped."),
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
            .starts_with("⛔ The shop is temporarily stopped"),
        "{}",
        refused.text
    );
    // Staff changes are refused too, with the reason.
    let r = step(
        &mut bot,
        tap(
            OPERATOR,
            "en",
            &admin(Admin::ProductActive {
                id: card.id,
                active: false,
            }),
            "p",
        ),
    )
    .await;
    assert!(
        shown(&r)[0]
            .text
            .starts_with("⛔ The shop is temporarily stopped"),
        "{:#?}",
        shown(&r)
    );
    assert!(t.shop.product(card.id).expect("read").expect("p").active);

    let settings = one(&step(&mut bot, tap(OPERATOR, "en", &admin(Admin::Settings), "s2")).await);
    let open = admin(Admin::StoreState {
        state: StoreState::Open,
    });
    assert!(settings.callbacks().contains(&open), "{settings:#?}");
    step(&mut bot, tap(OPERATOR, "en", &open, "o")).await;
    assert_eq!(t.shop.settings().state, StoreState::Open);
}

#[tokio::test]
async fn new_top_ups_and_manual_orders_reach_the_staff_chat() {
    let t = TestShop::new();
    let bank = t.method("Bank", "USD", "1", "1000");
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    let topup = topup_request(&t, SHOPPER, bank, "t1", Proof::Text("TXN".into()));
    let order = balance_order(&t, SHOPPER, card.id, "o1");
    let mut bot = mock_bot(&t, text(OWNER, "en", DELIVER_STAFF));
    bot.dispatch().await;
    let r = bot.get_responses();
    let to_staff: Vec<_> = r
        .sent_messages_text
        .iter()
        .filter(|m| m.message.chat.id.0 == STAFF_CHAT)
        .map(|m| m.text.clone())
        .collect();
    assert_eq!(to_staff.len(), 2, "{to_staff:#?}");
    assert!(
        to_staff[0].starts_with(&format!(
            "💳 New top-up #{} from Sam ({SHOPPER}): 20.00 USD",
            topup.id.get()
        )),
        "{to_staff:#?}"
    );
    assert!(
        to_staff[1].contains(&format!(
            "Order #{} from Sam ({SHOPPER}) is waiting",
            order.id.get()
        )),
        "{to_staff:#?}"
    );
    let buttons: Vec<Callback> = shown(&r).iter().flat_map(Shown::callbacks).collect();
    assert!(buttons.contains(&admin(Admin::Topup { id: topup.id })));
    assert!(buttons.contains(&admin(Admin::Order { id: order.id })));
    assert!(
        t.shop
            .pending_notifications(shopbot::SCOPE, 10)
            .expect("pending")
            .is_empty()
    );
}

#[tokio::test]
async fn statistics_come_with_a_revenue_chart() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    let order = balance_order(&t, SHOPPER, card.id, "o1");
    t.shop
        .complete_order(&t.owner(), order.id, Some("CODE"), &key("c1"))
        .expect("complete");
    let mut bot = mock_bot(&t, tap(OWNER, "en", &admin(Admin::Stats), "s"));
    bot.dispatch().await;
    let r = bot.get_responses();
    let dashboard = one(&r);
    assert!(
        dashboard.text.contains("📦 Orders: 1"),
        "{}",
        dashboard.text
    );
    assert!(
        dashboard.text.contains("💰 Revenue: 10.00 USD"),
        "{}",
        dashboard.text
    );
    assert_eq!(r.sent_messages_photo.len(), 1);
    assert_eq!(
        r.sent_messages_photo[0].message.caption(),
        Some("📈 Revenue per day, last 30 days (USD)")
    );
    // Viewing statistics is audited.
    let views = t
        .shop
        .audit_log(
            &t.owner(),
            &AuditQuery {
                action: Some(AuditAction::ViewStats),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .expect("audit");
    assert_eq!(views.entries.len(), 1);
}

#[tokio::test]
async fn the_audit_log_pages_and_filters() {
    let t = TestShop::new();
    for i in 0..12 {
        t.category(&format!("Category {i}"));
    }
    let mut bot = mock_bot(
        &t,
        tap(
            OWNER,
            "en",
            &admin(Admin::Audit {
                page: 0,
                filter: shopbot::callback::AuditFilter::All,
            }),
            "a",
        ),
    );
    bot.dispatch().await;
    let first = one(&bot.get_responses());
    assert!(
        first
            .text
            .starts_with("📜 Audit log · page 1 · all entries"),
        "{}",
        first.text
    );
    let next = first.find(|c| matches!(c, Callback::Admin(Admin::Audit { page: 1, .. })));
    let second = one(&step(&mut bot, tap(OWNER, "en", &next, "b")).await);
    assert!(second.text.contains("page 2"), "{}", second.text);
    step(
        &mut bot,
        tap(OWNER, "en", &admin(Admin::AuditFilterAsk), "f"),
    )
    .await;
    let filtered = one(&step(&mut bot, text(OWNER, "en", "create_category")).await);
    assert!(
        filtered.text.contains("CREATE_CATEGORY"),
        "{}",
        filtered.text
    );
    assert!(
        !filtered.text.contains("BOOTSTRAP_SUPER_ADMIN"),
        "{}",
        filtered.text
    );
}

/// A shopper tops up 20 USD through the bot with the mock photo (whose `file_unique_id` is
/// fixed) as proof; returns the new top-up.
async fn photo_topup(
    t: &TestShop,
    bot: &mut TestBot,
    user: u64,
    method: shopcore::PaymentMethodId,
    tag: &str,
) -> shopcore::Topup {
    step(
        bot,
        tap(user, "en", &Callback::TopupMethod { id: method }, tag),
    )
    .await;
    step(bot, text(user, "en", "20")).await;
    let done = one(&step(bot, photo(user, "en").caption(tag)).await);
    assert!(done.text.contains("sent for review"), "{}", done.text);
    assert!(
        !done.text.contains("⚠️"),
        "the shopper is not warned: {}",
        done.text
    );
    let actor = t.shop.actor(uid(user)).expect("actor");
    t.shop
        .topups_of(&actor, uid(user), None, 1)
        .expect("topups")
        .remove(0)
}

#[tokio::test]
async fn a_reused_photo_proof_is_flagged_and_approved_only_on_a_second_confirmation() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let bank = t.method("Bank", "USD", "1", "1000");
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(&t, text(SHOPPER, "en", "/start"));
    bot.dispatch().await;
    let first = photo_topup(&t, &mut bot, SHOPPER, bank, "first").await;
    let second = photo_topup(&t, &mut bot, SHOPPER, bank, "second").await;
    assert_ne!(first.id, second.id);
    let warning = format!(
        "⚠️ This proof was already used for top-up #{}",
        first.id.get()
    );

    // The staff chat hears of both; only the second carries the warning.
    let r = step(&mut bot, text(OWNER, "en", DELIVER_STAFF)).await;
    let to_staff: Vec<String> = r
        .sent_messages_text
        .iter()
        .filter(|m| m.message.chat.id.0 == STAFF_CHAT)
        .map(|m| m.text.clone())
        .collect();
    assert_eq!(to_staff.len(), 2, "{to_staff:#?}");
    let about = |id: shopcore::TopupId| {
        to_staff
            .iter()
            .find(|t| t.starts_with(&format!("💳 New top-up #{} ", id.get())))
            .unwrap_or_else(|| panic!("no notice for {id} in {to_staff:#?}"))
    };
    assert!(!about(first.id).contains("⚠️"), "{to_staff:#?}");
    assert!(about(second.id).contains(&warning), "{to_staff:#?}");

    // The first top-up: no warning, approved at the first tap.
    let r = step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Topup { id: first.id }), "v1"),
    )
    .await;
    let review = shown(&r).pop().expect("review");
    assert!(!review.text.contains("⚠️"), "{}", review.text);
    let approved = one(&step(
        &mut bot,
        tap(
            SUPPORT,
            "en",
            &admin(Admin::TopupApprove { id: first.id }),
            "a1",
        ),
    )
    .await);
    assert!(
        approved.text.contains("approved: 20.00 USD credited"),
        "{}",
        approved.text
    );
    assert_eq!(t.balance(SHOPPER), money("20.00"));

    // The second: the review names the first; Approve only asks again.
    let r = step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Topup { id: second.id }), "v2"),
    )
    .await;
    assert_eq!(r.sent_messages_photo.len(), 1, "the proof photo is shown");
    let review = shown(&r).pop().expect("review");
    assert!(review.text.contains(&warning), "{}", review.text);
    let asked = one(&step(
        &mut bot,
        tap(
            SUPPORT,
            "en",
            &admin(Admin::TopupApprove { id: second.id }),
            "a2",
        ),
    )
    .await);
    assert!(asked.text.starts_with(&warning), "{}", asked.text);
    let anyway = admin(Admin::TopupApproveReused { id: second.id });
    assert!(asked.callbacks().contains(&anyway), "{asked:#?}");
    assert!(
        asked
            .callbacks()
            .contains(&admin(Admin::Topup { id: second.id })),
        "a way back: {asked:#?}"
    );
    assert_eq!(asked.labels()[0], "⚠️ Approve anyway");
    assert_eq!(
        t.shop.topup(&t.owner(), second.id).expect("topup").status,
        shopcore::TopupStatus::Pending
    );
    assert_eq!(t.balance(SHOPPER), money("20.00"), "nothing credited yet");

    // "Approve anyway" (tapped twice: one credit).
    let r = step(
        &mut bot,
        vec![
            tap(SUPPORT, "en", &anyway, "y"),
            tap(SUPPORT, "en", &anyway, "y"),
        ],
    )
    .await;
    let texts: Vec<String> = shown(&r).into_iter().map(|s| s.text).collect();
    assert!(
        texts
            .iter()
            .all(|t| t.contains("approved: 20.00 USD credited")),
        "{texts:#?}"
    );
    assert_eq!(
        t.shop.topup(&t.owner(), second.id).expect("topup").status,
        shopcore::TopupStatus::Approved
    );
    assert_eq!(t.balance(SHOPPER), money("40.00"));
}

#[tokio::test]
async fn a_text_proof_repeated_with_other_case_and_spacing_is_flagged_on_orders_too() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let bank = t.method("Bank", "USD", "1", "1000");
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    let other: u64 = 5_002;
    t.register(SHOPPER, "en");
    t.register(other, "en");
    let topup = topup_request(&t, SHOPPER, bank, "t1", Proof::Text("TXN-77 abc".into()));
    // A different shopper pays an order with the same transaction number, typed otherwise.
    let actor = t.shop.actor(uid(other)).expect("actor");
    let order = t
        .shop
        .create_order(
            &actor,
            &OrderRequest {
                quantity: 1,
                product: card.id,
                payment: PaymentChoice::Method(bank),
                coupon: None,
                player_id: None,
                currency: None,
                proof: Some(Proof::Text("  txn-77   ABC ".into())),
            },
            &key("o1"),
        )
        .expect("order");
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    let warning = format!(
        "⚠️ This proof was already used for top-up #{}",
        topup.id.get()
    );

    let mut bot = mock_bot(
        &t,
        tap(SUPPORT, "en", &admin(Admin::Order { id: order.id }), "v"),
    );
    bot.dispatch().await;
    let view = one(&bot.get_responses());
    assert!(view.text.contains(&warning), "{}", view.text);
    let asked = one(&step(
        &mut bot,
        tap(
            SUPPORT,
            "en",
            &admin(Admin::OrderConfirmPayment { id: order.id }),
            "c",
        ),
    )
    .await);
    assert!(asked.text.starts_with(&warning), "{}", asked.text);
    let anyway = admin(Admin::OrderConfirmReused { id: order.id });
    assert!(asked.callbacks().contains(&anyway), "{asked:#?}");
    assert_eq!(asked.labels()[0], "⚠️ Confirm anyway");
    assert_eq!(
        t.shop.order(&t.owner(), order.id).expect("order").status,
        OrderStatus::AwaitingPayment
    );
    let done = one(&step(&mut bot, tap(SUPPORT, "en", &anyway, "y")).await);
    assert_ne!(
        t.shop.order(&t.owner(), order.id).expect("order").status,
        OrderStatus::AwaitingPayment,
        "{}",
        done.text
    );
    assert!(!done.text.contains("⚠️"), "{}", done.text);

    // The top-up itself came first: no warning on it.
    let r = step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Topup { id: topup.id }), "t"),
    )
    .await;
    assert!(!one(&r).text.contains("⚠️"), "{}", one(&r).text);
}

#[tokio::test]
async fn the_owner_sets_the_shops_time_zone_and_dates_follow_it() {
    let t = TestShop::new();
    staff(&t, SUPPORT, Role::Support);
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    t.fund(SHOPPER, "50.00");
    let order = balance_order(&t, SHOPPER, card.id, "o1");
    let mut bot = mock_bot(&t, tap(OWNER, "en", &admin(Admin::Settings), "s"));
    bot.dispatch().await;
    let settings = one(&bot.get_responses());
    assert!(
        settings.text.contains("Time zone: UTC"),
        "{}",
        settings.text
    );
    let prompt = one(&step(&mut bot, tap(OWNER, "en", &admin(Admin::TimeZone), "z")).await);
    assert!(prompt.text.contains("IANA"), "{}", prompt.text);
    // Not a zone: told what is asked, the question stays open, nothing changes.
    let refused = one(&step(&mut bot, text(OWNER, "en", "Cairo time")).await);
    assert!(
        refused.text.contains("isn't a time zone"),
        "{}",
        refused.text
    );
    assert_eq!(t.shop.settings().time_zone, shopcore::Zone::utc());
    let r = step(&mut bot, text(OWNER, "en", "Asia/Riyadh")).await;
    let texts: Vec<String> = shown(&r).into_iter().map(|s| s.text).collect();
    assert!(
        texts.iter().any(|s| s.contains("Time zone: Asia/Riyadh")),
        "{texts:?}"
    );
    assert_eq!(t.shop.settings().time_zone.name(), "Asia/Riyadh");
    // The order's date is shown at UTC+3 to staff and to the shopper.
    let at = shopcore::Zone::named("Asia/Riyadh")
        .unwrap()
        .format(order.created_at);
    assert!(at.ends_with("UTC+03:00"), "{at}");
    let view = one(&step(
        &mut bot,
        tap(SUPPORT, "en", &admin(Admin::Order { id: order.id }), "v"),
    )
    .await);
    assert!(view.text.contains(&at), "{}", view.text);
    let mine = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Order { id: order.id }, "m"),
    )
    .await);
    assert!(mine.text.contains(&at), "{}", mine.text);
    // Support may not change it: a crafted tap is refused and what follows is not a zone.
    let r = step(&mut bot, tap(SUPPORT, "en", &admin(Admin::TimeZone), "z2")).await;
    assert!(shown(&r).is_empty(), "{:?}", shown(&r));
    step(&mut bot, text(SUPPORT, "en", "Europe/Istanbul")).await;
    assert_eq!(t.shop.settings().time_zone.name(), "Asia/Riyadh");
}

#[tokio::test]
async fn staff_attach_a_photo_that_shoppers_see_on_the_product_card() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    let mut bot = mock_bot(
        &t,
        tap(OWNER, "en", &admin(Admin::Product { id: card.id }), "p"),
    );
    bot.dispatch().await;
    let screen = one(&bot.get_responses());
    assert!(screen.text.contains("Photo: no"), "{}", screen.text);
    let prompt = one(&step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductPhoto { id: card.id }),
            "f",
        ),
    )
    .await);
    assert!(prompt.text.contains("Send the photo"), "{}", prompt.text);
    assert!(
        !prompt
            .callbacks()
            .contains(&admin(Admin::ProductPhotoRemove { id: card.id }))
    );
    // Text is not a photo: asked again, nothing saved.
    let again = one(&step(&mut bot, text(OWNER, "en", "here it is")).await);
    assert!(again.text.contains("isn't a photo"), "{}", again.text);
    assert_eq!(t.shop.product_photo(card.id).unwrap(), None);
    let r = step(&mut bot, photo(OWNER, "en")).await;
    let saved = t.shop.product_photo(card.id).unwrap().expect("saved");
    assert!(
        shown(&r).iter().any(|s| s.text.contains("Photo saved")),
        "{:?}",
        shown(&r)
    );
    // Staff see the picture with the product screen.
    assert!(
        r.sent_messages_photo.iter().any(|p| p.file_id.as_deref()
            == Some(saved.reference.as_str())
            && p.caption
                .as_deref()
                .is_some_and(|c| c.contains("Photo: yes"))),
        "{:?}",
        r.sent_messages_photo
    );

    // The shopper's card is the photo, the card's text as its caption, with its buttons.
    let r = step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &shopbot::callback::Callback::Product { id: card.id },
            "c",
        ),
    )
    .await;
    let [sent] = r.sent_messages_photo.as_slice() else {
        panic!("one photo expected: {:?}", r.sent_messages_photo);
    };
    assert_eq!(sent.file_id.as_deref(), Some(saved.reference.as_str()));
    assert!(
        sent.caption
            .as_deref()
            .is_some_and(|c| c.contains("Gift card")),
        "{:?}",
        sent.caption
    );
    let buttons = sent.message.reply_markup().expect("buttons");
    assert!(
        buttons.inline_keyboard.iter().flatten().any(
            |b| matches!(&b.kind, teloxide::types::InlineKeyboardButtonKind::CallbackData(d)
                if *d == shopbot::callback::Callback::Buy { id: card.id }.encode())
        ),
        "{buttons:?}"
    );

    // Removed: the card is text again.
    step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductPhoto { id: card.id }),
            "f2",
        ),
    )
    .await;
    let r = step(
        &mut bot,
        tap(
            OWNER,
            "en",
            &admin(Admin::ProductPhotoRemove { id: card.id }),
            "x",
        ),
    )
    .await;
    assert_eq!(notices(&r), vec![Some("🗑 Photo removed.".to_owned())]);
    assert_eq!(t.shop.product_photo(card.id).unwrap(), None);
    let r = step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &shopbot::callback::Callback::Product { id: card.id },
            "c2",
        ),
    )
    .await;
    assert!(r.sent_messages_photo.is_empty());
    assert!(one(&r).text.contains("Gift card"));
    // A shopper can't attach one: the crafted tap is refused.
    step(
        &mut bot,
        tap(
            SHOPPER,
            "en",
            &admin(Admin::ProductPhoto { id: card.id }),
            "evil",
        ),
    )
    .await;
    step(&mut bot, photo(SHOPPER, "en")).await;
    assert_eq!(t.shop.product_photo(card.id).unwrap(), None);
}

/// Staff set how many units one order may buy from the product's screen: words and numbers
/// out of range are explained with the question kept open; the card then tells shoppers.
#[tokio::test]
async fn staff_set_the_units_one_order_may_buy() {
    let t = TestShop::new();
    let games = t.category("Games");
    let card = t.product(games, "Gift card", "10.00");
    let mut bot = mock_bot(
        &t,
        tap(OWNER, "en", &admin(Admin::Product { id: card.id }), "p"),
    );
    bot.dispatch().await;
    let screen = one(&bot.get_responses());
    assert!(
        screen.text.contains("Units per order: 1"),
        "{}",
        screen.text
    );
    let edit = admin(Admin::ProductEdit {
        id: card.id,
        field: ProductField::PerOrder,
    });
    assert!(screen.callbacks().contains(&edit));
    let prompt = one(&step(&mut bot, tap(OWNER, "en", &edit, "e")).await);
    assert!(
        prompt
            .text
            .contains("Send how many units one order may buy (1 to 100).")
            && prompt.text.contains("Now: 1"),
        "{}",
        prompt.text
    );
    let words = one(&step(&mut bot, text(OWNER, "en", "lots")).await);
    assert!(words.text.contains("That isn't a number"), "{}", words.text);
    let big = one(&step(&mut bot, text(OWNER, "en", "500")).await);
    assert!(
        big.text
            .contains("The limit per order must be a whole number from 1 to 100."),
        "{}",
        big.text
    );
    assert!(matches!(t.session(OWNER), Some(State::Admin { .. })));
    let r = step(&mut bot, text(OWNER, "en", "5")).await;
    let product = shown(&r).pop().expect("the product again");
    assert!(
        product.text.contains("Units per order: 5"),
        "{}",
        product.text
    );
    assert_eq!(t.shop.order_limit(card.id).unwrap(), 5);
    assert_eq!(t.session(OWNER), None);
    // The shopper's card says it.
    let shopper_card = one(&step(
        &mut bot,
        tap(SHOPPER, "en", &Callback::Product { id: card.id }, "c"),
    )
    .await);
    assert!(
        shopper_card.text.contains("Up to 5 per order"),
        "{}",
        shopper_card.text
    );
    // An order of two units: staff see the quantity on the order.
    t.fund(SHOPPER, "50");
    let order = t
        .shop
        .create_order(
            &t.shop.actor(uid(SHOPPER)).unwrap(),
            &shopcore::OrderRequest::from_balance(card.id, 2),
            &key("two"),
        )
        .unwrap();
    let view = one(&step(
        &mut bot,
        tap(OWNER, "en", &admin(Admin::Order { id: order.id }), "o"),
    )
    .await);
    assert!(
        view.text.contains("Product: 2 × Gift card"),
        "{}",
        view.text
    );
    assert!(view.text.contains("Total: 20.00 USD"), "{}", view.text);
}
