//! An unknown `#[header]` key is an error, not ignored.
use indigo::message::Header;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Header)]
#[header(namespace = "urn:example:tenancy", must_understnad)]
struct Tenant {
    id: u32,
}

fn main() {}
