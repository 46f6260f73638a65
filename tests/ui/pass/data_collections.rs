use std::collections::{BTreeSet, HashMap};

use indigo::DataContract;
use indigo::data::Flags;

#[derive(DataContract, Default, PartialEq)]
#[data_contract(collection, name = "Tags", namespace = "urn:x", item = "Tag")]
struct Tags(BTreeSet<String>);

#[derive(DataContract, Default, PartialEq)]
#[data_contract(collection, item = "Entry")]
struct Scores(HashMap<String, i64>);

#[derive(DataContract, Clone, Copy, PartialEq, Debug)]
#[data_contract(flags)]
enum Perms {
    Read,
    Write,
}

#[derive(DataContract)]
struct Holder {
    tags: Tags,
    scores: Scores,
    perms: Flags<Perms>,
    #[data_member(required)]
    one: Perms,
}

fn main() {
    let _ = Flags::from(Perms::Read) | Perms::Write;
}
