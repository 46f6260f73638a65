use indigo::prelude::*;

#[service_contract]
trait Calculator {
    async fn clear(&mut self);
    #[operation(initiating = false)]
    async fn add_to(&mut self, n: f64);
}

fn main() {}
