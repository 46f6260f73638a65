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
    let _ = CartClient::connect(BasicHttpBinding::new(), "http://127.0.0.1:8080/cart").await;
    let _ = ServiceHost::builder().endpoint(
        CartContract::per_session(|| Shop),
        BasicHttpBinding::new(),
        "http://127.0.0.1:8080/cart",
    );
    let _ = indigo::http::router(CartContract::per_session(|| Shop), WsHttpBinding::new());
}

fn main() {
    let _ = wire();
}
