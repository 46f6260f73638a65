//! What `#[derive(DataContract)]` implements for a struct so that another contract can derive
//! from it (`#[data_member(base)]`, .NET's class inheritance): the base's members are written
//! first, inline, each in the base's namespace, and read back from among the derived type's
//! elements. Not meant to be implemented by hand.

use serde::de::{self, MapAccess};
use serde::ser::SerializeStruct;

/// A data contract's members, one at a time.
pub trait DataMembers: Sized {
    /// The contract's name in Clark notation, `{namespace}Name`.
    const NAME: &'static str;

    /// The members read so far.
    type Partial: Default;

    /// Writes the members (a base's first), each named `{namespace}Name`.
    fn write_members<S: SerializeStruct>(&self, state: &mut S) -> Result<(), S::Error>;

    /// The index of the member named `name` (a base's members too), if it is one.
    fn member_index(name: &str) -> Option<usize>;

    /// Reads member `index`'s value from `map` into `partial`; a member read twice is an error.
    fn read_member<'de, A: MapAccess<'de>>(
        partial: &mut Self::Partial,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// The value from the members read: a missing required member is an error naming it, a
    /// missing optional one takes its default.
    fn finish<E: de::Error>(partial: Self::Partial) -> Result<Self, E>;
}
