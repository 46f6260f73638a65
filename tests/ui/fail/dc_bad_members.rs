//! A data contract's member rules: every broken one is reported in one compile.
use indigo::DataContract;

#[derive(DataContract, Default)]
#[data_contract(namespace = "urn:people", nmespace = "urn:typo")]
struct Person {
    #[data_member(order = -1)]
    name: String,
    #[data_member(required, emit_default = false)]
    id: i64,
    #[data_member(name = "Age")]
    years: i32,
    age: i32,
    #[data_member(name = "x:y")]
    prefixed: i32,
    #[data_member(order = 1, order = 2)]
    twice: i32,
}

fn main() {}
