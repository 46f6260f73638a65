use indigo::prelude::*;

#[service_contract]
trait Calculator {
    async fn add(&self, a: i32, b: i32) -> i32;
    #[operation(name = "Add")]
    async fn add_floats(&self, a: f64, b: f64) -> f64;
}

fn main() {}
