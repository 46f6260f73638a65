//! Escaping of text and attribute values, and the check of names, for every writer of XML text.

use super::XmlError;
use super::output::TextOutput;

/// The character XML 1.0 cannot carry (even as a character reference) that starts at byte `i`
/// of `bytes` (UTF-8): a control character other than TAB, LF and CR, or U+FFFE or U+FFFF.
/// `None` for any other byte (continuation bytes included). The one classification of every
/// check of characters: [`escape_into`] calls it for the bytes below 0x20 and 0xEF, the
/// infoset's check for every byte.
#[inline(always)]
pub(crate) fn invalid_char_at(bytes: &[u8], i: usize) -> Option<char> {
    match *bytes.get(i)? {
        b'\t' | b'\n' | b'\r' => None,
        b @ 0..=0x1f => Some(char::from(b)),
        // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
        0xef => match bytes.get(i + 1..i + 3) {
            Some([0xbf, 0xbe]) => Some('\u{fffe}'),
            Some([0xbf, 0xbf]) => Some('\u{ffff}'),
            _ => None,
        },
        _ => None,
    }
}

/// Which bytes [`escape_into`] must look at: markup, CR, and the bytes that can start a character
/// XML cannot carry; in attribute values also `"`, LF and TAB (which a reader would normalise).
const fn special_bytes(attribute: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n') || attribute;
        b += 1;
    }
    table[b'<' as usize] = true;
    table[b'&' as usize] = true;
    table[b'>' as usize] = true;
    table[0xef] = true;
    table[b'"' as usize] = attribute;
    table
}

const SPECIAL_IN_CONTENT: [bool; 256] = special_bytes(false);
const SPECIAL_IN_ATTRIBUTE: [bool; 256] = special_bytes(true);

/// Whether `text` holds only characters XML 1.0 can carry.
pub(crate) fn check_chars(text: &str) -> Result<(), XmlError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    // Only control characters and 0xEF can start a character XML cannot carry.
    while let Some(found) = bytes[i..]
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0xef)
    {
        i += found;
        if let Some(c) = invalid_char_at(bytes, i) {
            return Err(XmlError::InvalidChar(c));
        }
        i += 1;
    }
    Ok(())
}

/// Appends `text` to `out` escaped for element content (`attribute`: for a `"`-quoted attribute
/// value). Fails on characters XML 1.0 cannot hold, even as character references.
pub(crate) fn escape_into<O: TextOutput + ?Sized>(
    out: &mut O,
    text: &str,
    attribute: bool,
) -> Result<(), XmlError> {
    let special = if attribute {
        &SPECIAL_IN_ATTRIBUTE
    } else {
        &SPECIAL_IN_CONTENT
    };
    let bytes = text.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(found) = bytes[i..].iter().position(|&b| special[usize::from(b)]) {
        i += found;
        let replacement = match bytes[i] {
            b'<' => "&lt;",
            b'&' => "&amp;",
            b'>' => "&gt;",
            // A literal CR would be normalized away by the reader.
            b'\r' => "&#xD;",
            b'"' => "&quot;",
            b'\n' => "&#xA;",
            b'\t' => "&#x9;",
            // A control character, or 0xEF: U+FFFE and U+FFFF are not XML characters.
            _ => {
                if let Some(c) = invalid_char_at(bytes, i) {
                    return Err(XmlError::InvalidChar(c));
                }
                i += 1;
                continue;
            }
        };
        // Every byte matched above is ASCII, so `run..i` and `i + 1` are char boundaries.
        out.push_str(&text[run..i]);
        out.push_str(replacement);
        i += 1;
        run = i;
    }
    out.push_str(&text[run..]);
    Ok(())
}

/// Whether `name` is an XML name without a colon (an NCName; non-ASCII characters are accepted
/// without checking their Unicode class).
pub(crate) fn is_ncname(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        Some(&c) if c.is_ascii_alphabetic() || c == b'_' || !c.is_ascii() => {
            bytes.iter().all(|&c| {
                c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.') || !c.is_ascii()
            })
        }
        _ => false,
    }
}

/// Checks that `name` can be written as an unprefixed element name (an NCName).
pub(crate) fn check_name(name: &str) -> Result<(), XmlError> {
    if is_ncname(name) {
        Ok(())
    } else {
        Err(XmlError::InvalidName(name.to_owned()))
    }
}

/// Checks that `prefix:local` (`prefix` may be empty) can be written as a name.
pub(crate) fn check_qname(prefix: &str, local: &str) -> Result<(), XmlError> {
    if is_ncname(local) && (prefix.is_empty() || is_ncname(prefix)) {
        Ok(())
    } else if prefix.is_empty() {
        Err(XmlError::InvalidName(local.to_owned()))
    } else {
        Err(XmlError::InvalidName(format!("{prefix}:{local}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str, attr: bool) -> Result<String, XmlError> {
        let mut out = String::new();
        escape_into(&mut out, s, attr).map(|()| out)
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b&c>d\"e'", false).unwrap(), "a&lt;b&amp;c&gt;d\"e'");
        assert_eq!(esc("a\"b\n\t", true).unwrap(), "a&quot;b&#xA;&#x9;");
        assert_eq!(esc("x\r\ny", false).unwrap(), "x&#xD;\ny");
        assert_eq!(esc("héllo ✓", false).unwrap(), "héllo ✓");
        assert_eq!(esc("", false).unwrap(), "");
    }

    #[test]
    fn refuses_non_xml_chars() {
        assert!(matches!(
            esc("a\u{1}", false),
            Err(XmlError::InvalidChar('\u{1}'))
        ));
        assert!(matches!(
            esc("\u{0}", false),
            Err(XmlError::InvalidChar('\u{0}'))
        ));
        assert!(matches!(
            esc("\u{fffe}", false),
            Err(XmlError::InvalidChar('\u{fffe}'))
        ));
        assert!(matches!(
            esc("\u{ffff}", false),
            Err(XmlError::InvalidChar('\u{ffff}'))
        ));
        assert!(esc("\u{fffd}\u{effe}", false).is_ok());
    }

    #[test]
    fn names() {
        for ok in ["a", "AddTo", "_x", "a-b.c1", "héllo"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "a b", "a:b", "a<b", "-a", "a/"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
