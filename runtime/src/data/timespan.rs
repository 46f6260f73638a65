//! `System.TimeSpan`.

use std::fmt;
use std::str::FromStr;

use super::lexical::{self, Cursor};
use super::{DataError, Lexical};

/// Ticks (of 100 ns) in a second.
pub(super) const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks in a minute.
pub(super) const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
/// Ticks in an hour.
pub(super) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
/// Ticks in a day.
pub(super) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// A .NET `System.TimeSpan`: a signed number of ticks of 100 ns, written as an `xs:duration`
/// the way .NET's `XmlConvert` writes it (schema type `ser:duration`).
///
/// The text has days, hours, minutes and seconds, each left out when zero, and up to seven
/// fractional digits of seconds without trailing zeros: `PT1H2M3.5S`, `-P1DT2H`, zero is
/// `PT0S`, [`MAX`](TimeSpan::MAX) is `P10675199DT2H48M5.4775807S`. Reading takes every
/// `xs:duration` without years or months (whose length in ticks is not fixed): components
/// in any amount (`PT36H`), any number of fractional digits (truncated to ticks, as .NET
/// does), surrounding whitespace.
///
/// ```
/// # use indigo_runtime::data::TimeSpan;
/// let t: TimeSpan = "PT1H2M3.5S".parse().unwrap();
/// assert_eq!(t.ticks(), 37_235_000_000);
/// assert_eq!(TimeSpan::from_ticks(-936_000_000_000).to_string(), "-P1DT2H");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Debug)]
pub struct TimeSpan(i64);

impl TimeSpan {
    /// `TimeSpan.Zero`.
    pub const ZERO: TimeSpan = TimeSpan(0);
    /// `TimeSpan.MaxValue`: `P10675199DT2H48M5.4775807S`.
    pub const MAX: TimeSpan = TimeSpan(i64::MAX);
    /// `TimeSpan.MinValue`: `-P10675199DT2H48M5.4775808S`.
    pub const MIN: TimeSpan = TimeSpan(i64::MIN);
    /// Ticks in a second (a tick is 100 ns).
    pub const TICKS_PER_SECOND: i64 = TICKS_PER_SECOND;

    /// The span of `ticks` ticks of 100 ns.
    pub const fn from_ticks(ticks: i64) -> Self {
        TimeSpan(ticks)
    }

    /// The span in ticks of 100 ns.
    pub const fn ticks(self) -> i64 {
        self.0
    }
}

impl fmt::Display for TimeSpan {
    /// .NET's `XmlConvert.ToString(TimeSpan)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        if self.0 < 0 {
            f.write_char('-')?;
        }
        f.write_char('P')?;
        // `unsigned_abs` keeps MinValue's magnitude, 2^63.
        let ticks = self.0.unsigned_abs();
        let per = |unit: i64| ticks / unit.unsigned_abs();
        let days = per(TICKS_PER_DAY);
        let hours = per(TICKS_PER_HOUR) % 24;
        let minutes = per(TICKS_PER_MINUTE) % 60;
        let seconds = per(TICKS_PER_SECOND) % 60;
        let fraction = ticks % TICKS_PER_SECOND.unsigned_abs();
        if days != 0 {
            write!(f, "{days}D")?;
        }
        if hours != 0 || minutes != 0 || seconds != 0 || fraction != 0 {
            f.write_char('T')?;
            if hours != 0 {
                write!(f, "{hours}H")?;
            }
            if minutes != 0 {
                write!(f, "{minutes}M")?;
            }
            if seconds != 0 || fraction != 0 {
                write!(f, "{seconds}")?;
                write_fraction(f, fraction)?;
                f.write_char('S')?;
            }
        } else if days == 0 {
            f.write_str("T0S")?;
        }
        Ok(())
    }
}

/// Writes `.fffffff` for `fraction` ticks, trailing zeros trimmed; nothing for zero.
pub(super) fn write_fraction(f: &mut impl fmt::Write, fraction: u64) -> fmt::Result {
    if fraction == 0 {
        return Ok(());
    }
    let (mut fraction, mut width) = (fraction, 7);
    while fraction % 10 == 0 {
        fraction /= 10;
        width -= 1;
    }
    write!(f, ".{fraction:0width$}")
}

impl FromStr for TimeSpan {
    type Err = DataError;

    fn from_str(text: &str) -> Result<Self, DataError> {
        const TYPE: &str = "TimeSpan";
        let syntax = |reason| DataError::syntax(TYPE, text, reason);
        let mut c = Cursor::new(lexical::trim(text));
        let negative = c.eat(b'-');
        if !c.eat(b'P') {
            return Err(syntax("an xs:duration starts with `P` (or `-P`)"));
        }
        // The magnitude in ticks: at most 2^63 (MinValue), so an i128 cannot overflow on the way
        // from components that each fit a u64.
        let mut total: i128 = 0;
        let mut components = 0;
        // Date part: Y, M, D in that order; time part after `T`: H, M, S.
        let mut in_time = false;
        let mut last = 0; // the rank of the last designator, to enforce the order
        loop {
            if !in_time && c.eat(b'T') {
                in_time = true;
                if c.at_end() {
                    return Err(syntax("`T` must be followed by hours, minutes or seconds"));
                }
                continue;
            }
            if c.at_end() {
                break;
            }
            let digits = c.digits();
            if digits.is_empty() {
                return Err(syntax("expected a number"));
            }
            let value = lexical::number(digits)
                .ok_or_else(|| DataError::range(TYPE, text, "a component is too large"))?;
            let mut fraction = 0;
            if c.eat(b'.') {
                let digits = c.digits();
                if digits.is_empty() || !in_time {
                    return Err(syntax(
                        "only seconds may have a fraction, with digits after `.`",
                    ));
                }
                // Seven digits are ticks; .NET truncates the rest.
                fraction = digits
                    .iter()
                    .chain(std::iter::repeat(&b'0'))
                    .take(7)
                    .fold(0i128, |v, d| v * 10 + i128::from(d - b'0'));
                if c.peek() != Some(b'S') {
                    return Err(syntax("only seconds may have a fraction"));
                }
            }
            let (rank, unit) = match (in_time, c.peek()) {
                (false, Some(b'Y' | b'M')) => {
                    return Err(syntax(
                        "years and months have no fixed length in ticks (.NET counts 365 and 30 days)",
                    ));
                }
                (false, Some(b'D')) => (1, TICKS_PER_DAY),
                (true, Some(b'H')) => (2, TICKS_PER_HOUR),
                (true, Some(b'M')) => (3, TICKS_PER_MINUTE),
                (true, Some(b'S')) => (4, TICKS_PER_SECOND),
                _ => return Err(syntax("expected a designator: D, or H, M, S after `T`")),
            };
            if rank <= last {
                return Err(syntax("components out of order or repeated"));
            }
            last = rank;
            c.eat(c.peek().unwrap_or(0));
            total += i128::from(value) * i128::from(unit) + fraction;
            components += 1;
            if total > i128::from(i64::MAX) + 1 {
                return Err(DataError::range(TYPE, text, "beyond TimeSpan.MaxValue"));
            }
        }
        if components == 0 {
            return Err(syntax("a duration needs at least one component"));
        }
        let ticks = if negative { -total } else { total };
        i64::try_from(ticks)
            .map(TimeSpan)
            .map_err(|_| DataError::range(TYPE, text, "beyond TimeSpan.MaxValue"))
    }
}

impl Lexical for TimeSpan {
    const NAME: &'static str = "{http://schemas.microsoft.com/2003/10/Serialization/}duration";
    const EXPECTING: &'static str = "an xs:duration";
}

super::lexical_serde!(TimeSpan);

impl TryFrom<std::time::Duration> for TimeSpan {
    type Error = DataError;

    /// Whole ticks of `duration` (nanoseconds below 100 are dropped); a duration beyond
    /// [`TimeSpan::MAX`] is an error.
    fn try_from(duration: std::time::Duration) -> Result<Self, DataError> {
        i64::try_from(duration.as_nanos() / 100)
            .map(TimeSpan)
            .map_err(|_| {
                DataError::range(
                    "TimeSpan",
                    &format!("{duration:?}"),
                    "beyond TimeSpan.MaxValue",
                )
            })
    }
}

impl TryFrom<TimeSpan> for std::time::Duration {
    type Error = DataError;

    /// The span as a `Duration`; a negative span is an error.
    fn try_from(span: TimeSpan) -> Result<Self, DataError> {
        let ticks = u64::try_from(span.0).map_err(|_| {
            DataError::range(
                "TimeSpan",
                &span.to_string(),
                "a std::time::Duration cannot be negative",
            )
        })?;
        let per_second = TICKS_PER_SECOND.unsigned_abs();
        let nanos = u32::try_from(ticks % per_second * 100).unwrap_or(0);
        Ok(std::time::Duration::new(ticks / per_second, nanos))
    }
}
