//! Typed faults as WCF's `FaultException<T>`: the service chooses the reason, its language and
//! the code; the client gets all of them back with the detail, over each binding.

mod common;

use common::*;
use indigo::message::{FaultException, FaultKind};
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Overdrawn {
    balance: i64,
}

#[service_contract(namespace = "urn:indigo:tests:faults")]
trait Account {
    async fn withdraw(&self, amount: i64) -> Result<i64, FaultException<Overdrawn>>;
    async fn check(&self, amount: i64) -> Result<i64, Overdrawn>;
}

struct Bank;

impl Account for Bank {
    async fn withdraw(&self, amount: i64) -> Result<i64, FaultException<Overdrawn>> {
        match amount {
            ..=10 => Ok(10 - amount),
            11..=100 => Err(FaultException::new(
                Overdrawn { balance: 10 },
                "le compte est à découvert",
            )
            .with_lang("fr")),
            _ => Err(
                FaultException::new(Overdrawn { balance: 10 }, "the ledger is down")
                    .with_code(FaultKind::Receiver),
            ),
        }
    }
    async fn check(&self, amount: i64) -> Result<i64, Overdrawn> {
        if amount > 10 {
            return Err(Overdrawn { balance: 10 });
        }
        Ok(10 - amount)
    }
}

async fn every_part_arrives<B: indigo::binding::Binding + Clone>(binding: B, address: &str) {
    let host = host(AccountContract::per_call(|| Bank), binding.clone(), address).await;
    let client = AccountClient::connect(binding, host.address())
        .await
        .unwrap();
    assert_eq!(client.withdraw(4).await.unwrap(), Ok(6));

    let fault = client.withdraw(50).await.unwrap().unwrap_err();
    assert_eq!(fault.detail, Overdrawn { balance: 10 });
    assert_eq!(fault.reason, "le compte est à découvert");
    assert_eq!(fault.lang, "fr");
    assert_eq!(fault.code, FaultKind::Sender, "Sender unless set, as WCF's");

    let fault = client.withdraw(500).await.unwrap().unwrap_err();
    assert_eq!(
        (fault.reason.as_str(), fault.code),
        ("the ledger is down", FaultKind::Receiver)
    );

    // A plain detail type: the same fault contract, a reason indigo chooses.
    assert_eq!(
        client.check(50).await.unwrap(),
        Err(Overdrawn { balance: 10 })
    );
    client.close().await.unwrap();
    host.shutdown().await;
}

#[tokio::test]
async fn a_fault_exception_carries_reason_language_and_code_over_memory() {
    every_part_arrives(MemoryBinding::new(), &unique("faults")).await;
}

#[tokio::test]
async fn a_fault_exception_carries_reason_language_and_code_over_net_tcp() {
    every_part_arrives(NetTcpBinding::new(), "net.tcp://127.0.0.1:0/faults").await;
}

#[tokio::test]
async fn a_fault_exception_carries_reason_language_and_code_over_basic_http() {
    every_part_arrives(BasicHttpBinding::new(), "http://127.0.0.1:0/faults").await;
}
