//! [`MessageId`]: WS-Addressing message ids (`MessageID`, `RelatesTo`), as WCF's `UniqueId`.

use std::convert::Infallible;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use super::SharedStr;
use crate::xml::lexical::{parse_uuid, parse_uuid_any_case, push_uuid};

/// A message id: a GUID (written `urn:uuid:` and 36 lowercase hex digits and dashes, or as 16
/// bytes by the binary encoding) or any other URI, kept as text.
///
/// Ids the program makes are GUIDs, so they are never printed or parsed on the way; an id read
/// from the wire is a GUID exactly when its text is the canonical lowercase form, so it is written
/// back as it came. Ids are equal when they name the same GUID (`urn:uuid:` in any case), else
/// when their texts are.
#[derive(Clone)]
pub enum MessageId {
    /// A GUID, as its 16 bytes in RFC 4122 order.
    Uuid([u8; 16]),
    /// Any other id.
    Text(SharedStr),
}

impl MessageId {
    /// The id of a GUID given as a number (RFC 4122 byte order, as `uuid::Uuid::as_u128`).
    pub const fn from_u128(id: u128) -> Self {
        MessageId::Uuid(id.to_be_bytes())
    }

    /// A new random GUID id.
    pub fn new_random() -> Self {
        MessageId::from_u128(uuid::Uuid::new_v4().as_u128())
    }

    /// Reads an id: a canonical lowercase `urn:uuid:` GUID becomes [`MessageId::Uuid`], anything
    /// else [`MessageId::Text`].
    pub fn parse(text: &str) -> Self {
        match text.strip_prefix("urn:uuid:").and_then(parse_uuid) {
            Some(bytes) => MessageId::Uuid(bytes),
            None => MessageId::Text(SharedStr::from(text.to_owned())),
        }
    }

    /// The GUID as a number, if the id is one (a text id `urn:uuid:` with a GUID in either
    /// case counts).
    pub fn as_u128(&self) -> Option<u128> {
        self.guid().map(u128::from_be_bytes)
    }

    fn guid(&self) -> Option<[u8; 16]> {
        match self {
            MessageId::Uuid(bytes) => Some(*bytes),
            MessageId::Text(text) => {
                let (scheme, rest) = text.split_at_checked(9)?;
                if scheme.eq_ignore_ascii_case("urn:uuid:") {
                    parse_uuid_any_case(rest)
                } else {
                    None
                }
            }
        }
    }
}

impl PartialEq for MessageId {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (MessageId::Uuid(a), MessageId::Uuid(b)) => a == b,
            _ => match (self.guid(), other.guid()) {
                (Some(a), Some(b)) => a == b,
                (None, None) => self.to_string() == other.to_string(),
                _ => false,
            },
        }
    }
}

impl Eq for MessageId {}

impl Hash for MessageId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.guid() {
            Some(bytes) => bytes.hash(state),
            None => self.to_string().hash(state),
        }
    }
}

impl FromStr for MessageId {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<Self, Infallible> {
        Ok(MessageId::parse(text))
    }
}

impl From<&str> for MessageId {
    fn from(text: &str) -> Self {
        MessageId::parse(text)
    }
}

impl From<String> for MessageId {
    fn from(text: String) -> Self {
        match text.strip_prefix("urn:uuid:").and_then(parse_uuid) {
            Some(bytes) => MessageId::Uuid(bytes),
            None => MessageId::Text(SharedStr::from(text)),
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageId::Uuid(bytes) => {
                let mut text = String::with_capacity(36);
                push_uuid(&mut text, bytes);
                write!(f, "urn:uuid:{text}")
            }
            MessageId::Text(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_guids_are_guids_and_the_rest_text() {
        let text = "urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53";
        let id = MessageId::parse(text);
        assert_eq!(id.as_u128(), Some(0x9ba7443b_d21a_4e69_997c_df2a16b02e53));
        assert_eq!(id.to_string(), text);
        // Another case is kept as text (and written back as it came), but names the same GUID.
        let upper = MessageId::parse("urn:uuid:9BA7443B-D21A-4E69-997C-DF2A16B02E53");
        assert!(matches!(upper, MessageId::Text(_)));
        assert_eq!(upper, id);
        assert_eq!(upper.as_u128(), id.as_u128());
        use std::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        assert_eq!(state.hash_one(&upper), state.hash_one(&id));
        for other in [
            "uuid:9ba7443b-d21a-4e69-997c-df2a16b02e53",
            "urn:uuid:9ba7443b-d21a-4e69-997c-df2a16b02e5",
            "http://example.org/id/1",
        ] {
            let id = MessageId::parse(other);
            assert_eq!(id, MessageId::Text(SharedStr::from(other.to_owned())));
            assert_eq!(id.to_string(), other);
        }
        assert_eq!(
            MessageId::from_u128(uuid::Uuid::parse_str(&text[9..]).unwrap().as_u128()),
            id
        );
    }
}
