use indigo::prelude::*;

#[service_contract]
trait Calculator {
    async fn add(a: i32, b: i32) -> i32;
}

fn main() {}
