//! The integration tests of `shopbot`, in one binary (see `Cargo.toml`): the typed callback
//! data, the locale files, the rendered screens (insta snapshots), the durable dialogue
//! storage, and whole conversations against a fake Telegram Bot API with a real shop in a
//! temporary directory.

mod callback;
mod cli;
mod common;
mod deploy;
mod fake_telegram;
mod finished_text;
mod flows;
mod i18n;
mod ops;
mod payments;
mod render_snapshots;
mod staff;
mod staff_snapshots;
mod storage;
mod supplier;
mod web;
