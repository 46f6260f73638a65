//! `System.Guid`.

use std::fmt;
use std::str::FromStr;

use super::{DataError, Lexical, lexical};
use crate::xml::lexical::{parse_uuid_any_case, push_uuid};

/// A .NET `System.Guid`: 16 bytes, written `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower case
/// (schema type `ser:guid`).
///
/// The bytes are kept in the order of the text (RFC 4122, as [`uuid::Uuid`] keeps them);
/// [`to_dotnet_bytes`](Guid::to_dotnet_bytes) gives .NET's `Guid.ToByteArray` order, whose first
/// three groups are little-endian. Reading accepts either case and .NET's other forms: 32 digits
/// without hyphens (`N`), in braces (`B`) or parentheses (`P`), and a `urn:uuid:` prefix.
///
/// ```
/// # use indigo_runtime::data::Guid;
/// let id: Guid = "{6F9619FF-8B86-D011-B42D-00C04FC964FF}".parse().unwrap();
/// assert_eq!(id.to_string(), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
/// assert_eq!(id.to_dotnet_bytes()[0], 0xFF);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid([u8; 16]);

impl Guid {
    /// `Guid.Empty`: all zeros.
    pub const NIL: Guid = Guid([0; 16]);

    /// The GUID with these bytes in text (RFC 4122) order.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Guid(bytes)
    }

    /// The bytes in text (RFC 4122) order.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The GUID with these bytes in .NET's `Guid.ToByteArray` order (`new Guid(byte[])`).
    pub const fn from_dotnet_bytes(b: [u8; 16]) -> Self {
        Guid(swap(b))
    }

    /// The bytes in .NET's `Guid.ToByteArray` order.
    pub const fn to_dotnet_bytes(&self) -> [u8; 16] {
        swap(self.0)
    }

    /// A random (version 4) GUID, as `Guid.NewGuid`.
    pub fn new_v4() -> Self {
        Guid(*uuid::Uuid::new_v4().as_bytes())
    }
}

/// Converts between RFC 4122 order and .NET's (the first three groups little-endian); its own
/// inverse.
const fn swap(b: [u8; 16]) -> [u8; 16] {
    [
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
        b[14], b[15],
    ]
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(36);
        push_uuid(&mut text, &self.0);
        f.write_str(&text)
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

impl FromStr for Guid {
    type Err = DataError;

    fn from_str(text: &str) -> Result<Self, DataError> {
        let t = lexical::trim(text);
        let t = t
            .strip_prefix("urn:uuid:")
            .or_else(|| t.strip_prefix('{').and_then(|t| t.strip_suffix('}')))
            .or_else(|| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
            .unwrap_or(t);
        let bytes = if t.len() == 32 {
            parse_plain(t)
        } else {
            parse_uuid_any_case(t)
        };
        bytes
            .map(Guid)
            .ok_or_else(|| DataError::syntax("Guid", text, "expected 32 hexadecimal digits"))
    }
}

/// 32 hexadecimal digits without hyphens (.NET's `N` form).
fn parse_plain(t: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    for (byte, pair) in out.iter_mut().zip(t.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

impl Lexical for Guid {
    const NAME: &'static str = "{http://schemas.microsoft.com/2003/10/Serialization/}guid";
    const EXPECTING: &'static str = "a GUID";
}

super::lexical_serde!(Guid);

impl From<uuid::Uuid> for Guid {
    fn from(id: uuid::Uuid) -> Self {
        Guid(*id.as_bytes())
    }
}

impl From<Guid> for uuid::Uuid {
    fn from(id: Guid) -> Self {
        uuid::Uuid::from_bytes(id.0)
    }
}
