//! A calculator over WCF's BasicHttpBinding (SOAP 1.1 over HTTP) with metadata on.
//!
//! It prints its address, the WSDL's address and a `curl` command with a hand-written SOAP 1.1
//! envelope, calls itself with the typed client, then ends; with `--serve` it keeps serving until
//! Ctrl-C, so that curl, zeep, SoapUI or a WCF client can call it.
//!
//! ```text
//! cargo run --example http_calculator              # calls itself and ends
//! cargo run --example http_calculator -- --serve   # serves on 127.0.0.1:8731 until Ctrl-C
//! ```

use indigo::binding::BasicHttpBinding;
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

/// Why a division failed: the typed fault of `divide`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DivideByZero {
    /// The dividend.
    pub dividend: f64,
}

/// The calculator contract, in the namespace of the WCF peers.
#[service_contract(name = "ICalculator", namespace = "http://peers.test/calc")]
pub trait Calculator {
    /// `a + b`.
    async fn add(&self, a: i32, b: i32) -> i32;
    /// `a / b`, or a `DivideByZero` fault.
    async fn divide(&self, a: f64, b: f64) -> Result<f64, DivideByZero>;
    /// The sum of a sequence.
    async fn sum(&self, values: Vec<f64>) -> f64;
}

struct Calc;

impl Calculator for Calc {
    async fn add(&self, a: i32, b: i32) -> i32 {
        a + b
    }
    async fn divide(&self, a: f64, b: f64) -> Result<f64, DivideByZero> {
        if b == 0.0 {
            Err(DivideByZero { dividend: a })
        } else {
            Ok(a / b)
        }
    }
    async fn sum(&self, values: Vec<f64>) -> f64 {
        values.iter().sum()
    }
}

#[tokio::main]
async fn main() -> Result<(), indigo::Error> {
    let serve = std::env::args().any(|arg| arg == "--serve");
    let address = if serve {
        "http://127.0.0.1:8731/calc"
    } else {
        "http://127.0.0.1:0/calc"
    };
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorContract::per_call(|| Calc),
            BasicHttpBinding::new().metadata(true),
            address,
        )
        .open()
        .await?;
    let address = host.address().to_owned();
    println!("ICalculator listens at {address}");
    println!("WSDL: {address}?wsdl");
    println!("Try:");
    println!(
        r#"  curl -s {address} -H 'Content-Type: text/xml; charset=utf-8' \
    -H 'SOAPAction: "http://peers.test/calc/ICalculator/Add"' \
    -d '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Add xmlns="http://peers.test/calc"><a>2</a><b>3</b></Add></s:Body></s:Envelope>'"#
    );

    let client = CalculatorClient::connect(BasicHttpBinding::new(), &address).await?;
    println!("add(2, 3) = {}", client.add(2, 3).await?);
    println!("divide(1, 4) = {:?}", client.divide(1.0, 4.0).await?);
    println!("divide(1, 0) = {:?}", client.divide(1.0, 0.0).await?);
    println!(
        "sum([1.5, 2.5, 3]) = {}",
        client.sum(vec![1.5, 2.5, 3.0]).await?
    );
    client.close().await?;

    if serve {
        println!("Serving until Ctrl-C.");
        host.run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    } else {
        host.shutdown().await;
    }
    Ok(())
}
