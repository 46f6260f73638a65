//! Conversions to and from the [`time`] crate.
//!
//! `time` is the one date-time crate these types convert with: it is maintained, has no
//! dependencies of its own beyond small helpers, needs no platform zone database for what is
//! used here, and its types map one to one: `PrimitiveDateTime` (a clock time) is an
//! unspecified [`DateTime`], `OffsetDateTime` (an instant with an offset) a [`DateTimeOffset`]
//! or a UTC or local [`DateTime`], `Duration` a [`TimeSpan`]. Its nanoseconds hold every tick;
//! going the other way, nanoseconds below a tick (100 ns) are dropped.

use ::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::datetime::{civil_from_days, days_from_civil};
use super::timespan::{TICKS_PER_DAY, TICKS_PER_SECOND};
use super::{DataError, DateTime, DateTimeKind, DateTimeOffset, TimeSpan};

impl From<DateTime> for PrimitiveDateTime {
    /// The clock time, whatever the kind.
    fn from(t: DateTime) -> Self {
        let ticks = t.ticks();
        let (y, m, d) = civil_from_days(ticks / TICKS_PER_DAY);
        let in_day = ticks % TICKS_PER_DAY;
        let seconds = in_day / TICKS_PER_SECOND;
        // Every DateTime (years 1 to 9999) is within `time`'s range, so these cannot fail; the
        // fallbacks keep the conversion total without a panic.
        let date = Month::try_from(u8::try_from(m).unwrap_or(1))
            .ok()
            .and_then(|month| {
                let day = u8::try_from(d).unwrap_or(1);
                Date::from_calendar_date(i32::try_from(y).unwrap_or(1), month, day).ok()
            })
            .unwrap_or(Date::MIN);
        let nanos = u32::try_from(in_day % TICKS_PER_SECOND * 100).unwrap_or(0);
        let time = Time::from_hms_nano(
            u8::try_from(seconds / 3600).unwrap_or(0),
            u8::try_from(seconds / 60 % 60).unwrap_or(0),
            u8::try_from(seconds % 60).unwrap_or(0),
            nanos,
        )
        .unwrap_or(Time::MIDNIGHT);
        PrimitiveDateTime::new(date, time)
    }
}

impl TryFrom<PrimitiveDateTime> for DateTime {
    type Error = DataError;

    /// An unspecified time; years outside 1 to 9999 are an error, nanoseconds below a tick are
    /// dropped.
    fn try_from(t: PrimitiveDateTime) -> Result<Self, DataError> {
        clock_ticks(t).and_then(|ticks| DateTime::new(ticks, DateTimeKind::Unspecified))
    }
}

/// The ticks of `t`'s clock time since 0001-01-01.
fn clock_ticks(t: PrimitiveDateTime) -> Result<i64, DataError> {
    let days = days_from_civil(
        i64::from(t.year()),
        i64::from(u8::from(t.month())),
        i64::from(t.day()),
    )
    .ok_or_else(|| DataError::range("DateTime", &t.to_string(), "a year outside 1 to 9999"))?;
    let seconds = (i64::from(t.hour()) * 60 + i64::from(t.minute())) * 60 + i64::from(t.second());
    Ok(days * TICKS_PER_DAY + seconds * TICKS_PER_SECOND + i64::from(t.nanosecond() / 100))
}

/// The offset of `t` in whole minutes within ±14 hours.
fn offset_minutes(offset: UtcOffset) -> Result<i16, DataError> {
    let seconds = offset.whole_seconds();
    if seconds % 60 != 0 || seconds.abs() > 14 * 3600 {
        return Err(DataError::range(
            "DateTimeOffset",
            &offset.to_string(),
            "an offset not in whole minutes within ±14 hours",
        ));
    }
    i16::try_from(seconds / 60).map_err(|_| DataError::NoOffset)
}

impl TryFrom<OffsetDateTime> for DateTime {
    type Error = DataError;

    /// A UTC time when the offset is zero, otherwise a local time at the offset (whole minutes
    /// within ±14 hours), the clock time kept.
    fn try_from(t: OffsetDateTime) -> Result<Self, DataError> {
        let ticks = clock_ticks(PrimitiveDateTime::new(t.date(), t.time()))?;
        let kind = if t.offset().is_utc() {
            DateTimeKind::Utc
        } else {
            DateTimeKind::Local {
                offset_minutes: offset_minutes(t.offset())?,
            }
        };
        DateTime::new(ticks, kind)
    }
}

impl TryFrom<DateTime> for OffsetDateTime {
    type Error = DataError;

    /// The clock time at its offset (zero for UTC); [`DataError::NoOffset`] for an unspecified
    /// time.
    fn try_from(t: DateTime) -> Result<Self, DataError> {
        let minutes = match t.kind() {
            DateTimeKind::Utc => 0,
            DateTimeKind::Local { offset_minutes } => offset_minutes,
            DateTimeKind::Unspecified => return Err(DataError::NoOffset),
        };
        let offset = UtcOffset::from_whole_seconds(i32::from(minutes) * 60)
            .map_err(|_| DataError::NoOffset)?;
        Ok(PrimitiveDateTime::from(t).assume_offset(offset))
    }
}

impl TryFrom<OffsetDateTime> for DateTimeOffset {
    type Error = DataError;

    /// The same instant and offset (whole minutes within ±14 hours); nanoseconds below a tick are
    /// dropped.
    fn try_from(t: OffsetDateTime) -> Result<Self, DataError> {
        let ticks = clock_ticks(PrimitiveDateTime::new(t.date(), t.time()))?;
        DateTimeOffset::from_local_ticks(ticks, offset_minutes(t.offset())?)
    }
}

impl From<DateTimeOffset> for OffsetDateTime {
    fn from(t: DateTimeOffset) -> Self {
        let offset = UtcOffset::from_whole_seconds(i32::from(t.offset_minutes()) * 60)
            .unwrap_or(UtcOffset::UTC);
        PrimitiveDateTime::from(t.local()).assume_offset(offset)
    }
}

impl TryFrom<::time::Duration> for TimeSpan {
    type Error = DataError;

    /// Whole ticks (toward zero); beyond [`TimeSpan::MAX`] or [`TimeSpan::MIN`] is an error.
    fn try_from(d: ::time::Duration) -> Result<Self, DataError> {
        i64::try_from(d.whole_nanoseconds() / 100)
            .map(TimeSpan::from_ticks)
            .map_err(|_| DataError::range("TimeSpan", &d.to_string(), "beyond TimeSpan's range"))
    }
}

impl From<TimeSpan> for ::time::Duration {
    fn from(t: TimeSpan) -> Self {
        let ticks = t.ticks();
        let nanos = i32::try_from(ticks % TICKS_PER_SECOND * 100).unwrap_or(0);
        ::time::Duration::new(ticks / TICKS_PER_SECOND, nanos)
    }
}
