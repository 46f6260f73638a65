//! A `#[header]` key is given once, also across several `#[header]` attributes.
use indigo::message::Header;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Header)]
#[header(namespace = "urn:example:tenancy", name = "Tenant", name = "Client")]
struct Tenant {
    id: u32,
}

#[derive(Serialize, Deserialize, Header)]
#[header(namespace = "urn:example:tenancy", must_understand)]
#[header(must_understand = false)]
struct Trace {
    id: u32,
}

fn main() {}
