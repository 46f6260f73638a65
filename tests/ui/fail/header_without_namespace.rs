//! A header needs its element's namespace.
use indigo::message::Header;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Header)]
#[header(name = "Tenant", must_understand)]
struct Tenant {
    id: u32,
}

fn main() {}
