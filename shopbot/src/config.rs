//! Start-up configuration. It lives in [`crate::ops::config`] (file and environment, every
//! setting checked before start-up); this module keeps the old path working.

pub use crate::ops::config::*;
