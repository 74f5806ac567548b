//! Any text through the formatter: it either refuses text with errors, or
//! gives text that formats to itself. Refusing its own output is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match edict::format::format_text(text) {
        Ok(out) => assert_eq!(
            edict::format::format_text(&out).ok().as_deref(),
            Some(out.as_str())
        ),
        Err(edict::format::FormatError::Syntax(_)) => {}
        Err(edict::format::FormatError::Unsafe(why)) => {
            panic!("the formatter refused its own work: {why}")
        }
    }
});
