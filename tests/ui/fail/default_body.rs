use indigo::prelude::*;

#[service_contract]
trait Echo {
    async fn echo(&self, value: String) -> String {
        value
    }
}

fn main() {}
