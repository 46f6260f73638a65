use indigo::prelude::*;

#[service_contract]
trait Logger {
    #[operation(one_way)]
    async fn log(&self, line: String) -> u32;
}

fn main() {}
