//! [MC-NBFX] text records: reading them (`read_text_record`, with the dictionaries of
//! `Strings`), their values, and the values' XML text forms (the XSD lexical forms .NET's
//! reader produces).

use std::fmt::Write as _;

use super::dictionary::static_string;
use super::session::SessionReader;
use crate::varint;

fn malformed(message: impl Into<String>) -> XmlError {
    XmlError::Malformed(message.into())
}
use crate::xml::XmlError;
use crate::xml::lexical::push_uuid;
use crate::xml::{base64, write_float};

/// One text record's value, borrowed from the input where possible; [`Text::write`] renders it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Text<'a> {
    /// A string (Chars8/16/32, Empty, Zero, One, True, False, Bool, Dictionary text).
    Str(&'a str),
    /// A signed integer (Int8/16/32/64).
    Int(i64),
    /// An unsigned integer (UInt64).
    UInt(u64),
    /// A 32-bit float.
    Float(f32),
    /// A 64-bit float.
    Double(f64),
    /// A .NET `decimal`: 96-bit magnitude, scale (0–28) and sign.
    Decimal {
        /// The magnitude (96 bits used).
        magnitude: u128,
        /// Digits after the decimal point.
        scale: u8,
        /// Whether the value is negative.
        negative: bool,
    },
    /// A .NET `DateTime` in `ToBinary` form: ticks in the low 62 bits, kind in the top 2.
    DateTime(u64),
    /// A .NET `TimeSpan` in ticks (100 ns).
    TimeSpan(i64),
    /// A GUID rendered as `urn:uuid:…` (bytes in .NET `Guid` order).
    UniqueId([u8; 16]),
    /// A GUID rendered without prefix (bytes in .NET `Guid` order).
    Uuid([u8; 16]),
    /// Bytes, rendered as base64.
    Bytes(&'a [u8]),
    /// UTF-16LE code units (already checked to be valid).
    Utf16(&'a [u8]),
    /// A qualified name: prefix letter index (0 = `a`) and local name.
    QName(u8, &'a str),
    /// A StartListText…EndListText list: the item records (already checked), rendered separated
    /// by one space.
    List(&'a [u8], Strings<'a>),
}

impl Text<'_> {
    /// Appends the text form of the value to `out`. Fails only for a list whose items cannot be
    /// read.
    pub fn write(&self, out: &mut String) -> Result<(), XmlError> {
        match *self {
            Text::Str(s) => out.push_str(s),
            Text::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Text::UInt(v) => {
                let _ = write!(out, "{v}");
            }
            Text::Float(v) => write_float(out, v, f64::from(v)),
            Text::Double(v) => write_float(out, v, v),
            Text::Decimal {
                magnitude,
                scale,
                negative,
            } => write_decimal(out, magnitude, scale, negative),
            Text::DateTime(bits) => write_datetime(out, bits),
            Text::TimeSpan(ticks) => write_timespan(out, ticks),
            Text::UniqueId(bytes) => {
                out.push_str("urn:uuid:");
                push_uuid(out, &swap_guid(bytes));
            }
            Text::Uuid(bytes) => push_uuid(out, &swap_guid(bytes)),
            Text::Bytes(bytes) => base64::encode_into(out, bytes),
            Text::Utf16(units) => {
                let units = units
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
                let mut buf = [0u8; 4];
                for c in char::decode_utf16(units) {
                    let c = c.map_err(|_| {
                        XmlError::Malformed("invalid UTF-16 in a text record".into())
                    })?;
                    out.push_str(c.encode_utf8(&mut buf));
                }
            }
            Text::QName(prefix, name) => {
                out.push(char::from(b'a' + prefix));
                out.push(':');
                out.push_str(name);
            }
            Text::List(records, strings) => {
                let mut pos = 0;
                let mut first = true;
                while pos < records.len() {
                    let (text, next) = read_text_record(records, pos, strings)?;
                    if !first {
                        out.push(' ');
                    }
                    first = false;
                    text.write(out)?;
                    pos = next;
                }
            }
        }
        Ok(())
    }

    /// The text form as a new string (no escaping).
    pub fn to_string_lossless(&self) -> Result<String, XmlError> {
        let mut s = String::new();
        self.write(&mut s)?;
        Ok(s)
    }
}

fn write_decimal(out: &mut String, magnitude: u128, scale: u8, negative: bool) {
    let mut digits = [0u8; 40];
    let mut n = 0;
    let mut rest = magnitude;
    loop {
        // `rest % 10` is a single digit.
        digits[n] = b'0' + (rest % 10) as u8;
        n += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let scale = usize::from(scale);
    while n <= scale {
        digits[n] = b'0';
        n += 1;
    }
    if negative && magnitude != 0 {
        out.push('-');
    }
    for i in (0..n).rev() {
        out.push(char::from(digits[i]));
        if i == scale && scale > 0 {
            out.push('.');
        }
    }
}

/// Ticks per second, day.
const TICKS_PER_SECOND: u64 = 10_000_000;
const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SECOND;
/// `DateTime.MaxValue.Ticks`.
pub(crate) const MAX_TICKS: u64 = 3_155_378_975_999_999_999;

fn write_datetime(out: &mut String, bits: u64) {
    let ticks = bits & 0x3FFF_FFFF_FFFF_FFFF;
    let kind = bits >> 62;
    let days = ticks / TICKS_PER_DAY;
    let in_day = ticks % TICKS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    let seconds = in_day / TICKS_PER_SECOND;
    let fraction = in_day % TICKS_PER_SECOND;
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    write_fraction(out, fraction);
    // Local times are stored as UTC ticks by `DateTime.ToBinary`.
    if kind != 0 {
        out.push('Z');
    }
}

/// Appends `.fffffff` with trailing zeros removed, or nothing for 0.
fn write_fraction(out: &mut String, mut fraction: u64) {
    if fraction == 0 {
        return;
    }
    let mut width = 7;
    while fraction.is_multiple_of(10) {
        fraction /= 10;
        width -= 1;
    }
    let _ = write!(out, ".{fraction:0width$}");
}

/// Proleptic Gregorian date of `days` since 0001-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01 (a year starting in March puts the leap day last).
    let z = days + 306;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era * 400 + yoe + u64::from(month <= 2);
    (year, month, day)
}

fn write_timespan(out: &mut String, ticks: i64) {
    if ticks < 0 {
        out.push('-');
    }
    let ticks = ticks.unsigned_abs();
    let days = ticks / TICKS_PER_DAY;
    let in_day = ticks % TICKS_PER_DAY;
    let seconds = in_day / TICKS_PER_SECOND;
    let fraction = in_day % TICKS_PER_SECOND;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    out.push('P');
    if days > 0 {
        let _ = write!(out, "{days}D");
    }
    if in_day > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            let _ = write!(out, "{h}H");
        }
        if m > 0 {
            let _ = write!(out, "{m}M");
        }
        if s > 0 || fraction > 0 || in_day == 0 {
            let _ = write!(out, "{s}");
            write_fraction(out, fraction);
            out.push('S');
        }
    }
}

/// Converts a GUID between .NET byte order (Data1..3 little-endian) and RFC 4122 order (the
/// conversion is its own inverse).
pub(crate) fn swap_guid(b: [u8; 16]) -> [u8; 16] {
    [
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
        b[14], b[15],
    ]
}

// ---------------------------------------------------------------------------------------------
// Reading text records.

/// Resolves DictionaryString ids: even ids in the static dictionary, odd ids in the session's
/// StringTable (none for the sessionless encoding).
#[derive(Debug, Clone, Copy)]
pub struct Strings<'a> {
    session: Option<&'a SessionReader>,
}

impl PartialEq for Strings<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.session, other.session) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<'a> Strings<'a> {
    /// The static dictionary, plus `session`'s strings if given.
    pub fn new(session: Option<&'a SessionReader>) -> Self {
        Strings { session }
    }

    /// The string with DictionaryString id `id`.
    pub fn get(&self, id: u32) -> Result<&'a str, XmlError> {
        let found = if id & 1 == 0 {
            static_string(id)
        } else {
            self.session.and_then(|s| s.get(id))
        };
        found.ok_or_else(|| {
            if id & 1 == 0 {
                malformed(format!("static dictionary id {id} is out of range"))
            } else {
                malformed(format!("session dictionary id {id} is not defined"))
            }
        })
    }
}

pub(super) fn read_varint(input: &[u8], pos: usize) -> Result<(u32, usize), XmlError> {
    match varint::decode(input.get(pos..).unwrap_or_default()) {
        Ok(Some((value, len))) => Ok((value, pos + len)),
        Ok(None) => Err(malformed("the document ends inside a length or id")),
        Err(e) => Err(malformed(e.to_string())),
    }
}

pub(super) fn read_bytes(input: &[u8], pos: usize, len: usize) -> Result<(&[u8], usize), XmlError> {
    let end = pos
        .checked_add(len)
        .filter(|&end| end <= input.len())
        .ok_or_else(|| {
            malformed(format!(
                "a length of {len} runs past the end of the document (at byte {pos})"
            ))
        })?;
    Ok((input.get(pos..end).unwrap_or_default(), end))
}

pub(super) fn read_utf8(input: &[u8], pos: usize, len: usize) -> Result<(&str, usize), XmlError> {
    let (bytes, end) = read_bytes(input, pos, len)?;
    let s = std::str::from_utf8(bytes)
        .map_err(|_| malformed(format!("a string is not valid UTF-8 (at byte {pos})")))?;
    Ok((s, end))
}

fn read_array<const N: usize>(input: &[u8], pos: usize) -> Result<([u8; N], usize), XmlError> {
    let (bytes, end) = read_bytes(input, pos, N)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok((out, end))
}

/// Reads a 4-byte .NET `ReadUInt31` length (an i32 that must not be negative).
fn read_len32(input: &[u8], pos: usize) -> Result<(usize, usize), XmlError> {
    let (bytes, end) = read_array::<4>(input, pos)?;
    let len = i32::from_le_bytes(bytes);
    let len = usize::try_from(len).map_err(|_| malformed("a negative length"))?;
    Ok((len, end))
}

/// Reads the text record starting at `pos` (its type byte included); returns the value and the
/// position after the record. `WithEndElement` types are read like their plain forms.
pub(crate) fn read_text_record<'a>(
    input: &'a [u8],
    pos: usize,
    strings: Strings<'a>,
) -> Result<(Text<'a>, usize), XmlError> {
    let record = *input
        .get(pos)
        .ok_or_else(|| malformed("the document ends before a text record"))?;
    let pos = pos + 1;
    match record & !1 {
        0x98 | 0x9A | 0x9C | 0xB6 | 0xB8 | 0xBA | 0x9E | 0xA0 | 0xA2 => {
            let (len, pos) = match record & !1 {
                0x98 | 0xB6 | 0x9E => {
                    let (b, p) = read_array::<1>(input, pos)?;
                    (usize::from(b[0]), p)
                }
                0x9A | 0xB8 | 0xA0 => {
                    let (b, p) = read_array::<2>(input, pos)?;
                    (usize::from(u16::from_le_bytes(b)), p)
                }
                _ => read_len32(input, pos)?,
            };
            match record & !1 {
                0x98 | 0x9A | 0x9C => {
                    let (s, end) = read_utf8(input, pos, len)?;
                    Ok((Text::Str(s), end))
                }
                0x9E | 0xA0 | 0xA2 => {
                    let (b, end) = read_bytes(input, pos, len)?;
                    Ok((Text::Bytes(b), end))
                }
                _ => {
                    let (b, end) = read_bytes(input, pos, len)?;
                    if len % 2 != 0 {
                        return Err(malformed("UTF-16 text of an odd number of bytes"));
                    }
                    let units = b
                        .chunks_exact(2)
                        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
                    if char::decode_utf16(units).any(|c| c.is_err()) {
                        return Err(malformed("invalid UTF-16 in a text record"));
                    }
                    Ok((Text::Utf16(b), end))
                }
            }
        }
        0xA4 => {
            if record != 0xA4 {
                return Err(malformed("invalid record type 0xA5"));
            }
            // The items, up to EndListText.
            let mut p = pos;
            loop {
                let item = *input
                    .get(p)
                    .ok_or_else(|| malformed("the document ends inside a list"))?;
                if item == 0xA6 {
                    let records = input.get(pos..p).unwrap_or_default();
                    return Ok((Text::List(records, strings), p + 1));
                }
                if !(0x80..=0xBD).contains(&item) || item & 1 == 1 || item == 0xA4 {
                    return Err(malformed(format!("record 0x{item:02X} inside a list")));
                }
                let (_, next) = read_text_record(input, p, strings)?;
                p = next;
            }
        }
        0xA6 => Err(malformed("EndListText without StartListText")),
        0xAA => {
            let (id, end) = read_varint(input, pos)?;
            Ok((Text::Str(strings.get(id)?), end))
        }
        0xBC => {
            let (b, p) = read_array::<1>(input, pos)?;
            if b[0] > 25 {
                return Err(malformed("a QName prefix beyond z"));
            }
            let (id, end) = read_varint(input, p)?;
            Ok((Text::QName(b[0], strings.get(id)?), end))
        }
        0x80..=0xBD => read_value(input, pos, record & !1),
        _ => Err(malformed(format!("0x{record:02X} is not a text record"))),
    }
}

/// Reads the fixed-size payload of the plain text record type `kind` at `pos`.
pub(super) fn read_value(
    input: &[u8],
    pos: usize,
    kind: u8,
) -> Result<(Text<'static>, usize), XmlError> {
    Ok(match kind {
        0x80 => (Text::Str("0"), pos),
        0x82 => (Text::Str("1"), pos),
        0x84 => (Text::Str("false"), pos),
        0x86 => (Text::Str("true"), pos),
        0xA8 => (Text::Str(""), pos),
        0x88 => {
            let (b, end) = read_array::<1>(input, pos)?;
            (Text::Int(i64::from(i8::from_le_bytes(b))), end)
        }
        0x8A => {
            let (b, end) = read_array::<2>(input, pos)?;
            (Text::Int(i64::from(i16::from_le_bytes(b))), end)
        }
        0x8C => {
            let (b, end) = read_array::<4>(input, pos)?;
            (Text::Int(i64::from(i32::from_le_bytes(b))), end)
        }
        0x8E => {
            let (b, end) = read_array::<8>(input, pos)?;
            (Text::Int(i64::from_le_bytes(b)), end)
        }
        0xB2 => {
            let (b, end) = read_array::<8>(input, pos)?;
            (Text::UInt(u64::from_le_bytes(b)), end)
        }
        0x90 => {
            let (b, end) = read_array::<4>(input, pos)?;
            (Text::Float(f32::from_le_bytes(b)), end)
        }
        0x92 => {
            let (b, end) = read_array::<8>(input, pos)?;
            (Text::Double(f64::from_le_bytes(b)), end)
        }
        0x94 => {
            let (b, end) = read_array::<16>(input, pos)?;
            let scale = b[2];
            let sign = b[3];
            if scale > 28 || !matches!(sign, 0x00 | 0x80) {
                return Err(malformed("an invalid decimal"));
            }
            let hi = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
            let mut lo = [0u8; 8];
            lo.copy_from_slice(&b[8..16]);
            let magnitude = u128::from(hi) << 64 | u128::from(u64::from_le_bytes(lo));
            (
                Text::Decimal {
                    magnitude,
                    scale,
                    negative: sign == 0x80,
                },
                end,
            )
        }
        0x96 => {
            let (b, end) = read_array::<8>(input, pos)?;
            let bits = u64::from_le_bytes(b);
            if bits & 0x3FFF_FFFF_FFFF_FFFF > MAX_TICKS || bits >> 62 == 3 {
                return Err(malformed("an invalid DateTime"));
            }
            (Text::DateTime(bits), end)
        }
        0xAE => {
            let (b, end) = read_array::<8>(input, pos)?;
            (Text::TimeSpan(i64::from_le_bytes(b)), end)
        }
        0xAC => {
            let (b, end) = read_array::<16>(input, pos)?;
            (Text::UniqueId(b), end)
        }
        0xB0 => {
            let (b, end) = read_array::<16>(input, pos)?;
            (Text::Uuid(b), end)
        }
        0xB4 => {
            let (b, end) = read_array::<1>(input, pos)?;
            match b[0] {
                0 => (Text::Str("false"), end),
                1 => (Text::Str("true"), end),
                _ => return Err(malformed("a BoolText that is neither 0 nor 1")),
            }
        }
        other => return Err(malformed(format!("0x{other:02X} is not a text record"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: Text<'_>) -> String {
        text.to_string_lossless().unwrap()
    }

    #[test]
    fn lexical_forms() {
        assert_eq!(render(Text::Int(-12)), "-12");
        assert_eq!(render(Text::UInt(u64::MAX)), "18446744073709551615");
        assert_eq!(render(Text::Double(1.5)), "1.5");
        assert_eq!(render(Text::Double(f64::INFINITY)), "INF");
        assert_eq!(render(Text::Float(f32::NEG_INFINITY)), "-INF");
        assert_eq!(render(Text::Float(f32::NAN)), "NaN");
        assert_eq!(render(Text::Float(0.1)), "0.1");
        let d = |magnitude, scale, negative| Text::Decimal {
            magnitude,
            scale,
            negative,
        };
        assert_eq!(render(d(12345, 2, false)), "123.45");
        assert_eq!(render(d(5, 3, true)), "-0.005");
        assert_eq!(render(d(0, 0, true)), "0");
        assert_eq!(render(d(150, 2, false)), "1.50");
        // 2001-02-03T04:05:06.7 UTC.
        let ticks: u64 = 631_167_699_067_000_000;
        assert_eq!(
            render(Text::DateTime(ticks | 1 << 62)),
            "2001-02-03T04:05:06.7Z"
        );
        assert_eq!(render(Text::DateTime(0)), "0001-01-01T00:00:00");
        assert_eq!(
            render(Text::DateTime(MAX_TICKS)),
            "9999-12-31T23:59:59.9999999"
        );
        assert_eq!(render(Text::TimeSpan(0)), "PT0S");
        assert_eq!(render(Text::TimeSpan(36_000_000_000)), "PT1H");
        assert_eq!(
            render(Text::TimeSpan(-(864_000_000_000 + 15_000_000))),
            "-P1DT1.5S"
        );
        assert_eq!(render(Text::TimeSpan(864_000_000_000)), "P1D");
        let guid = [
            0x2d, 0x25, 0x48, 0x03, 0xaa, 0xf8, 0x35, 0x46, 0xbd, 0x8f, 0x9f, 0xe7, 0x8e, 0x72,
            0x5f, 0x3b,
        ];
        assert_eq!(
            render(Text::UniqueId(guid)),
            "urn:uuid:0348252d-f8aa-4635-bd8f-9fe78e725f3b"
        );
        assert_eq!(swap_guid(swap_guid(guid)), guid);
        assert_eq!(render(Text::Bytes(b"hi")), "aGk=");
        assert_eq!(render(Text::Bytes(b"foobar")), "Zm9vYmFy");
        assert_eq!(render(Text::Bytes(b"f")), "Zg==");
        assert_eq!(render(Text::Bytes(b"")), "");
        assert_eq!(render(Text::Utf16(&[0x68, 0, 0xe9, 0])), "hé");
        assert_eq!(render(Text::QName(18, "Sender")), "s:Sender");
    }
}
