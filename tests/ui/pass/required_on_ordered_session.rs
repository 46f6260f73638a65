// A layer that provides a session makes a `session = Required` contract compile on HTTP.
use indigo::binding::OrderedSession;
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
    let binding = OrderedSession::new(WsHttpBinding::new());
    let _ = CartClient::connect(binding.clone(), "http://127.0.0.1:8080/cart").await;
    let _ = ServiceHost::builder().endpoint(
        CartContract::per_session(|| Shop),
        binding,
        "http://127.0.0.1:8080/cart",
    );
    let _ = OrderedSession::new(BasicHttpBinding::new());
}

fn main() {
    let _ = wire();
}
