use indigo::prelude::*;

#[service_contract(session = Requird)]
trait Calculator {
    async fn clear(&mut self);
}

fn main() {}
