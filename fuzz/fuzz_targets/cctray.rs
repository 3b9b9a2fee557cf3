//! cctray feeds: any text must parse or be refused with a reason, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match andon::sources::cctray::parse(&text) {
        Ok(pipelines) => assert!(pipelines.iter().all(|p| !p.name.trim().is_empty())),
        Err(e) => assert!(!e.reason.is_empty()),
    }
});
