//! A header is a serde data contract: the type implements `Serialize` and `Deserialize`.
use indigo::message::Header;

#[derive(Header)]
#[header(namespace = "urn:example:tenancy")]
struct Tenant {
    id: u32,
}

fn main() {}
