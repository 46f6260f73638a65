use indigo::prelude::*;

#[service_contract(session = Allowed)]
trait Calculator {
    async fn clear(&mut self);
    #[operation(terminating)]
    async fn equals(&mut self) -> f64;
}

fn main() {}
