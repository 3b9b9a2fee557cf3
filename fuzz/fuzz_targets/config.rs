//! Config files: accepted, or refused with a located message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = andon::config::parse(&text, "fuzz.toml") {
        let _ = e.to_string();
    }
});
