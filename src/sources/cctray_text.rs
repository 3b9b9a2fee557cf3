//! A cctray feed's bytes as text, in the encoding the feed names: the `charset` of its
//! `Content-Type` first (RFC 7303), else the XML declaration's `encoding`, else UTF-8. Older
//! CruiseControl and CC.NET servers write ISO-8859-1 or windows-1252.

use crate::sources::{Cause, SourceError};

/// The feed's text. Takes the bytes so that a UTF-8 feed, the usual kind, becomes its text
/// without a copy: a big feed is held once, not twice.
pub fn decode(mut bytes: Vec<u8>, content_type: Option<&str>) -> Result<String, SourceError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
        return utf8(bytes);
    }
    let named = content_type
        .and_then(charset_of_content_type)
        .or_else(|| declared_encoding(&bytes));
    match named.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => utf8(bytes),
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso_8859-1") => {
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        }
        Some("windows-1252" | "cp1252") => Ok(bytes.iter().map(|&b| windows_1252(b)).collect()),
        Some(other) => Err(SourceError::of(
            Cause::Malformed,
            format!(
                "cctray feed in encoding {other:?}, which andon does not read (UTF-8, ISO-8859-1 and windows-1252 only)"
            ),
        )),
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|e| {
        SourceError::of(
            Cause::Malformed,
            format!(
                "response is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn charset_of_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// `encoding="..."` of `<?xml ...?>` at the very start (ASCII-compatible encodings only).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    let head: String = head.iter().map(|&b| char::from(b)).collect();
    let declaration = head.trim_start().strip_prefix("<?xml")?;
    let declaration = &declaration[..declaration.find("?>")?];
    let at = declaration.find("encoding")?;
    let rest = declaration[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// windows-1252: ISO-8859-1 except 0x80..=0x9F, which hold typographic characters.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_encoding_is_honoured() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Projects name=\"Caf\xe9\"/>";
        assert!(decode(latin1.to_vec(), None).unwrap().contains("Caf\u{e9}"));
        let cp1252 = b"<?xml version='1.0' encoding='windows-1252'?><p n=\"\x93q\x94 \x80\"/>";
        assert!(
            decode(cp1252.to_vec(), None)
                .unwrap()
                .contains("\u{201c}q\u{201d} \u{20ac}")
        );
        assert_eq!(
            decode("<?xml version=\"1.0\"?>é".as_bytes().to_vec(), None).unwrap(),
            "<?xml version=\"1.0\"?>é"
        );
    }

    #[test]
    fn the_content_type_charset_wins_over_the_declaration() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xe9</a>";
        let text = decode(
            bytes.to_vec(),
            Some("application/xml; charset=\"iso-8859-1\""),
        )
        .unwrap();
        assert!(text.ends_with("<a>\u{e9}</a>"));
        assert!(
            decode(bytes.to_vec(), Some("text/xml")).is_err(),
            "not UTF-8, as declared"
        );
    }

    #[test]
    fn unknown_encodings_and_bad_utf8_are_named() {
        let e = decode(
            b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>".to_vec(),
            None,
        )
        .unwrap_err();
        assert!(e.reason.contains("\"shift_jis\""), "{e}");
        let e = decode(b"<a>\xff</a>".to_vec(), None).unwrap_err();
        assert!(e.reason.contains("offset 3"), "{e}");
        assert_eq!(
            decode(
                b"\xEF\xBB\xBF<a/>".to_vec(),
                Some("text/xml; charset=latin1")
            )
            .unwrap(),
            "<a/>"
        );
    }
}
