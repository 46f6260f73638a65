use indigo::prelude::*;

#[service_contract(sesion = Required)]
trait Calculator {
    #[operation(initating = false)]
    async fn clear(&mut self);
}

fn main() {}
