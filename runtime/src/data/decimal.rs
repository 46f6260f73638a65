//! `System.Decimal`.

use std::fmt;
use std::str::FromStr;

use super::lexical::{self, Cursor};
use super::{DataError, Lexical};

/// The largest magnitude of a .NET decimal's mantissa: 2^96 - 1.
const MAX_MANTISSA: u128 = (1 << 96) - 1;
/// The most digits after the decimal point.
const MAX_SCALE: u8 = 28;

/// A .NET `System.Decimal`: a 96-bit mantissa with a sign and a scale of 0 to 28 decimal
/// places, written as `xs:decimal` text keeping the scale (`-12.3400`).
///
/// The value is `mantissa / 10^scale`; equality compares representations, so `1.0` and `1.00`
/// differ here (as their texts do) though .NET finds them equal. Reading takes what .NET's
/// `XmlConvert.ToDecimal` takes: a sign (`+` or `-`), digits with an optional point, surrounding
/// whitespace; trailing fractional zeros beyond 28 places are dropped, and a value that needs
/// more than 96 bits or 28 places is an error rather than rounded. Zero has no sign.
///
/// No decimal crate is needed for the wire: [`mantissa`](Decimal::mantissa) and
/// [`scale`](Decimal::scale) are what `rust_decimal::Decimal::from_i128_with_scale` takes (it
/// has the same range), and [`Decimal::new`] takes them back.
///
/// ```
/// # use indigo_runtime::data::Decimal;
/// let d: Decimal = " -12.3400 ".parse().unwrap();
/// assert_eq!((d.mantissa(), d.scale()), (-123_400, 4));
/// assert_eq!(d.to_string(), "-12.3400");
/// assert!("79228162514264337593543950336".parse::<Decimal>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Decimal {
    /// Within ±(2^96 - 1).
    mantissa: i128,
    /// 0 to 28.
    scale: u8,
}

impl Decimal {
    /// `decimal.Zero`.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };
    /// `decimal.MaxValue`: 79228162514264337593543950335.
    pub const MAX: Decimal = Decimal {
        mantissa: MAX_MANTISSA as i128,
        scale: 0,
    };
    /// `decimal.MinValue`: -79228162514264337593543950335.
    pub const MIN: Decimal = Decimal {
        mantissa: -(MAX_MANTISSA as i128),
        scale: 0,
    };

    /// `mantissa / 10^scale`; a mantissa beyond ±(2^96 - 1) or a scale above 28 is an error.
    pub fn new(mantissa: i128, scale: u8) -> Result<Self, DataError> {
        if mantissa.unsigned_abs() > MAX_MANTISSA {
            return Err(DataError::range(
                "Decimal",
                &mantissa.to_string(),
                "a mantissa beyond 96 bits",
            ));
        }
        if scale > MAX_SCALE {
            return Err(DataError::range(
                "Decimal",
                &scale.to_string(),
                "a scale above 28",
            ));
        }
        Ok(Decimal { mantissa, scale })
    }

    /// The mantissa, with the value's sign.
    pub const fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The number of digits after the decimal point.
    pub const fn scale(self) -> u8 {
        self.scale
    }
}

impl From<i64> for Decimal {
    fn from(v: i64) -> Self {
        Decimal {
            mantissa: v.into(),
            scale: 0,
        }
    }
}

impl From<u64> for Decimal {
    fn from(v: u64) -> Self {
        Decimal {
            mantissa: v.into(),
            scale: 0,
        }
    }
}

impl From<i32> for Decimal {
    fn from(v: i32) -> Self {
        Decimal::from(i64::from(v))
    }
}

impl fmt::Display for Decimal {
    /// .NET's `decimal.ToString(CultureInfo.InvariantCulture)`: every digit of the scale.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = usize::from(self.scale);
        if self.mantissa < 0 {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(&digits);
        }
        // At least one digit before the point.
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{whole}.{fraction}")
    }
}

impl FromStr for Decimal {
    type Err = DataError;

    fn from_str(text: &str) -> Result<Self, DataError> {
        const TYPE: &str = "Decimal";
        let mut c = Cursor::new(lexical::trim(text));
        let negative = c.eat(b'-') || {
            c.eat(b'+');
            false
        };
        let whole = c.digits();
        let fraction = if c.eat(b'.') { c.digits() } else { &[] };
        if whole.is_empty() && fraction.is_empty() {
            return Err(DataError::syntax(TYPE, text, "expected digits"));
        }
        if !c.at_end() {
            return Err(DataError::syntax(
                TYPE,
                text,
                "expected only a sign, digits and a decimal point",
            ));
        }
        // Trailing fractional zeros past 28 places carry nothing.
        let mut fraction = fraction;
        while fraction.len() > usize::from(MAX_SCALE) && fraction.last() == Some(&b'0') {
            fraction = &fraction[..fraction.len() - 1];
        }
        if fraction.len() > usize::from(MAX_SCALE) {
            return Err(DataError::range(
                TYPE,
                text,
                "more than 28 digits after the point",
            ));
        }
        let mut mantissa: u128 = 0;
        for d in whole.iter().chain(fraction) {
            mantissa = mantissa * 10 + u128::from(d - b'0');
            if mantissa > MAX_MANTISSA {
                let reason = if mantissa_of(whole) > MAX_MANTISSA {
                    "beyond decimal.MaxValue"
                } else {
                    "more significant digits than a 96-bit mantissa holds"
                };
                return Err(DataError::range(TYPE, text, reason));
            }
        }
        let mantissa = i128::try_from(mantissa).unwrap_or(i128::MAX);
        Ok(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale: u8::try_from(fraction.len()).unwrap_or(MAX_SCALE),
        })
    }
}

/// The value of the whole part's digits, saturating just past the largest mantissa.
fn mantissa_of(digits: &[u8]) -> u128 {
    digits.iter().fold(0u128, |v, d| {
        (v * 10 + u128::from(d - b'0')).min(MAX_MANTISSA + 1)
    })
}

impl Lexical for Decimal {
    const NAME: &'static str = "{http://www.w3.org/2001/XMLSchema}decimal";
    const EXPECTING: &'static str = "an xs:decimal";
}

super::lexical_serde!(Decimal);
