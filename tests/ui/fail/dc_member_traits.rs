//! A member that may be missing on the wire needs `Default`; one left out when default needs
//! `PartialEq` too. The errors point at the member's type.
use indigo::DataContract;

#[derive(serde::Serialize, serde::Deserialize)]
struct Opaque;

#[derive(DataContract)]
struct Holder {
    kept: Opaque,
    #[data_member(emit_default = false)]
    skipped_when_default: Opaque,
}

fn main() {}
