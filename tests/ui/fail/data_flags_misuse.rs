use indigo::DataContract;

#[derive(DataContract)]
#[data_contract(flags)]
struct NotAnEnum {
    bits: u32,
}

#[derive(DataContract, Clone, Copy, PartialEq)]
#[data_contract(flags)]
enum Mixed {
    Read = 1,
    Write,
}

const THREE: isize = 3;

#[derive(DataContract, Clone, Copy, PartialEq)]
#[data_contract(flags)]
enum NotLiteral {
    Read = THREE,
}

#[derive(DataContract, Clone, Copy, PartialEq)]
#[data_contract(flags, collection, item = "X")]
enum Both {
    Read,
}

fn main() {}
