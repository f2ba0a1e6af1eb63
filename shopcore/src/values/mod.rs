//! The bottom layer: values with no I/O and no store — money and its rounding, ids and the
//! parsing of what people type, times and clocks, the text rules, roles and the permission
//! matrix, the shop's configuration, and the two refusals that need nothing else to state
//! ([`invalid`]). Nothing here depends on `store/` or a domain module (a test holds every
//! layer to that: `tests/tidy.rs`).

pub mod clock;
pub mod config;
pub mod ids;
pub mod invalid;
pub mod money;
pub mod roles;
pub mod text;
