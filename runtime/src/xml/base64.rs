//! Base64 (RFC 4648, standard alphabet, padded), the lexical form of `xs:base64Binary`.

use super::output::TextOutput;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The value of each alphabet character; [`NOT_ALPHABET`] for every other byte.
const VALUES: [u8; 256] = {
    let mut table = [NOT_ALPHABET; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const NOT_ALPHABET: u8 = 0xff;

/// Input bytes encoded per block: 768 bytes become 1,024 characters.
const ENCODE_BLOCK: usize = 768;

/// Appends the base64 encoding of `data` to `out`.
pub(crate) fn encode_into<O: TextOutput + ?Sized>(out: &mut O, data: &[u8]) {
    out.reserve(data.len().div_ceil(3) * 4);
    // Whole blocks are encoded into a stack buffer and appended at once, rather than one `char`
    // at a time (each `push` checks the capacity and encodes UTF-8).
    let mut blocks = data.chunks_exact(ENCODE_BLOCK);
    let mut text = [0u8; ENCODE_BLOCK / 3 * 4];
    for block in &mut blocks {
        encode_block(block, &mut text);
        out.push_str(ascii(&text));
    }
    let rest = blocks.remainder();
    let whole = rest.len() / 3 * 3;
    let text = &mut text[..whole / 3 * 4];
    encode_block(&rest[..whole], text);
    out.push_str(ascii(text));
    let mut last = [b'='; 4];
    match rest[whole..] {
        [a] => {
            let n = u32::from(a) << 16;
            last[0] = ALPHABET[(n >> 18) as usize & 63];
            last[1] = ALPHABET[(n >> 12) as usize & 63];
            out.push_str(ascii(&last));
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            last[0] = ALPHABET[(n >> 18) as usize & 63];
            last[1] = ALPHABET[(n >> 12) as usize & 63];
            last[2] = ALPHABET[(n >> 6) as usize & 63];
            out.push_str(ascii(&last));
        }
        _ => {}
    }
}

/// Encodes `data` (a multiple of 3 bytes) into `text` (4 characters per 3 bytes).
fn encode_block(data: &[u8], text: &mut [u8]) {
    for (c, t) in data.chunks_exact(3).zip(text.chunks_exact_mut(4)) {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        t[0] = ALPHABET[(n >> 18) as usize & 63];
        t[1] = ALPHABET[(n >> 12) as usize & 63];
        t[2] = ALPHABET[(n >> 6) as usize & 63];
        t[3] = ALPHABET[n as usize & 63];
    }
}

fn ascii(text: &[u8]) -> &str {
    std::str::from_utf8(text).expect("the base64 alphabet is ASCII")
}

fn value(c: u8) -> Option<u32> {
    match VALUES[usize::from(c)] {
        NOT_ALPHABET => None,
        v => Some(u32::from(v)),
    }
}

/// Decodes base64 `text`, ignoring XML whitespace anywhere in it (as `xs:base64Binary` allows).
/// Returns `None` if it is not valid base64.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    // Fast path: quanta of four alphabet characters. It stops at the first quantum holding
    // anything else (whitespace, padding, an invalid byte), where the general loop takes over.
    let mut quanta = bytes.chunks_exact(4);
    let mut done = 0;
    for q in &mut quanta {
        let [a, b, c, d] = [q[0], q[1], q[2], q[3]].map(|c| VALUES[usize::from(c)]);
        if (a | b | c | d) & 0xc0 != 0 {
            break;
        }
        let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        done += 4;
    }
    decode_rest(&bytes[done..], out)
}

/// Decodes the rest of the input, one character at a time, appending to `out`.
fn decode_rest(bytes: &[u8], mut out: Vec<u8>) -> Option<Vec<u8>> {
    let mut acc = 0u32;
    let mut count = 0; // significant characters in the current quantum
    let mut padding = 0; // `=` seen so far
    for &c in bytes {
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
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            prop_assert_eq!(decode(&enc(&data)).unwrap(), data);
        }

        #[test]
        fn whitespace_anywhere(data in proptest::collection::vec(any::<u8>(), 0..200), at in any::<usize>()) {
            let mut text = enc(&data);
            let at = at % (text.len() + 1);
            text.insert(at, '\n');
            prop_assert_eq!(decode(&text).unwrap(), data);
        }
    }
}
