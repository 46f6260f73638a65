use indigo::prelude::*;

#[service_contract(session = NotAllowed)]
trait Clock {
    async fn now(&self) -> i64;
}

struct Wall;

impl Clock for Wall {
    async fn now(&self) -> i64 {
        0
    }
}

async fn wire() {
    let _ = ClockClient::connect(NetTcpBinding::new(), "net.tcp://127.0.0.1:1/clock").await;
    let _ = ServiceHost::builder().endpoint(
        ClockContract::single(Wall),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/clock",
    );
}

fn main() {
    let _ = wire();
}
