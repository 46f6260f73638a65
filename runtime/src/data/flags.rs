//! .NET's `[Flags]` enums: a set of a data-contract enum's members, written as the
//! DataContractSerializer writes a `[Flags]` value.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, EnumAccess, VariantAccess, Visitor};
use serde::ser::{self, Serializer};

/// A `[Flags]` data contract: a unit-only enum whose members are bits. `#[derive(DataContract)]`
/// with `#[data_contract(flags)]` implements it; its values travel in a [`Flags`] set.
pub trait FlagsContract: Copy + PartialEq + 'static {
    /// The contract's name in Clark notation, `{namespace}Name`.
    const NAME: &'static str;
    /// The members in declaration order: the value, its wire name (`EnumMember`'s `Value`) and
    /// its bits (the enum's discriminant, or `2^i` for the `i`th member without one).
    const MEMBERS: &'static [(Self, &'static str, u64)];
    /// The members as serde's variant list gives them to the schema tracer: `Name|bits`.
    const VARIANTS: &'static [&'static str];

    /// The member's bits.
    fn bits(self) -> u64 {
        Self::MEMBERS
            .iter()
            .find(|(member, _, _)| *member == self)
            .map_or(0, |(_, _, bits)| *bits)
    }
}

/// A set of a [`FlagsContract`]'s members: .NET's value of a `[Flags]` enum type.
///
/// It travels as the DataContractSerializer writes one: the name of the member whose value it
/// is, else the names of the members it holds, in declaration order, separated by spaces
/// (`Read Write`); the empty set as empty text (or the name of a member whose value is 0). Bits
/// that no combination of members gives cannot be written (.NET refuses them too). Reading
/// takes the names in any order, separated by any XML whitespace; an unknown name is an error.
///
/// ```
/// # use indigo_runtime::data::Flags;
/// # #[derive(Clone, Copy, PartialEq, Debug)] enum Perms { Read, Write }
/// # impl indigo_runtime::data::FlagsContract for Perms {
/// #     const NAME: &'static str = "{urn:x}Perms";
/// #     const MEMBERS: &'static [(Self, &'static str, u64)] =
/// #         &[(Perms::Read, "Read", 1), (Perms::Write, "Write", 2)];
/// #     const VARIANTS: &'static [&'static str] = &["Read|1", "Write|2"];
/// # }
/// let both = Flags::from(Perms::Read) | Perms::Write;
/// assert!(both.contains(Perms::Write));
/// assert_eq!(both.bits(), 3);
/// assert_eq!(both.to_string(), "Read Write");
/// assert_eq!(Flags::<Perms>::empty().to_string(), "");
/// ```
pub struct Flags<T> {
    bits: u64,
    marker: PhantomData<fn() -> T>,
}

impl<T: FlagsContract> Flags<T> {
    /// The empty set (the value 0).
    pub const fn empty() -> Self {
        Flags {
            bits: 0,
            marker: PhantomData,
        }
    }

    /// The set with these bits, if its members can make them.
    pub fn from_bits(bits: u64) -> Option<Self> {
        let all = T::MEMBERS.iter().fold(0, |all, (_, _, b)| all | b);
        (bits & !all == 0).then_some(Flags {
            bits,
            marker: PhantomData,
        })
    }

    /// The value's bits.
    pub const fn bits(self) -> u64 {
        self.bits
    }

    /// Whether the value is 0.
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// Whether every bit of `member` is set.
    pub fn contains(self, member: T) -> bool {
        let bits = member.bits();
        self.bits & bits == bits
    }

    /// Sets `member`'s bits.
    pub fn insert(&mut self, member: T) {
        self.bits |= member.bits();
    }

    /// Clears `member`'s bits.
    pub fn remove(&mut self, member: T) {
        self.bits &= !member.bits();
    }

    /// The members whose bits are all set, in declaration order (a member of value 0 only when
    /// the value is 0).
    pub fn members(self) -> impl Iterator<Item = T> {
        T::MEMBERS
            .iter()
            .filter(move |(_, _, bits)| {
                if *bits == 0 {
                    self.bits == 0
                } else {
                    self.bits & bits == *bits
                }
            })
            .map(|(member, _, _)| *member)
    }

    /// The wire text, as `EnumDataContract.WriteEnumValue` writes it; `None` when bits are left
    /// that no member holds.
    fn text(self) -> Option<String> {
        if let Some((_, name, _)) = T::MEMBERS.iter().find(|(_, _, b)| *b == self.bits) {
            return Some((*name).to_owned());
        }
        let mut left = self.bits;
        let mut text = String::new();
        for (_, name, bits) in T::MEMBERS {
            if left == 0 {
                break;
            }
            if *bits != 0 && left & bits == *bits {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(name);
                left &= !bits;
            }
        }
        (left == 0).then_some(text)
    }

    /// Parses the wire text: member names separated by XML whitespace.
    fn parse(text: &str) -> Result<Self, String> {
        let mut bits = 0;
        for token in text
            .split([' ', '\t', '\r', '\n'])
            .filter(|t| !t.is_empty())
        {
            match T::MEMBERS.iter().find(|(_, name, _)| *name == token) {
                Some((_, _, b)) => bits |= b,
                None => {
                    let excerpt: String = token.chars().take(64).collect();
                    return Err(format!(
                        "`{excerpt}` is not a member of the [Flags] data contract `{}`",
                        crate::xml::split_clark(T::NAME).1
                    ));
                }
            }
        }
        Ok(Flags {
            bits,
            marker: PhantomData,
        })
    }
}

impl<T: FlagsContract> Default for Flags<T> {
    fn default() -> Self {
        Flags::empty()
    }
}

impl<T> Clone for Flags<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Flags<T> {}

impl<T> PartialEq for Flags<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<T> Eq for Flags<T> {}

impl<T> std::hash::Hash for Flags<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<T: FlagsContract + fmt::Debug> fmt::Debug for Flags<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.members()).finish()
    }
}

/// The wire text (empty for 0); bits no member holds are written as a number after the names.
impl<T: FlagsContract> fmt::Display for Flags<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(text) => f.write_str(&text),
            None => write!(f, "{:#x}", self.bits),
        }
    }
}

impl<T: FlagsContract> From<T> for Flags<T> {
    fn from(member: T) -> Self {
        Flags {
            bits: member.bits(),
            marker: PhantomData,
        }
    }
}

impl<T: FlagsContract> FromIterator<T> for Flags<T> {
    fn from_iter<I: IntoIterator<Item = T>>(members: I) -> Self {
        let mut flags = Flags::empty();
        for member in members {
            flags.insert(member);
        }
        flags
    }
}

impl<T: FlagsContract> std::ops::BitOr<T> for Flags<T> {
    type Output = Flags<T>;

    fn bitor(mut self, member: T) -> Flags<T> {
        self.insert(member);
        self
    }
}

impl<T: FlagsContract> std::ops::BitOr for Flags<T> {
    type Output = Flags<T>;

    fn bitor(self, other: Flags<T>) -> Flags<T> {
        Flags {
            bits: self.bits | other.bits,
            marker: PhantomData,
        }
    }
}

/// A newtype struct named after the contract around the text: the XML body format writes it as
/// the element's text (a sequence item named after the contract, in its namespace).
impl<T: FlagsContract> serde::Serialize for Flags<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.text().ok_or_else(|| {
            <S::Error as ser::Error>::custom(format_args!(
                "{:#x} is not a combination of the members of the [Flags] data contract `{}`",
                self.bits,
                crate::xml::split_clark(T::NAME).1
            ))
        })?;
        serializer.serialize_newtype_struct(T::NAME, &text)
    }
}

/// Read as an enum whose variant is the whole text, which the schema tracer sees as the
/// contract's `[Flags]` enumeration.
impl<'de, T: FlagsContract> serde::Deserialize<'de> for Flags<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_enum(T::NAME, T::VARIANTS, FlagsVisitor(PhantomData))
    }
}

struct FlagsVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: FlagsContract> Visitor<'de> for FlagsVisitor<T> {
    type Value = Flags<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "members of the [Flags] data contract `{}`",
            crate::xml::split_clark(T::NAME).1
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Flags<T>, E> {
        Flags::parse(text).map_err(E::custom)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Flags<T>, A::Error> {
        let (text, variant): (String, _) = data.variant()?;
        variant.unit_variant()?;
        Flags::parse(&text).map_err(de::Error::custom)
    }
}
