//! Arbitrary bytes into the bot's callback-data parser: it never panics, whatever it accepts
//! is canonical (encodes back to the same text), and every encoding fits Telegram's 64 bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopbot::callback::Callback;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(callback) = Callback::parse(text) {
        let encoded = callback.encode();
        assert!(encoded.len() <= 64, "{callback:?} encodes to {} bytes", encoded.len());
        assert_eq!(encoded, text, "accepted a non-canonical form");
        assert_eq!(Callback::parse(&encoded).ok(), Some(callback));
    }
});
