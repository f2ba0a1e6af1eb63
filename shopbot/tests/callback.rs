//! Typed callback data: every value round-trips, stays within Telegram's 64 bytes even with
//! the largest ids, and anything else is refused.

use proptest::prelude::*;
use shopbot::callback::{CALLBACK_DATA_BYTES_MAX, Callback};
use shopbot::i18n::Lang;
use shopcore::{CategoryId, CurrencyCode, OrderId, PaymentMethodId, ProductId};

fn id_raw() -> impl Strategy<Value = u64> {
    prop_oneof![1..=u64::MAX, Just(u64::MAX), Just(u64::MAX - 1), Just(1u64)]
}

fn currency() -> impl Strategy<Value = CurrencyCode> {
    "[A-Z]{3}".prop_map(|c| CurrencyCode::parse(&c).expect("three letters"))
}

fn any_callback() -> impl Strategy<Value = Callback> {
    prop_oneof![
        Just(Callback::Menu),
        Just(Callback::Shop),
        (id_raw(), any::<u32>()).prop_map(|(id, page)| Callback::Category {
            id: CategoryId::new(id).expect("id"),
            page
        }),
        id_raw().prop_map(|id| Callback::Product {
            id: ProductId::new(id).expect("id")
        }),
        id_raw().prop_map(|id| Callback::Buy {
            id: ProductId::new(id).expect("id")
        }),
        Just(Callback::SkipCoupon),
        Just(Callback::PayBalance),
        id_raw().prop_map(|id| Callback::PayMethod {
            id: PaymentMethodId::new(id).expect("id")
        }),
        any::<u32>().prop_map(|nonce| Callback::Confirm { nonce }),
        Just(Callback::CancelFlow),
        Just(Callback::Wallet),
        Just(Callback::Topup),
        id_raw().prop_map(|id| Callback::TopupMethod {
            id: PaymentMethodId::new(id).expect("id")
        }),
        proptest::option::of(any::<u64>()).prop_map(|before| Callback::History { before }),
        proptest::option::of(id_raw()).prop_map(|before| Callback::Orders {
            before: before.map(|b| OrderId::new(b).expect("id"))
        }),
        id_raw().prop_map(|id| Callback::Order {
            id: OrderId::new(id).expect("id")
        }),
        id_raw().prop_map(|id| Callback::CancelOrder {
            id: OrderId::new(id).expect("id")
        }),
        id_raw().prop_map(|id| Callback::CancelOrderYes {
            id: OrderId::new(id).expect("id")
        }),
        Just(Callback::Settings),
        proptest::sample::select(Lang::all().collect::<Vec<_>>())
            .prop_map(|lang| Callback::Language { lang }),
        Just(Callback::Currencies),
        currency().prop_map(|code| Callback::SetCurrency { code }),
        Just(Callback::Help),
        any::<bool>().prop_map(|muted| Callback::MuteBroadcasts { muted }),
        Just(Callback::Search),
        prop_oneof![
            Just(shopcore::Provider::Stars),
            Just(shopcore::Provider::CryptoPay)
        ]
        .prop_map(|provider| Callback::TopupProvider { provider }),
        prop_oneof![
            Just(shopcore::Provider::Stars),
            Just(shopcore::Provider::CryptoPay)
        ]
        .prop_map(|provider| Callback::PayProvider { provider }),
    ]
}

proptest! {
    #[test]
    fn round_trips_within_64_bytes(callback in any_callback()) {
        let data = callback.encode();
        prop_assert!(data.len() <= CALLBACK_DATA_BYTES_MAX, "{data:?} is {} bytes", data.len());
        prop_assert!(data.starts_with(shopbot::callback::VERSION));
        prop_assert_eq!(Callback::parse(&data), Ok(callback));
    }

    #[test]
    fn arbitrary_text_never_panics_and_what_parses_is_canonical(data in ".{0,80}") {
        if let Ok(callback) = Callback::parse(&data) {
            prop_assert_eq!(callback.encode(), data);
        }
    }
}

#[test]
fn the_longest_encodings_fit() {
    let max = u64::MAX;
    let longest = [
        Callback::Category {
            id: CategoryId::new(max).expect("id"),
            page: u32::MAX,
        },
        Callback::History {
            before: Some(u64::MAX),
        },
        Callback::CancelOrderYes {
            id: OrderId::new(max).expect("id"),
        },
        Callback::Confirm { nonce: u32::MAX },
    ];
    for callback in longest {
        let data = callback.encode();
        assert!(data.len() <= CALLBACK_DATA_BYTES_MAX, "{data:?}");
        assert_eq!(Callback::parse(&data), Ok(callback));
    }
    assert_eq!(
        Callback::Category {
            id: CategoryId::new(max).expect("id"),
            page: u32::MAX
        }
        .encode(),
        format!("1c:{max}:{}", u32::MAX)
    );
}

#[test]
fn staff_buttons_round_trip_within_64_bytes() {
    use shopbot::callback::{Admin, AuditFilter, DeliveryChoice, MethodField, ProductField};
    use shopcore::{AuditAction, CouponCode, Role, StoreState, TopupId, UserId};
    let max = u64::MAX;
    // Telegram user ids fit an i64.
    let user_max = u64::try_from(i64::MAX).expect("positive");
    let product = ProductId::new(max).expect("id");
    let mut all = vec![
        Admin::Panel,
        Admin::Cancel,
        Admin::Skip,
        Admin::Products { page: None },
        Admin::Products {
            page: Some("ffffffffffffffffffffffffffffffff".into()),
        },
        Admin::ProductSetKind {
            id: product,
            kind: shopcore::ProductKind::GameTopUp,
        },
        Admin::ProductSetCategory {
            id: product,
            category: CategoryId::new(max).expect("id"),
        },
        Admin::UserSetRole {
            id: UserId::new(user_max).expect("id"),
            role: Role::SuperAdmin,
        },
        Admin::CouponActive {
            code: CouponCode::parse(&"A".repeat(32)).expect("code"),
            active: true,
        },
        Admin::Audit {
            page: u32::MAX,
            filter: AuditFilter::Action(AuditAction::ViewPaymentMethodsPanel),
        },
        Admin::Audit {
            page: 3,
            filter: AuditFilter::User(UserId::new(user_max).expect("id")),
        },
        Admin::StoreState {
            state: StoreState::Emergency,
        },
        Admin::Fulfilment {
            mode: shopcore::FulfilmentMode::Auto,
        },
        Admin::CurrencyEnabled {
            code: CurrencyCode::parse("SAR").expect("SAR"),
            enabled: false,
        },
        Admin::TopupApprove {
            id: TopupId::new(max).expect("id"),
        },
        Admin::OrderCompleteCode {
            id: OrderId::new(max).expect("id"),
        },
        Admin::TopupApproveReused {
            id: TopupId::new(max).expect("id"),
        },
        Admin::OrderConfirmReused {
            id: OrderId::new(max).expect("id"),
        },
        Admin::MethodDeleteYes {
            id: PaymentMethodId::new(max).expect("id"),
        },
    ];
    for field in ProductField::ALL {
        all.push(Admin::ProductEdit { id: product, field });
    }
    for delivery in DeliveryChoice::ALL {
        all.push(Admin::ProductSetDelivery {
            id: product,
            delivery,
        });
    }
    for field in MethodField::ALL {
        all.push(Admin::MethodEdit {
            id: PaymentMethodId::new(max).expect("id"),
            field,
        });
    }
    for admin in all {
        let callback = Callback::Admin(admin);
        let data = callback.encode();
        assert!(data.len() <= CALLBACK_DATA_BYTES_MAX, "{data:?}");
        assert_eq!(Callback::parse(&data), Ok(callback), "{data}");
    }
}
