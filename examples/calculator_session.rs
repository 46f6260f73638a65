//! The seed's calculator session over TCP (.NET Message Framing, SOAP 1.2) on loopback.
//!
//! The service keeps a running total per session: `clear` starts a session (and builds the
//! instance), `equals` ends it (and the instance is released). A second client in parallel keeps
//! its own total. The host also publishes the endpoint's WSDL over HTTP GET, as WCF's
//! `ServiceMetadataBehavior` does.
//!
//! Run it with `cargo run --example calculator_session`.

use std::sync::atomic::{AtomicUsize, Ordering};

use indigo::binding::NetTcpBinding;
use indigo::prelude::*;
use indigo::service::ServiceHost;

/// The seed's ICalculatorSession contract.
#[service_contract(name = "ICalculatorSession", namespace = "http://peers.test/calc", session = Required)]
pub trait CalculatorSession {
    /// Starts a session with a total of zero.
    #[operation(initiating)]
    async fn clear(&mut self);
    /// Adds `n` to the total.
    #[operation(initiating = false)]
    async fn add_to(&mut self, n: f64);
    /// Subtracts `n` from the total.
    #[operation(initiating = false)]
    async fn subtract_from(&mut self, n: f64);
    /// Multiplies the total by `n`.
    #[operation(initiating = false)]
    async fn multiply_by(&mut self, n: f64);
    /// Divides the total by `n`.
    #[operation(initiating = false)]
    async fn divide_by(&mut self, n: f64);
    /// Returns the total and ends the session.
    #[operation(initiating = false, terminating)]
    async fn equals(&mut self) -> f64;
}

static INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// One calculator per session.
struct Calculator {
    id: usize,
    total: f64,
}

impl Calculator {
    fn new() -> Self {
        let id = INSTANCES.fetch_add(1, Ordering::SeqCst) + 1;
        println!("  [service] calculator #{id} built (session started)");
        Calculator { id, total: 0.0 }
    }
}

impl Drop for Calculator {
    fn drop(&mut self) {
        println!(
            "  [service] calculator #{} dropped (session ended)",
            self.id
        );
    }
}

impl CalculatorSession for Calculator {
    async fn clear(&mut self) {
        self.total = 0.0;
    }
    async fn add_to(&mut self, n: f64) {
        self.total += n;
    }
    async fn subtract_from(&mut self, n: f64) {
        self.total -= n;
    }
    async fn multiply_by(&mut self, n: f64) {
        self.total *= n;
    }
    async fn divide_by(&mut self, n: f64) {
        self.total /= n;
    }
    async fn equals(&mut self) -> f64 {
        self.total
    }
}

#[tokio::main]
async fn main() -> Result<(), indigo::Error> {
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(Calculator::new),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/calc/session",
        )
        // WCF's ServiceMetadataBehavior { HttpGetEnabled = true, HttpGetUrl = … }.
        .metadata_http("http://127.0.0.1:0/calc/mex")
        .open()
        .await?;
    let address = host.address().to_owned();
    println!("service listening at {address}");
    if let Some(mex) = host.metadata_address() {
        println!("its WSDL: GET {mex}?wsdl");
    }

    let first = async {
        let client = CalculatorSessionClient::connect(NetTcpBinding::new(), &address).await?;
        let (calc, ()) = client.clear().await?;
        calc.add_to(100.0).await?;
        calc.subtract_from(50.0).await?;
        calc.multiply_by(17.65).await?;
        calc.divide_by(2.0).await?;
        calc.equals().await
    };
    let second = async {
        let client = CalculatorSessionClient::connect(NetTcpBinding::new(), &address).await?;
        let (calc, ()) = client.clear().await?;
        calc.add_to(7.0).await?;
        calc.multiply_by(6.0).await?;
        calc.equals().await
    };
    let (first, second) = tokio::try_join!(first, second)?;
    println!(
        "Clear, AddTo(100), SubtractFrom(50), MultiplyBy(17.65), DivideBy(2), Equals = {first:.2}"
    );
    println!("second session in parallel: Clear, AddTo(7), MultiplyBy(6), Equals = {second}");

    host.shutdown().await;
    Ok(())
}
