use indigo::prelude::*;

#[service_contract]
trait Store<T> {
    async fn get(&self, key: String) -> String;
}

fn main() {}
