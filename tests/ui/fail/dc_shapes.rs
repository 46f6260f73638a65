//! What cannot be a data contract: a tuple struct, an enum variant with data, a union, generics.
use indigo::DataContract;

#[derive(DataContract)]
struct Pair(i32, i32);

#[derive(DataContract)]
enum Shape {
    Circle,
    Square(f64),
}

#[derive(DataContract)]
union Bits {
    int: u32,
    float: f32,
}

#[derive(DataContract)]
struct Wrapper<T> {
    value: T,
}

#[derive(DataContract)]
enum Empty {}



#[derive(DataContract)]
#[data_contract(is_reference)]
enum Referred {
    One,
}
fn main() {}
