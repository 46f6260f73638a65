use indigo::prelude::*;

#[service_contract]
trait Echo {
    async fn echo(&self, value: &str) -> String;
    async fn echo_cow(&self, value: std::borrow::Cow<'static, str>) -> String;
}

fn main() {}
