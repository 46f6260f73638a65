use indigo::prelude::*;

#[service_contract]
trait Door {
    async fn close(&mut self);
}

fn main() {}
