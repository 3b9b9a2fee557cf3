//! Names (apps, commits, incident ids) packed into three words, so that hashing and comparing
//! them never follows a pointer. A million events join on their names: reading each name from
//! its own heap allocation in hash order would miss the cache at nearly every one.

use std::hash::{Hash, Hasher};

/// Bytes of text held in the words; the last byte is the tag.
const CAPACITY: usize = 23;
/// Tag bit of texts held as hex nibbles; the low bits hold the length.
const HEX: u8 = 0x80;
/// Tag of texts too long to hold.
const LONG: u8 = 0xFF;

/// A name's text as a value. Packing depends on the text alone, so for names that are not
/// `is_long` two packings are equal exactly when their texts are. Short texts are held byte
/// for byte, lower-case hex (commit shas) up to twice as long as two digits per byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) struct PackedName([u64; 3]);

impl PackedName {
    pub fn new(text: &str) -> PackedName {
        let text = text.as_bytes();
        let (mut words, tag) = if text.len() <= CAPACITY {
            let word = |i: usize| little_endian(&text[(8 * i).min(text.len())..]);
            ([word(0), word(1), word(2)], text.len() as u8)
        } else if text.len() <= 2 * CAPACITY
            && let Some(words) = pack_hex(text)
        {
            (words, HEX | text.len() as u8)
        } else {
            ([0; 3], LONG)
        };
        words[2] |= u64::from(tag) << 56;
        PackedName(words)
    }

    /// The text did not fit: every long name packs the same, so compare the texts instead.
    pub fn is_long(self) -> bool {
        (self.0[2] >> 56) as u8 == LONG
    }

    pub fn words(self) -> [u64; 3] {
        self.0
    }
}

impl Hash for PackedName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.iter().for_each(|&word| state.write_u64(word));
    }
}

/// Up to the first eight bytes as a little-endian word. Words are gathered in registers:
/// bytes stored one by one and read back as words stall the processor.
fn little_endian(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .enumerate()
        .fold(0, |word, (i, &byte)| word | u64::from(byte) << (8 * i))
}

/// Two digits per byte, the first in the high nibble, if every digit is lower-case hex.
/// Upper case is left out so that each text has one packing.
fn pack_hex(digits: &[u8]) -> Option<[u64; 3]> {
    let mut words = [0u64; 3];
    let mut seen = 0u8;
    // Sixteen digits to a word, each word gathered in a register.
    for (word, digits) in words.iter_mut().zip(digits.chunks(16)) {
        *word = digits.iter().enumerate().fold(0, |word, (i, &digit)| {
            let value = NIBBLE[usize::from(digit)];
            seen |= value;
            let shift = 8 * (i / 2) + if i % 2 == 0 { 4 } else { 0 };
            word | u64::from(value & 0x0F) << shift
        });
    }
    (seen & NOT_HEX == 0).then_some(words)
}

const NOT_HEX: u8 = 0x10;

/// Each byte's value as a lower-case hex digit, or `NOT_HEX`: one table lookup per digit
/// instead of range tests.
const NIBBLE: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::PackedName;

    /// Whether the packings alone say the texts are equal (never for long texts).
    fn same(a: &str, b: &str) -> bool {
        let (a, b) = (PackedName::new(a), PackedName::new(b));
        a == b && !a.is_long()
    }

    #[test]
    fn packings_are_equal_exactly_when_the_texts_are() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let names = [
            "",
            "a",
            "ab",
            "api",
            "api ",
            "abcdef01234567890123456",
            "abcdef012345678901234567",
            "abcdef0123456789012345670",
            sha,
            "0123456789abcdef0123456789abcdef01234568",
            "0123456789abcdef0123456789abcdef012345670",
            "0123456789abcdef0123456789abcdef0123456789abcd",
        ];
        for a in names {
            assert!(!PackedName::new(a).is_long(), "{a:?}");
            for b in names {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn texts_that_do_not_fit_are_long() {
        for long in [
            "0123456789ABCDEF0123456789ABCDEF01234567",
            "0123456789abcdef0123456789abcdef0123456789abcde",
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef",
            "a name that is longer than twenty-three bytes",
        ] {
            assert!(PackedName::new(long).is_long(), "{long:?}");
        }
    }

    proptest! {
        #[test]
        fn packing_keeps_equality(a in "[0-9a-fA-Fz]{0,50}", b in "[0-9a-f]{0,50}") {
            let prefix = &b[..b.len() / 2];
            for (x, y) in [(a.as_str(), b.as_str()), (b.as_str(), prefix), (&b, &b)] {
                let (px, py) = (PackedName::new(x), PackedName::new(y));
                if !(px.is_long() && py.is_long()) {
                    prop_assert_eq!(px == py, x == y, "{:?} {:?}", x, y);
                }
            }
        }
    }
}
