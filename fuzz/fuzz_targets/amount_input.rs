//! Arbitrary text into the one money parser every frontend uses: it never panics, and
//! whatever it accepts obeys the rules it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopcore::Money;
use shopcore::money::parse_amount;

fuzz_target!(|input: (&str, u8)| {
    let (text, decimals) = input;
    let decimals = u32::from(decimals % 5);
    let max = Money::units(100_000);
    if let Ok(amount) = parse_amount(text, decimals, max) {
        assert!(amount.is_positive(), "{text:?} parsed to {amount}");
        assert!(amount <= max, "{text:?} parsed to {amount}");
        assert!(amount.decimals() <= decimals, "{text:?} parsed to {amount}");
        // What was accepted prints back to something the parser accepts the same way.
        assert_eq!(parse_amount(&amount.to_string(), decimals, max), Ok(amount));
    }
});
