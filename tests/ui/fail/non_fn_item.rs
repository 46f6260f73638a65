use indigo::prelude::*;

#[service_contract]
trait Store {
    const LIMIT: usize;
    async fn get(&self, key: String) -> String;
}

fn main() {}
