use indigo::prelude::*;

#[service_contract]
struct Calculator {
    total: f64,
}

fn main() {}
