//! MultiByteInt31: the variable-length integer of [MC-NMF] record sizes and [MC-NBFX] lengths.
//!
//! Seven bits of value per byte, least-significant group first, bit 0x80 set on every byte but the
//! last; at most five bytes, and the value fits in 31 bits (the fifth byte may only use bits 0x07).

use bytes::BufMut;

/// Largest number of bytes a MultiByteInt31 may occupy.
pub(crate) const MAX_LEN: usize = 5;

/// Largest value a MultiByteInt31 may carry.
pub(crate) const MAX_VALUE: u32 = 0x7FFF_FFFF;

/// Why a MultiByteInt31 is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VarintError {
    /// The fifth byte still has its continuation bit set (the integer would need six or more bytes).
    #[error("variable-length integer longer than 5 bytes")]
    TooLong,
    /// The value does not fit in 31 bits (fifth byte has any of the bits 0x78 set, or a value
    /// above 0x7FFFFFFF was to be encoded).
    #[error("variable-length integer larger than 0x7FFFFFFF")]
    Overflow,
}

/// Decodes a MultiByteInt31 from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` ends before the integer does, otherwise the value and the number
/// of bytes it occupied. Never reads more than [`MAX_LEN`] bytes.
pub(crate) fn decode(buf: &[u8]) -> Result<Option<(u32, usize)>, VarintError> {
    let mut value: u32 = 0;
    for (index, &byte) in buf.iter().take(MAX_LEN).enumerate() {
        if index == MAX_LEN - 1 && byte & 0xF8 != 0 {
            return Err(if byte & 0x80 != 0 {
                VarintError::TooLong
            } else {
                VarintError::Overflow
            });
        }
        // index < 5, so the shift is at most 28 and the 5th byte contributes at most 3 bits.
        value |= u32::from(byte & 0x7F) << (7 * index);
        if byte & 0x80 == 0 {
            return Ok(Some((value, index + 1)));
        }
    }
    Ok(None)
}

/// Number of bytes [`encode`] writes for `value` (`value` must be at most [`MAX_VALUE`]).
pub(crate) fn encoded_len(value: u32) -> usize {
    match value {
        0..=0x7F => 1,
        0x80..=0x3FFF => 2,
        0x4000..=0x1F_FFFF => 3,
        0x20_0000..=0x0FFF_FFFF => 4,
        _ => 5,
    }
}

/// Appends `value` as a MultiByteInt31 (shortest form) to `dst`.
///
/// Fails with [`VarintError::Overflow`] when `value` exceeds [`MAX_VALUE`]; nothing is written then.
pub(crate) fn encode(value: u32, dst: &mut impl BufMut) -> Result<(), VarintError> {
    if value > MAX_VALUE {
        return Err(VarintError::Overflow);
    }
    let mut rest = value;
    while rest >= 0x80 {
        // Truncation intended: the low seven bits plus the continuation bit.
        dst.put_u8((rest & 0x7F) as u8 | 0x80);
        rest >>= 7;
    }
    dst.put_u8(rest as u8);
    Ok(())
}

/// Appends a `usize` length as a MultiByteInt31, failing if it exceeds [`MAX_VALUE`].
pub(crate) fn encode_len(len: usize, dst: &mut impl BufMut) -> Result<(), VarintError> {
    let value = u32::try_from(len).map_err(|_| VarintError::Overflow)?;
    encode(value, dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(value: u32) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, &mut out).unwrap();
        out
    }

    #[test]
    fn reference_examples() {
        assert_eq!(enc(37), [0x25]);
        assert_eq!(enc(227), [0xE3, 0x01]);
        assert_eq!(enc(239), [0xEF, 0x01]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(MAX_VALUE), [0xFF, 0xFF, 0xFF, 0xFF, 0x07]);
        assert_eq!(decode(&[0xEF, 0x01, 0x99]), Ok(Some((239, 2))));
        assert_eq!(
            decode(&[0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
            Ok(Some((MAX_VALUE, 5)))
        );
    }

    #[test]
    fn incomplete_input() {
        assert_eq!(decode(&[]), Ok(None));
        assert_eq!(decode(&[0x80]), Ok(None));
        assert_eq!(decode(&[0xFF, 0xFF, 0xFF, 0xFF]), Ok(None));
    }

    #[test]
    fn rejects_hostile_input() {
        // Continuation bit on the 5th byte: would be 6+ bytes long.
        assert_eq!(
            decode(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(VarintError::TooLong)
        );
        assert_eq!(
            decode(&[0x80, 0x80, 0x80, 0x80, 0x80]),
            Err(VarintError::TooLong)
        );
        // 5th byte with bits 0x78 set: value over 31 bits.
        assert_eq!(
            decode(&[0xFF, 0xFF, 0xFF, 0xFF, 0x08]),
            Err(VarintError::Overflow)
        );
        assert_eq!(
            decode(&[0x80, 0x80, 0x80, 0x80, 0x0F]),
            Err(VarintError::Overflow)
        );
        assert_eq!(
            encode(MAX_VALUE + 1, &mut Vec::new()),
            Err(VarintError::Overflow)
        );
        assert_eq!(
            encode(u32::MAX, &mut Vec::new()),
            Err(VarintError::Overflow)
        );
    }

    #[test]
    fn non_canonical_forms_decode() {
        assert_eq!(decode(&[0x80, 0x00]), Ok(Some((0, 2))));
        assert_eq!(decode(&[0x81, 0x80, 0x00]), Ok(Some((1, 3))));
    }

    proptest! {
        #[test]
        fn round_trip(value in 0..=MAX_VALUE) {
            let bytes = enc(value);
            prop_assert_eq!(bytes.len(), encoded_len(value));
            prop_assert_eq!(decode(&bytes), Ok(Some((value, bytes.len()))));
            for cut in 0..bytes.len() {
                prop_assert_eq!(decode(&bytes[..cut]), Ok(None));
            }
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            if let Ok(Some((value, len))) = decode(&bytes) {
                prop_assert!(value <= MAX_VALUE);
                prop_assert!(len <= MAX_LEN && len <= bytes.len());
            }
        }
    }
}
