//! The lexical helpers every reader and writer of XML text shares: whitespace, prefixes, GUIDs
//! in text, excerpts for error messages.

use super::TextOutput;

/// Whether two namespace prefixes (mostly one letter, or empty) are equal, compared inline: a
/// call to `memcmp` per comparison costs more than the comparison.
#[inline]
pub(crate) fn same_prefix(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Whether `s` is only XML whitespace.
pub(crate) fn is_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Appends `id` (RFC 4122 byte order) as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase.
pub(crate) fn push_uuid<O: TextOutput + ?Sized>(out: &mut O, id: &[u8; 16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [b'-'; 36];
    let mut at = 0;
    for (n, byte) in id.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            at += 1;
        }
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xF)];
        at += 2;
    }
    out.push_ascii_bytes(&text);
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase (the only form .NET writes as a
/// `UniqueId` record) into RFC 4122 byte order.
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    parse_hex_uuid(s, false)
}

/// Parses a GUID in its 36-character form, in either case.
pub(crate) fn parse_uuid_any_case(s: &str) -> Option<[u8; 16]> {
    parse_hex_uuid(s, true)
}

fn parse_hex_uuid(s: &str, any_case: bool) -> Option<[u8; 16]> {
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' if any_case => Some(c - b'A' + 10),
        _ => None,
    };
    let s = s.as_bytes();
    if s.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut pos = 0;
    for (n, byte) in out.iter_mut().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            if s.get(pos) != Some(&b'-') {
                return None;
            }
            pos += 1;
        }
        *byte = hex(*s.get(pos)?)? << 4 | hex(*s.get(pos + 1)?)?;
        pos += 2;
    }
    Some(out)
}

/// The start of `s`, for error messages.
pub(crate) fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let s = s.trim_matches([' ', '\t', '\r', '\n']);
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
