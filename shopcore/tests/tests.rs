//! shopcore's integration tests: one binary, one module per area.

mod common;

mod audit_log;
mod durability;
mod modes;
mod storage;
mod tidy;
mod users_and_roles;
