//! `System.DateTime` and `System.DateTimeOffset`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;

use super::lexical::{self, Cursor};
use super::timespan::{TICKS_PER_DAY, TICKS_PER_MINUTE, TICKS_PER_SECOND, write_fraction};
use super::{DataError, Lexical};

/// `DateTime.MaxValue.Ticks`: 9999-12-31T23:59:59.9999999.
const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// The largest offset from UTC .NET accepts, in minutes (14 hours).
const MAX_OFFSET: i16 = 14 * 60;

/// What a [`DateTime`]'s ticks are relative to: .NET's `DateTimeKind`, with the offset of a
/// local time kept as it was written (not converted to this machine's zone, as .NET does).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum DateTimeKind {
    /// No zone: written without a suffix.
    #[default]
    Unspecified,
    /// UTC: written with `Z`.
    Utc,
    /// A local time at this offset from UTC: written with `+hh:mm` or `-hh:mm`.
    Local {
        /// Minutes ahead of UTC, within ±14 hours.
        offset_minutes: i16,
    },
}

/// A .NET `System.DateTime`: ticks of 100 ns since 0001-01-01T00:00:00 on the clock, and a
/// [`DateTimeKind`] (schema type `xs:dateTime`).
///
/// Written as .NET's DataContractSerializer writes it: `2024-05-06T07:08:09.1234567Z` (UTC),
/// `2024-05-06T07:08:09.1234567+02:00` (local), no suffix (unspecified); trailing fractional
/// zeros trimmed, no fraction when it is zero, so every tick survives a round trip,
/// [`MIN`](DateTime::MIN) and [`MAX`](DateTime::MAX) included. Reading takes any `xs:dateTime`
/// or `xs:date` in .NET's range: more than seven fractional digits are rounded to ticks (half to
/// even, as .NET's `XmlConvert`), `24:00:00` is the next midnight.
///
/// ```
/// # use indigo_runtime::data::{DateTime, DateTimeKind};
/// let t: DateTime = "2024-05-06T07:08:09.1234567+02:00".parse().unwrap();
/// assert_eq!(t.kind(), DateTimeKind::Local { offset_minutes: 120 });
/// assert_eq!(t.to_utc().unwrap().to_string(), "2024-05-06T05:08:09.1234567Z");
/// assert_eq!(DateTime::MAX.to_string(), "9999-12-31T23:59:59.9999999");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct DateTime {
    ticks: i64,
    kind: DateTimeKind,
}

impl DateTime {
    /// `DateTime.MinValue`: 0001-01-01T00:00:00, unspecified.
    pub const MIN: DateTime = DateTime {
        ticks: 0,
        kind: DateTimeKind::Unspecified,
    };
    /// `DateTime.MaxValue`: 9999-12-31T23:59:59.9999999, unspecified.
    pub const MAX: DateTime = DateTime {
        ticks: MAX_TICKS,
        kind: DateTimeKind::Unspecified,
    };

    /// The time `ticks` ticks after 0001-01-01T00:00:00 on the clock of `kind`. Ticks outside
    /// `0..=DateTime.MaxValue.Ticks`, or an offset beyond ±14 hours, are an error.
    pub fn new(ticks: i64, kind: DateTimeKind) -> Result<Self, DataError> {
        if !(0..=MAX_TICKS).contains(&ticks) {
            return Err(DataError::range(
                "DateTime",
                &ticks.to_string(),
                "ticks outside 0001-01-01 to 9999-12-31",
            ));
        }
        if let DateTimeKind::Local { offset_minutes } = kind
            && offset_minutes.unsigned_abs() > MAX_OFFSET.unsigned_abs()
        {
            return Err(DataError::range(
                "DateTime",
                &offset_minutes.to_string(),
                "an offset beyond ±14 hours",
            ));
        }
        Ok(DateTime { ticks, kind })
    }

    /// Midnight starting the given day of the proleptic Gregorian calendar, unspecified.
    pub fn from_date(year: u16, month: u8, day: u8) -> Result<Self, DataError> {
        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day)).ok_or_else(
            || {
                DataError::range(
                    "DateTime",
                    &format!("{year:04}-{month:02}-{day:02}"),
                    "no such day between 0001-01-01 and 9999-12-31",
                )
            },
        )?;
        Ok(DateTime {
            ticks: days * TICKS_PER_DAY,
            kind: DateTimeKind::Unspecified,
        })
    }

    /// Ticks since 0001-01-01T00:00:00 on this time's clock.
    pub const fn ticks(self) -> i64 {
        self.ticks
    }

    /// What the ticks are relative to.
    pub const fn kind(self) -> DateTimeKind {
        self.kind
    }

    /// The same clock time with another kind (an offset beyond ±14 hours is an error).
    pub fn with_kind(self, kind: DateTimeKind) -> Result<Self, DataError> {
        DateTime::new(self.ticks, kind)
    }

    /// The same instant in UTC; [`DataError::NoOffset`] for an unspecified time, and an error
    /// when the instant is outside .NET's range in UTC.
    pub fn to_utc(self) -> Result<Self, DataError> {
        let offset = match self.kind {
            DateTimeKind::Utc => 0,
            DateTimeKind::Local { offset_minutes } => offset_minutes,
            DateTimeKind::Unspecified => return Err(DataError::NoOffset),
        };
        let ticks = self.ticks - i64::from(offset) * TICKS_PER_MINUTE;
        DateTime::new(ticks, DateTimeKind::Utc).map_err(|_| {
            DataError::range(
                "DateTime",
                &self.to_string(),
                "in UTC, before 0001-01-01 or after 9999-12-31",
            )
        })
    }

    /// Year, month, day, hour, minute, second and the ticks of the second, on the clock.
    fn fields(self) -> (i64, i64, i64, i64, i64, i64, i64) {
        let days = self.ticks / TICKS_PER_DAY;
        let in_day = self.ticks % TICKS_PER_DAY;
        let (y, m, d) = civil_from_days(days);
        let seconds = in_day / TICKS_PER_SECOND;
        (
            y,
            m,
            d,
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            in_day % TICKS_PER_SECOND,
        )
    }
}

/// Days since 0001-01-01 of a day of the proleptic Gregorian calendar in years 1 to 9999.
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let length = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=length).contains(&day) {
        return None;
    }
    // Days since 0000-03-01 (a year starting in March puts the leap day last).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 306)
}

/// The day of the proleptic Gregorian calendar `days` after 0001-01-01 (not negative).
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 306;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (era * 400 + yoe + i64::from(month <= 2), month, day)
}

impl fmt::Display for DateTime {
    /// `yyyy-MM-ddTHH:mm:ss.fffffffK` with trailing fractional zeros trimmed, as the
    /// DataContractSerializer writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, fraction) = self.fields();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        write_fraction(f, fraction.unsigned_abs())?;
        match self.kind {
            DateTimeKind::Unspecified => Ok(()),
            DateTimeKind::Utc => f.write_str("Z"),
            DateTimeKind::Local { offset_minutes } => {
                let sign = if offset_minutes < 0 { '-' } else { '+' };
                let m = offset_minutes.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", m / 60, m % 60)
            }
        }
    }
}

impl FromStr for DateTime {
    type Err = DataError;

    fn from_str(text: &str) -> Result<Self, DataError> {
        const TYPE: &str = "DateTime";
        let syntax = |reason| DataError::syntax(TYPE, text, reason);
        let range = |reason| DataError::range(TYPE, text, reason);
        let mut c = Cursor::new(lexical::trim(text));
        if c.eat(b'-') {
            return Err(range("a year before 1"));
        }
        let year_digits = c.digits();
        if year_digits.len() < 4 || (year_digits.len() > 4 && year_digits.first() == Some(&b'0')) {
            return Err(syntax("expected a year of four digits"));
        }
        let year = lexical::number(year_digits)
            .and_then(|y| i64::try_from(y).ok())
            .filter(|y| (1..=9999).contains(y))
            .ok_or_else(|| range("a year outside 1 to 9999"))?;
        let date = (|| {
            let month = c.eat(b'-').then(|| c.fixed(2)).flatten()?;
            let day = c.eat(b'-').then(|| c.fixed(2)).flatten()?;
            Some((i64::from(month), i64::from(day)))
        })();
        let (month, day) = date.ok_or_else(|| syntax("expected yyyy-MM-dd"))?;
        let days = days_from_civil(year, month, day).ok_or_else(|| range("no such day"))?;
        let mut ticks = days * TICKS_PER_DAY;
        if c.eat(b'T') {
            let time = (|| {
                let h = c.fixed(2)?;
                let m = c.eat(b':').then(|| c.fixed(2)).flatten()?;
                let s = c.eat(b':').then(|| c.fixed(2)).flatten()?;
                Some((i64::from(h), i64::from(m), i64::from(s)))
            })();
            let (h, m, s) = time.ok_or_else(|| syntax("expected HH:mm:ss after `T`"))?;
            let fraction = if c.eat(b'.') {
                let digits = c.digits();
                if digits.is_empty() {
                    return Err(syntax("expected digits after `.`"));
                }
                round_fraction(digits)
            } else {
                0
            };
            if h == 24 && m == 0 && s == 0 && fraction == 0 {
                // 24:00:00 ends the day: the next midnight.
            } else if h > 23 || m > 59 || s > 59 {
                return Err(range("an hour, minute or second out of range"));
            }
            ticks += ((h * 60 + m) * 60 + s) * TICKS_PER_SECOND + fraction;
        }
        let kind = if c.eat(b'Z') {
            DateTimeKind::Utc
        } else if let Some(sign) = c.peek().filter(|b| matches!(b, b'+' | b'-')) {
            c.eat(sign);
            let zone = (|| {
                let h = c.fixed(2)?;
                let m = c.eat(b':').then(|| c.fixed(2)).flatten()?;
                Some((h, m))
            })();
            let (h, m) = zone.ok_or_else(|| syntax("expected an offset ±hh:mm"))?;
            if m > 59 || h * 60 + m > u32::from(MAX_OFFSET.unsigned_abs()) {
                return Err(range("an offset beyond ±14:00"));
            }
            let minutes = i16::try_from(h * 60 + m).unwrap_or(MAX_OFFSET);
            DateTimeKind::Local {
                offset_minutes: if sign == b'-' { -minutes } else { minutes },
            }
        } else {
            DateTimeKind::Unspecified
        };
        if !c.at_end() {
            return Err(syntax("unexpected text after the date and time"));
        }
        DateTime::new(ticks, kind).map_err(|_| range("after 9999-12-31T23:59:59.9999999"))
    }
}

/// The ticks of fractional-second `digits`: seven digits exactly, more rounded half to even on
/// the eighth and the rest (.NET's `XsdDateTime`); the result may be a whole second.
fn round_fraction(digits: &[u8]) -> i64 {
    let value = |d: &u8| i64::from(d - b'0');
    let mut ticks = digits
        .iter()
        .chain(std::iter::repeat(&b'0'))
        .take(7)
        .fold(0, |v, d| v * 10 + value(d));
    if let Some(eighth) = digits.get(7).map(value) {
        let rest_nonzero = digits.iter().skip(8).any(|d| *d != b'0');
        let round_up = eighth > 5 || (eighth == 5 && (rest_nonzero || ticks % 2 == 1));
        if round_up {
            ticks += 1;
        }
    }
    ticks
}

impl Lexical for DateTime {
    const NAME: &'static str = "{http://www.w3.org/2001/XMLSchema}dateTime";
    const EXPECTING: &'static str = "an xs:dateTime";
}

super::lexical_serde!(DateTime);

/// A .NET `System.DateTimeOffset`: an instant (UTC ticks) and the offset from UTC of the clock
/// it was read on, in whole minutes.
///
/// The DataContractSerializer writes it as a struct in [`SYSTEM_NS`](super::SYSTEM_NS) with two
/// children in this order: `DateTime`, the instant in UTC (`…Z`), and `OffsetMinutes`, a
/// `short`. Reading follows .NET's `DateTimeOffsetAdapter`: a `DateTime` without a zone is the
/// clock time at `OffsetMinutes`, one with a zone is that instant. As text (`Display`,
/// `FromStr`) it is the clock time with its offset, `2024-05-06T07:08:09+02:00`.
///
/// ```
/// # use indigo_runtime::data::DateTimeOffset;
/// let t: DateTimeOffset = "2024-05-06T07:08:09+02:00".parse().unwrap();
/// assert_eq!(t.offset_minutes(), 120);
/// assert_eq!(t.utc().to_string(), "2024-05-06T05:08:09Z");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct DateTimeOffset {
    utc_ticks: i64,
    offset_minutes: i16,
}

impl DateTimeOffset {
    /// The instant `utc_ticks` after 0001-01-01T00:00:00Z, seen at `offset_minutes` from UTC.
    /// Both the instant and its clock time must be between 0001-01-01 and 9999-12-31, and the
    /// offset within ±14 hours.
    pub fn from_utc_ticks(utc_ticks: i64, offset_minutes: i16) -> Result<Self, DataError> {
        let clock = utc_ticks.checked_add(i64::from(offset_minutes) * TICKS_PER_MINUTE);
        DateTime::new(utc_ticks, DateTimeKind::Utc)?;
        DateTime::new(clock.unwrap_or(-1), DateTimeKind::Local { offset_minutes })?;
        Ok(DateTimeOffset {
            utc_ticks,
            offset_minutes,
        })
    }

    /// The clock time `local_ticks` (after 0001-01-01T00:00:00) at `offset_minutes` from UTC.
    pub fn from_local_ticks(local_ticks: i64, offset_minutes: i16) -> Result<Self, DataError> {
        let utc = local_ticks
            .checked_sub(i64::from(offset_minutes) * TICKS_PER_MINUTE)
            .unwrap_or(-1);
        DateTimeOffset::from_utc_ticks(utc, offset_minutes)
    }

    /// Ticks of the instant since 0001-01-01T00:00:00Z.
    pub const fn utc_ticks(self) -> i64 {
        self.utc_ticks
    }

    /// Ticks of the clock time since 0001-01-01T00:00:00.
    pub const fn local_ticks(self) -> i64 {
        self.utc_ticks + self.offset_minutes as i64 * TICKS_PER_MINUTE
    }

    /// Minutes the clock is ahead of UTC.
    pub const fn offset_minutes(self) -> i16 {
        self.offset_minutes
    }

    /// The instant as a UTC [`DateTime`] (what the `DateTime` child holds).
    pub const fn utc(self) -> DateTime {
        DateTime {
            ticks: self.utc_ticks,
            kind: DateTimeKind::Utc,
        }
    }

    /// The clock time as a local [`DateTime`] with this offset.
    pub const fn local(self) -> DateTime {
        DateTime {
            ticks: self.local_ticks(),
            kind: DateTimeKind::Local {
                offset_minutes: self.offset_minutes,
            },
        }
    }

    /// .NET's `DateTimeOffsetAdapter.GetDateTimeOffset`: the `DateTime` child with the offset.
    fn from_adapter(date_time: DateTime, offset_minutes: i16) -> Result<Self, DataError> {
        match date_time.kind {
            DateTimeKind::Unspecified => {
                DateTimeOffset::from_local_ticks(date_time.ticks, offset_minutes)
            }
            _ => DateTimeOffset::from_utc_ticks(date_time.to_utc()?.ticks, offset_minutes),
        }
    }
}

impl TryFrom<DateTime> for DateTimeOffset {
    type Error = DataError;

    /// A UTC time at offset zero, a local time at its offset; [`DataError::NoOffset`] for an
    /// unspecified one.
    fn try_from(t: DateTime) -> Result<Self, DataError> {
        match t.kind {
            DateTimeKind::Utc => DateTimeOffset::from_utc_ticks(t.ticks, 0),
            DateTimeKind::Local { offset_minutes } => {
                DateTimeOffset::from_local_ticks(t.ticks, offset_minutes)
            }
            DateTimeKind::Unspecified => Err(DataError::NoOffset),
        }
    }
}

impl fmt::Display for DateTimeOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.local().fmt(f)
    }
}

impl FromStr for DateTimeOffset {
    type Err = DataError;

    /// An `xs:dateTime` with a zone (`Z` is offset zero).
    fn from_str(text: &str) -> Result<Self, DataError> {
        DateTimeOffset::try_from(text.parse::<DateTime>()?)
    }
}

/// The struct's name: its data contract, `DateTimeOffset` in [`SYSTEM_NS`](super::SYSTEM_NS).
const OFFSET_NAME: &str = "{http://schemas.datacontract.org/2004/07/System}DateTimeOffset";
// Both members required (`!`: the mark the schema tracer reads), as .NET's schema says.
const OFFSET_FIELDS: &[&str] = &["DateTime!", "OffsetMinutes!"];

impl serde::Serialize for DateTimeOffset {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct(OFFSET_NAME, 2)?;
        s.serialize_field("DateTime", &self.utc())?;
        s.serialize_field("OffsetMinutes", &self.offset_minutes)?;
        s.end()
    }
}

impl<'de> serde::Deserialize<'de> for DateTimeOffset {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(OFFSET_NAME, OFFSET_FIELDS, OffsetVisitor)
    }
}

struct OffsetVisitor;

impl<'de> Visitor<'de> for OffsetVisitor {
    type Value = DateTimeOffset;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a DateTimeOffset with DateTime and OffsetMinutes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateTimeOffset, A::Error> {
        let (mut date_time, mut offset) = (None, None);
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::DateTime => date_time = Some(map.next_value::<DateTime>()?),
                Field::OffsetMinutes => offset = Some(map.next_value::<i16>()?),
                Field::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let date_time = date_time.ok_or_else(|| de::Error::missing_field("DateTime"))?;
        let offset = offset.ok_or_else(|| de::Error::missing_field("OffsetMinutes"))?;
        DateTimeOffset::from_adapter(date_time, offset).map_err(de::Error::custom)
    }
}

/// A child of a `DateTimeOffset` element, by local name.
enum Field {
    DateTime,
    OffsetMinutes,
    Other,
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

struct FieldVisitor;

impl Visitor<'_> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Ok(match v {
            "DateTime" => Field::DateTime,
            "OffsetMinutes" => Field::OffsetMinutes,
            _ => Field::Other,
        })
    }
}
