//! Finished text (issue 22): what shoppers and staff read has no doubled markers (`##1`,
//! `@@name`), no unfilled placeholder, people named by name, one amount format, and the
//! bot keeps the shop out of groups and tells a flood to slow down once. (Every `tf` call
//! panics in debug builds when a placeholder has no value, and `t` when its text has one,
//! so any screen a test renders is checked for unfilled placeholders.)

use crate::common::*;
use shopbot::i18n::Lang;
use shopbot::render;
use shopcore::{Denied, Error, Notification, NotificationKind, Permission, Role};

fn rendered_order(t: &TestShop) -> shopcore::Order {
    let games = t.category("Games");
    let product = t.product(games, "PUBG 60 UC", "1.00");
    t.fund(SHOPPER, "5");
    let actor = t.shop.actor(uid(SHOPPER)).unwrap();
    t.shop
        .create_order(
            &actor,
            &shopcore::OrderRequest::from_balance(product.id, 1),
            &key("o-1"),
        )
        .unwrap()
}

#[test]
fn order_buttons_print_the_id_once() {
    let t = TestShop::new();
    let order = rendered_order(&t);
    for lang in Lang::all() {
        let screen = render::orders(lang, std::slice::from_ref(&order), None);
        let labels = buttons(&screen);
        assert!(
            labels.iter().any(|l| l.starts_with("#1 · PUBG 60 UC")),
            "{labels:?}"
        );
        assert!(labels.iter().all(|l| !l.contains("##")), "{labels:?}");
    }
}

#[test]
fn staff_screens_print_a_username_once_and_notices_name_the_person() {
    let t = TestShop::new();
    t.shop
        .register_user(&shopcore::Registration {
            id: uid(1_002),
            username: Some("john_en"),
            display_name: "John",
            language: Some("en"),
        })
        .unwrap();
    let john = t.shop.user(uid(1_002)).unwrap().unwrap();
    assert_eq!(
        render::staff::who(Some(&john), john.id),
        "John (@john_en, 1002)"
    );
    let method = t.method("Bank", "USD", "1", "100");
    let topup = t
        .shop
        .request_topup(
            &t.shop.actor(uid(1_002)).unwrap(),
            &shopcore::TopupRequest {
                method,
                amount: money("20"),
                proof: shopcore::Proof::Text("ref 1".into()),
                key: key("t-1"),
            },
        )
        .unwrap();
    let notice = Notification {
        seq: 1,
        user: uid(1_002),
        at: t.shop.now(),
        kind: NotificationKind::StaffTopupWaiting { topup: topup.id },
    };
    for lang in Lang::all() {
        let screen =
            render::staff::staff_notification(lang, &notice, Some(&topup), None, None, Some(&john))
                .unwrap();
        assert!(screen.text.contains("John"), "{}", screen.text);
        assert!(!screen.text.contains("@@"), "{}", screen.text);
        assert!(!screen.text.contains("user 1002"), "{}", screen.text);
        // 20 USD is 20.00 USD, once: no "≈" beside the same currency.
        assert!(screen.text.contains("20.00 USD"), "{}", screen.text);
        assert!(!screen.text.contains('≈'), "{}", screen.text);
    }
}

#[test]
fn a_refusal_fills_the_permission_it_names() {
    let error = shopbot::core::Failure::Core(Error::Denied(Denied::MissingPermission {
        role: Role::User,
        permission: Permission::ManageOrders,
    }));
    let settings = shopcore::Settings::default();
    for lang in Lang::all() {
        for text in [
            render::failure(lang, &error, &settings),
            render::staff::failure(lang, &error, &settings),
        ] {
            assert!(text.contains("manage_orders"), "{text}");
            assert!(!text.contains('{'), "{text}");
        }
    }
}

#[test]
fn same_currency_amounts_are_not_repeated_and_usd_has_two_decimals() {
    let t = TestShop::new();
    t.sar();
    let usd_method = t.method("Bank", "USD", "1", "100");
    let sar_method = t.method("Rajhi", "SAR", "10", "5000");
    t.register(SHOPPER, "en");
    let actor = t.shop.actor(uid(SHOPPER)).unwrap();
    let request = |method, amount: &str, k: &str| shopcore::TopupRequest {
        method,
        amount: money(amount),
        proof: shopcore::Proof::Text(format!("ref {k}")),
        key: key(k),
    };
    let in_usd = t
        .shop
        .request_topup(&actor, &request(usd_method, "20", "t-1"))
        .unwrap();
    let in_sar = t
        .shop
        .request_topup(&actor, &request(sar_method, "100", "t-2"))
        .unwrap();
    for lang in Lang::all() {
        let usd = render::topup_requested(lang, &in_usd).text;
        assert!(usd.contains("20.00 USD") && !usd.contains('≈'), "{usd}");
        let sar = render::topup_requested(lang, &in_sar).text;
        assert!(sar.contains("100 SAR") && sar.contains('≈'), "{sar}");
    }
}

#[tokio::test]
async fn commands_in_a_group_point_to_the_private_chat_and_chatter_is_left_alone() {
    const GROUP: i64 = -100_999;
    let t = TestShop::new();
    let said = |text: &str| Incoming::InGroup {
        from: person(SHOPPER, "en"),
        chat: GROUP,
        text: text.into(),
    };
    let mut bot = mock_bot(&t, said(&format!("/start@{}", telegram::BOT_USERNAME)));
    let answer = bot.dispatch().await;
    let screens = shown(&answer);
    assert_eq!(screens.len(), 1, "one answer");
    assert!(
        screens[0].text.contains("opens in a private chat"),
        "{}",
        screens[0].text
    );
    assert!(
        !screens[0].text.contains("Hello"),
        "the group never sees the shop's menu"
    );
    for quiet in [
        "/start@another_bot",
        "hello everyone",
        "/shop@AnotherBot now",
    ] {
        let r = step(&mut bot, said(quiet)).await;
        assert!(shown(&r).is_empty(), "{quiet:?} got {:?}", shown(&r));
    }
    assert_eq!(t.session(SHOPPER), None);
}

fn buttons(screen: &render::Screen) -> Vec<String> {
    screen
        .keyboard
        .as_ref()
        .map(|k| {
            k.inline_keyboard
                .iter()
                .flatten()
                .map(|b| b.text.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_shopper_mutes_announcements_from_the_settings_and_unmutes_them() {
    let t = TestShop::new();
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &shopbot::callback::Callback::Settings, "s1"),
    );
    bot.dispatch().await;
    let settings = one(&bot.get_responses());
    assert!(
        settings.text.contains("Shop announcements: on"),
        "{}",
        settings.text
    );
    let mute = shopbot::callback::Callback::MuteBroadcasts { muted: true };
    assert!(settings.callbacks().contains(&mute));
    let r = step(&mut bot, tap(SHOPPER, "en", &mute, "m1")).await;
    assert_eq!(notices(&r), vec![Some("Announcements muted.".to_owned())]);
    assert!(t.shop.broadcasts_muted(uid(SHOPPER)).unwrap());
    let muted = one(&r);
    assert!(muted.text.contains("muted"), "{}", muted.text);
    let unmute = shopbot::callback::Callback::MuteBroadcasts { muted: false };
    assert!(muted.callbacks().contains(&unmute));
    step(&mut bot, tap(SHOPPER, "en", &unmute, "m2")).await;
    assert!(!t.shop.broadcasts_muted(uid(SHOPPER)).unwrap());
    // Every broadcast carries the button that mutes the next ones, in the reader's language.
    let keyboard = render::broadcast_buttons(crate::common::arabic());
    let labels: Vec<_> = keyboard
        .inline_keyboard
        .iter()
        .flatten()
        .map(|b| b.text.clone())
        .collect();
    assert!(labels.iter().any(|l| l.contains("كتم")), "{labels:?}");
}

// ----- search ------------------------------------------------------------------------------

#[tokio::test]
async fn shoppers_search_from_the_shop_and_by_command_in_arabic_and_english() {
    let t = TestShop::new();
    let games = t.category("Games");
    let pubg = t.product(games, "PUBG Mobile 660 UC", "9.99");
    let cards = t.category("Cards");
    let google = t.product(cards, "بطاقة جوجل بلاي", "25.00");
    t.register(SHOPPER, "ar");
    let mut bot = mock_bot(
        &t,
        tap(SHOPPER, "en", &shopbot::callback::Callback::Shop, "s1"),
    );
    bot.dispatch().await;
    let shop = one(&bot.get_responses());
    let search = shopbot::callback::Callback::Search;
    assert!(shop.callbacks().contains(&search), "{:?}", shop.labels());
    let prompt = one(&step(&mut bot, tap(SHOPPER, "en", &search, "s2")).await);
    assert!(
        prompt.text.contains("What are you looking for"),
        "{}",
        prompt.text
    );
    // A different spelling of the Arabic name (ه for ة, no hamza) finds it.
    let found = one(&step(&mut bot, text(SHOPPER, "en", "بطاقه جوجل")).await);
    assert!(
        found
            .callbacks()
            .contains(&shopbot::callback::Callback::Product { id: google.id }),
        "{:?}",
        found.labels()
    );
    assert_eq!(t.session(SHOPPER), None, "the search is over");
    let by_command = one(&step(&mut bot, text(SHOPPER, "en", "/search pubg 660")).await);
    assert!(
        by_command
            .callbacks()
            .contains(&shopbot::callback::Callback::Product { id: pubg.id })
    );
    let nothing = one(&step(&mut bot, text(SHOPPER, "en", "/search fortnite")).await);
    assert!(
        nothing.text.contains("Nothing on sale matches"),
        "{}",
        nothing.text
    );
}

#[tokio::test]
async fn inline_mode_lists_matches_that_open_the_product_in_the_private_chat() {
    let t = TestShop::new();
    let games = t.category("Games");
    let pubg = t.product(games, "PUBG Mobile 660 UC", "9.99");
    t.register(SHOPPER, "en");
    let mut bot = mock_bot(
        &t,
        Incoming::Inline {
            from: person(SHOPPER, "en"),
            query_id: "iq-1".into(),
            query: "pubg".into(),
        },
    );
    bot.dispatch().await;
    let answer = bot.telegram.inline_answer("iq-1").expect("answered");
    let results = answer.as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["title"], "PUBG Mobile 660 UC");
    let link = results[0]["reply_markup"]["inline_keyboard"][0][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        link,
        format!(
            "https://t.me/{}?start=p{}",
            telegram::BOT_USERNAME,
            pubg.id.get()
        )
    );
    // Nothing typed yet: an empty answer, not an error.
    step(
        &mut bot,
        Incoming::Inline {
            from: person(SHOPPER, "en"),
            query_id: "iq-2".into(),
            query: "  ".into(),
        },
    )
    .await;
    assert_eq!(
        bot.telegram.inline_answer("iq-2"),
        Some(serde_json::json!([]))
    );
    // The deep link opens the product's card.
    let card = one(&step(
        &mut bot,
        text(SHOPPER, "en", &format!("/start p{}", pubg.id.get())),
    )
    .await);
    assert!(card.text.contains("PUBG Mobile 660 UC"), "{}", card.text);
    assert!(
        card.callbacks()
            .contains(&shopbot::callback::Callback::Buy { id: pubg.id })
    );
}

#[test]
fn staff_notices_about_invoices_carry_the_payers_card() {
    let t = TestShop::new();
    t.register(SHOPPER, "en");
    let person = t.shop.user(uid(SHOPPER)).unwrap();
    let notice = Notification {
        seq: 1,
        user: uid(SHOPPER),
        at: t.shop.now(),
        kind: NotificationKind::StaffInvoiceProblem {
            invoice: shopcore::InvoiceId::new(3).unwrap(),
            problem: shopcore::InvoiceProblem::LatePayment,
        },
    };
    for lang in Lang::all() {
        let screen =
            render::staff::staff_notification(lang, &notice, None, None, None, person.as_ref())
                .unwrap();
        assert!(screen.text.contains("Sam"), "{}", screen.text);
        let data: Vec<String> = screen
            .keyboard
            .as_ref()
            .unwrap()
            .inline_keyboard
            .iter()
            .flatten()
            .filter_map(|b| match &b.kind {
                teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => Some(d.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            data,
            vec![
                shopbot::callback::Callback::Admin(shopbot::callback::Admin::User {
                    id: uid(SHOPPER)
                })
                .encode()
            ]
        );
    }
}

/// Amounts are formatted by the code with their currency ("20.00 USD"); a message only places
/// them.
const AMOUNT_VARIABLES: &[&str] = &[
    "amount", "average", "balance", "credited", "local", "needed", "price", "revenue", "total",
    "usd",
];

/// A value for variable `name` as the code passes it: ids bare (the message adds `#`),
/// people with their `@username` (the message adds nothing), amounts with their currency.
fn sample(name: &str) -> &'static str {
    match name {
        "id" => "12",
        "user" | "who" | "buyer" | "payer" => "Sam (@sam, 1002)",
        "username" => "@sam",
        n if AMOUNT_VARIABLES.contains(&n) => "20.00 USD",
        _ => "Zed",
    }
}

/// Renders every message of every language with every plural form its selectors can reach
/// and checks the result reads finished: no unfilled or broken placeholder, no doubled `#`
/// or `@`, no currency written twice, isolates balanced, every value isolated in
/// right-to-left languages and none in left-to-right ones, nothing empty or padded.
#[test]
fn every_message_of_every_language_renders_finished() {
    let numbers = ["0", "1", "2", "3", "5", "11", "21", "100", "102", "1000"];
    let mut checked = 0;
    for lang in Lang::all() {
        for key in lang.keys() {
            let variables = lang.variables(key).expect("message");
            let rounds: &[&str] = if variables.selectors.is_empty() {
                &["7"]
            } else {
                &numbers
            };
            for n in rounds {
                let args: Vec<(&str, &str)> = variables
                    .used
                    .iter()
                    .map(|v| {
                        let value = if variables.selectors.contains(v) || v == "count" {
                            *n
                        } else {
                            sample(v)
                        };
                        (v.as_str(), value)
                    })
                    .collect();
                let text = lang.tf(key, &args);
                let at = format!("{lang:?} {key} (n = {n}): {text:?}");
                assert!(!text.trim().is_empty(), "empty: {at}");
                assert_eq!(text.trim(), text, "padded: {at}");
                assert!(!text.contains(['{', '}']), "unfilled: {at}");
                for doubled in ["##12", "@@sam", "USD USD", "USD)USD"] {
                    assert!(!text.contains(doubled), "{doubled}: {at}");
                }
                let mut depth = 0i32;
                for c in text.chars() {
                    match c {
                        shopbot::i18n::FSI => depth += 1,
                        shopbot::i18n::PDI => depth -= 1,
                        _ => {}
                    }
                    assert!(depth >= 0, "isolates out of order: {at}");
                }
                assert_eq!(depth, 0, "isolates unbalanced: {at}");
                if lang.is_rtl() {
                    // Every occurrence of a value is an isolate's whole content (numbers
                    // and values inside other values are left to the i18n tests).
                    for (_, value) in &args {
                        let inside_another = args
                            .iter()
                            .any(|(_, other)| other != value && other.contains(value));
                        if value.parse::<f64>().is_ok() || inside_another {
                            continue;
                        }
                        let isolated =
                            format!("{}{value}{}", shopbot::i18n::FSI, shopbot::i18n::PDI);
                        assert_eq!(
                            text.matches(value).count(),
                            text.matches(&isolated).count(),
                            "value {value:?} not isolated: {at}"
                        );
                    }
                } else {
                    assert!(!text.contains(shopbot::i18n::FSI), "isolate in {at}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 4_000, "only {checked} texts checked");
}

/// The sources themselves: no currency glued to a value (the value brings its own, in the
/// one format) and no amount written into the text.
#[test]
fn no_message_writes_its_own_currency_or_amount() {
    let glued = |text: &str| {
        ["USD", "SAR", "EUR", "XTR"]
            .iter()
            .any(|code| text.contains(&format!("}} {code}")) || text.contains(&format!("}}{code}")))
    };
    for lang in Lang::all() {
        for (file, text) in lang.files() {
            for line in text.lines() {
                assert!(!glued(line), "{lang:?} {file}: {line}");
            }
        }
    }
}
