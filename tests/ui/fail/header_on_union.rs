//! Only a struct or an enum can be a header.
use indigo::message::Header;

#[derive(Header)]
#[header(namespace = "urn:example:tenancy")]
union Raw {
    int: u32,
    float: f32,
}

fn main() {}
