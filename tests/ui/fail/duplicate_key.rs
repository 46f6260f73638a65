use indigo::prelude::*;

#[service_contract(session = Required, session = Allowed)]
trait Calculator {
    #[operation(initiating, initiating = false)]
    async fn clear(&mut self);
}

fn main() {}
