use indigo::prelude::*;

#[service_contract]
trait Echo {
    async fn echo(&self, value: impl serde::Serialize) -> String;
}

fn main() {}
