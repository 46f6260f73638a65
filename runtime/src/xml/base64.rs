//! Base64 (RFC 4648, standard alphabet, padded), the lexical form of `xs:base64Binary`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the base64 encoding of `data` to `out`.
pub(crate) fn encode_into(out: &mut String, data: &[u8]) {
    out.reserve(data.len().div_ceil(3) * 4);
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[(n >> shift) as usize & 63]));
        }
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.push(char::from(ALPHABET[(n >> 18) as usize & 63]));
            out.push(char::from(ALPHABET[(n >> 12) as usize & 63]));
            out.push_str("==");
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(char::from(ALPHABET[(n >> 18) as usize & 63]));
            out.push(char::from(ALPHABET[(n >> 12) as usize & 63]));
            out.push(char::from(ALPHABET[(n >> 6) as usize & 63]));
            out.push('=');
        }
        _ => {}
    }
}

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes base64 `text`, ignoring XML whitespace anywhere in it (as `xs:base64Binary` allows).
/// Returns `None` if it is not valid base64.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut count = 0; // significant characters in the current quantum
    let mut padding = 0; // `=` seen so far
    for &c in text.as_bytes() {
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            continue;
        }
        if c == b'=' {
            // Padding may only complete a quantum holding 2 or 3 characters.
            padding += 1;
            if count + padding > 4 || count < 2 {
                return None;
            }
            continue;
        }
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | value(c)?;
        count += 1;
        if count == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            count = 0;
        }
    }
    match (count, padding) {
        (0, 0) => {}
        (2, 2) => {
            if acc & 0xf != 0 {
                return None;
            }
            out.push((acc >> 4) as u8);
        }
        (3, 1) => {
            if acc & 0x3 != 0 {
                return None;
            }
            out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(data: &[u8]) -> String {
        let mut s = String::new();
        encode_into(&mut s, data);
        s
    }

    #[test]
    fn rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(enc(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(enc(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn decode_whitespace_and_errors() {
        assert_eq!(decode(" Zm9v\n YmFy ").unwrap(), b"foobar");
        for bad in [
            "Z", "Zm9", "Zg=", "Zg===", "Z===", "Zm=v", "Zm9v!", "Zh==", "Zm9=", "====",
        ] {
            assert!(decode(bad).is_none(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(decode(&enc(&data)).unwrap(), data);
        }
    }
}
