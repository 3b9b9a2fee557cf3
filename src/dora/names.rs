//! Names (commits, incident ids) packed into three words, so that hashing and comparing them
//! never follows a pointer. A million events join on their names: reading each name from its
//! own heap allocation in hash order would miss the cache at nearly every one.

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
        let mut bytes = [0u8; CAPACITY + 1];
        if text.len() <= CAPACITY {
            bytes[..text.len()].copy_from_slice(text);
            bytes[CAPACITY] = text.len() as u8;
        } else if text.len() <= 2 * CAPACITY && text.iter().all(|&b| nibble(b).is_some()) {
            for (i, &digit) in text.iter().enumerate() {
                let value = nibble(digit).unwrap_or_default();
                bytes[i / 2] |= if i % 2 == 0 { value << 4 } else { value };
            }
            bytes[CAPACITY] = HEX | text.len() as u8;
        } else {
            bytes[CAPACITY] = LONG;
        }
        let word = |i: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_le_bytes(word)
        };
        PackedName([word(0), word(1), word(2)])
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

/// The value of a lower-case hex digit. Upper case is left out so that each text has one
/// packing.
fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::PackedName;

    /// Equal exactly when the texts are, or both long.
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
