use indigo::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Full;

#[service_contract]
trait Logger {
    #[operation(one_way)]
    async fn log(&self, line: String) -> Result<(), Full>;
}

fn main() {}
