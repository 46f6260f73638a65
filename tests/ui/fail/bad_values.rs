use indigo::prelude::*;

#[service_contract(name = Calculator)]
trait Calculator {
    #[operation(initiating = "yes")]
    async fn clear(&mut self);
}

fn main() {}
