//! `shopbot` is the Telegram frontend for shoppers over [`shopcore`]: browsing, buying, the
//! wallet, orders, settings and notifications. It is glue: every rule lives in the core; this
//! crate turns Telegram updates into `Shop` calls and core values into localized screens.
//!
//! The map: [`schema`] builds the handler tree; [`handlers`] holds one module per area;
//! [`render`] turns core values into text and keyboards (pure, snapshot-tested); [`callback`]
//! is the typed button data; [`state`] the dialogue state kept durably by [`storage`];
//! [`i18n`] every text in every language (Fluent files under `locales/`); [`notify`] delivers the shop's outbox.

pub mod callback;
pub mod chart;
pub mod config;
pub mod context;
pub mod core;
pub mod handlers;
pub mod i18n;
pub mod notify;
pub mod ops;
pub mod payments;
pub mod render;
pub mod schema;
pub mod staff_input;
pub mod state;
pub mod storage;
pub mod web;

/// What handlers return: Telegram request failures propagate to the dispatcher's error
/// handler (logged); shop errors never do — they are rendered to the shopper.
pub type HandlerResult = Result<(), BotError>;
pub type BotError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The name this frontend uses for its sessions and its notification cursor in the shop.
pub const SCOPE: &str = "telegram";
