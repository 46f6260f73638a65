//! A header's name is an XML element name without a prefix.
use indigo::message::Header;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Header)]
#[header(namespace = "urn:example:tenancy", name = "1bad")]
struct Tenant {
    id: u32,
}

#[derive(Serialize, Deserialize, Header)]
#[header(namespace = "urn:example:tenancy", name = "t:Trace")]
struct Trace {
    id: u32,
}

fn main() {}
