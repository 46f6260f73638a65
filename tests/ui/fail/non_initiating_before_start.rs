use indigo::prelude::*;

#[service_contract(session = Required)]
trait CalculatorSession {
    #[operation(initiating)]
    async fn clear(&mut self);
    #[operation(initiating = false)]
    async fn add_to(&mut self, n: f64);
    #[operation(initiating = false, terminating)]
    async fn equals(&mut self) -> f64;
}

async fn run() -> Result<(), indigo::Error> {
    let client = CalculatorSessionClient::connect(NetTcpBinding::new(), "net.tcp://127.0.0.1:1/calc").await?;
    client.add_to(1.0).await?;
    Ok(())
}

fn main() {
    let _ = run();
}
