use indigo::prelude::*;

#[service_contract]
trait Calculator {
    fn clear(&mut self);
    #[operation(initiating = false)]
    async fn add_to(&mut self, n: &f64);
    #[operation(one_way)]
    async fn equals(&mut self) -> f64;
}

fn main() {}
