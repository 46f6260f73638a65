// A layer that keeps the binding's shape keeps its session capability: a `session = Required`
// contract still does not compile on a layered HTTP binding.
use indigo::binding::Layered;
use indigo::channel::fault_injection::FaultInjection;
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
    let binding = Layered::new(BasicHttpBinding::new(), FaultInjection::new(1));
    let _ = ServiceHost::builder().endpoint(
        CartContract::per_session(|| Shop),
        binding,
        "http://127.0.0.1:8080/cart",
    );
}

fn main() {
    let _ = wire();
}
