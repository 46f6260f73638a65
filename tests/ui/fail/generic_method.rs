use indigo::prelude::*;

#[service_contract]
trait Echo {
    async fn echo<T: serde::Serialize>(&self, value: T) -> T;
}

fn main() {}
