//! `System.Char`.

use std::fmt;
use std::str::FromStr;

use super::{DataError, Lexical, lexical};

/// A .NET `System.Char`: one UTF-16 code unit, written as its number (`65` for `A`; schema
/// type `ser:char`).
///
/// A code unit may be half of a surrogate pair, which no Rust `char` can hold
/// ([`DataError::Surrogate`]), and a Rust `char` outside the Basic Multilingual Plane needs two
/// code units, which no .NET char can hold ([`DataError::NotBmp`]).
///
/// ```
/// # use indigo_runtime::data::Char;
/// let c = Char::try_from('A').unwrap();
/// assert_eq!(c.to_string(), "65");
/// assert!(Char::try_from('😀').is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct Char(u16);

impl Char {
    /// The .NET char with this UTF-16 code unit.
    pub const fn new(code_unit: u16) -> Self {
        Char(code_unit)
    }

    /// The UTF-16 code unit.
    pub const fn code_unit(self) -> u16 {
        self.0
    }
}

impl From<u16> for Char {
    fn from(code_unit: u16) -> Self {
        Char(code_unit)
    }
}

impl From<Char> for u16 {
    fn from(c: Char) -> Self {
        c.0
    }
}

impl TryFrom<char> for Char {
    type Error = DataError;

    fn try_from(c: char) -> Result<Self, DataError> {
        u16::try_from(u32::from(c))
            .map(Char)
            .map_err(|_| DataError::NotBmp(c))
    }
}

impl TryFrom<Char> for char {
    type Error = DataError;

    fn try_from(c: Char) -> Result<Self, DataError> {
        char::from_u32(u32::from(c.0)).ok_or(DataError::Surrogate(c.0))
    }
}

impl fmt::Display for Char {
    /// The code unit as a decimal number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Char {
    type Err = DataError;

    /// An integer from 0 to 65535, as .NET reads one (`XmlConvert.ToInt32`, then a range check).
    fn from_str(text: &str) -> Result<Self, DataError> {
        let t = lexical::trim(text);
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DataError::syntax("Char", text, "expected an integer"));
        }
        t.parse::<i32>()
            .ok()
            .and_then(|value| u16::try_from(value).ok())
            .map(Char)
            .ok_or_else(|| DataError::range("Char", text, "outside 0 to 65535"))
    }
}

impl Lexical for Char {
    const NAME: &'static str = "{http://schemas.microsoft.com/2003/10/Serialization/}char";
    const EXPECTING: &'static str = "a UTF-16 code unit as an integer";
}

super::lexical_serde!(Char);
