use indigo::prelude::*;

#[service_contract(session = Required)]
trait Cart {
    #[operation(initiating)]
    async fn open(&mut self);
    #[operation(initiating = false, terminating)]
    async fn checkout(&mut self) -> u32;
}

struct Shop;

impl Cart for Shop {
    async fn open(&mut self) {}
    async fn checkout(&mut self) -> u32 {
        0
    }
}

async fn wire() {
    let _ = CartClient::connect(MemoryDatagramBinding::new(), "memory://cart").await;
    let _ = ServiceHost::builder().endpoint(
        CartContract::per_session(|| Shop),
        MemoryDatagramBinding::new(),
        "memory://cart",
    );
}

fn main() {
    let _ = wire();
}
