//! [MC-NBFX] text values and their XML text forms (the XSD lexical forms .NET's reader produces).

use std::fmt::Write as _;

use super::reader::{Strings, read_text_record};
use crate::xml::XmlError;
use crate::xml::stream::push_uuid;
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
