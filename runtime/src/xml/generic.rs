//! The names the DataContractSerializer gives instances of its generic collection types:
//! `KeyValueOf{Key}{Value}` for a dictionary's entries and `ArrayOfKeyValueOf{Key}{Value}` for the
//! dictionary, both in [`ARRAYS_NS`](super::ARRAYS_NS), with a digest of the parameters'
//! namespaces appended when one of them is not a built-in namespace.
//!
//! .NET's `DataContract.ExpandGenericParameters` expands the `{#}` of the generic name
//! `ArrayOfKeyValueOf{0}{1}{#}` to the digest when any parameter's schema namespace is neither XML
//! Schema's nor the serializer's own (`IsBuiltInNamespace`). The digest is `GetNamespacesDigest`
//! of `" {count}"` followed by `" {namespace}"` per parameter: the first 6 bytes of its UTF-8
//! MD5, in base64 with `/` as `_S`, `+` as `_P` and the padding dropped. So
//! `Dictionary<string, Person>` with `Person` in `http://peers.test/geo` is
//! `ArrayOfKeyValueOfstringPerson_S0hWBn0Y` (checked against Mono's serializer, whose
//! `System.Runtime.Serialization` is .NET's reference source).

use super::names::{SERIALIZATION_NS, XS_NS};

/// Whether `ns` is one of the namespaces .NET counts as built-in for generic names.
fn is_built_in(ns: &str) -> bool {
    ns == XS_NS || ns == SERIALIZATION_NS
}

/// The name of a dictionary entry with parameters named `key` and `value` whose schema types are
/// in `key_ns` and `value_ns`: `KeyValueOf{key}{value}` and, when a namespace is not built in,
/// the digest.
pub(crate) fn key_value_name(key: &str, key_ns: &str, value: &str, value_ns: &str) -> String {
    let mut name = format!("KeyValueOf{key}{value}");
    if !(is_built_in(key_ns) && is_built_in(value_ns)) {
        name.push_str(&namespaces_digest(&format!(" 2 {key_ns} {value_ns}")));
    }
    name
}

/// .NET's `GetNamespacesDigest`.
fn namespaces_digest(namespaces: &str) -> String {
    let hash = md5(namespaces.as_bytes());
    let mut out = String::with_capacity(10);
    for chunk in hash[..6].chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            match BASE64[((n >> shift) & 63) as usize] {
                b'/' => out.push_str("_S"),
                b'+' => out.push_str("_P"),
                c => out.push(char::from(c)),
            }
        }
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// MD5 (RFC 1321), for the digest above only: the names .NET computes with it.
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // floor(abs(sin(i + 1)) * 2^32)
    const K: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];
    let mut message = input.to_vec();
    let bits = (input.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_le_bytes());
    let mut state: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for block in message.chunks_exact(64) {
        let mut m = [0u32; 16];
        for (word, bytes) in m.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(K[i])
                .wrapping_add(m[g])
                .rotate_left(S[i]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc_1321() {
        let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(md5(b"The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        // More than one block.
        assert_eq!(hex(md5(&[b'a'; 100])), "36a92cc94a9e0fa21f625f8bfb007adf");
    }

    #[test]
    fn names_as_dotnet_writes_them() {
        assert_eq!(
            key_value_name("string", XS_NS, "int", XS_NS),
            "KeyValueOfstringint"
        );
        assert_eq!(
            key_value_name("string", XS_NS, "guid", SERIALIZATION_NS),
            "KeyValueOfstringguid"
        );
        // Mono's DataContractSerializer: Dictionary<string, Person> in http://peers.test/geo.
        assert_eq!(
            key_value_name("string", XS_NS, "Person", "http://peers.test/geo"),
            "KeyValueOfstringPerson_S0hWBn0Y"
        );
    }
}
