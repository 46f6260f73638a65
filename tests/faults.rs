//! Typed faults as WCF's `FaultException<T>`: the service chooses the reason, its language and
//! the code; the client gets all of them back with the detail, over each binding.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use indigo::Error;
use indigo::client::{ClientInspector, ClientOptions};
use indigo::contract::OperationDescription;
use indigo::message::{FaultException, FaultKind, Message};
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Overdrawn {
    balance: i64,
}

#[service_contract(namespace = "urn:indigo:tests:faults")]
trait Account {
    async fn withdraw(&self, amount: i64) -> Result<i64, FaultException<Overdrawn>>;
    #[operation(fault_action = "urn:indigo:tests:faults/overdrawn")]
    async fn check(&self, amount: i64) -> Result<i64, Overdrawn>;
    /// Fails with an untyped fault, or panics.
    async fn close_account(&self, panic: bool) -> Result<(), FaultException>;
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
    async fn close_account(&self, panic: bool) -> Result<(), FaultException> {
        assert!(!panic, "the ledger is gone");
        Err(FaultException::untyped("accounts are closed at the branch").with_lang("en-GB"))
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
    let client = AccountClient::connect(binding.clone(), host.address())
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

    // An untyped fault: a reason and a code, no detail; any other fault arrives the same way.
    let fault = client.close_account(false).await.unwrap().unwrap_err();
    assert_eq!(
        (fault.reason.as_str(), fault.lang.as_str(), fault.code),
        (
            "accounts are closed at the branch",
            "en-GB",
            FaultKind::Sender
        )
    );
    let fault = client.close_account(true).await.unwrap().unwrap_err();
    assert_eq!(fault.code, FaultKind::Receiver, "{fault}");
    assert!(fault.reason.contains("failed unexpectedly"), "{fault}");
    // (The panic ended the session: a new client goes on.)
    let client = AccountClient::connect(binding, host.address())
        .await
        .unwrap();

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

/// Keeps the action of every reply.
#[derive(Clone, Default)]
struct Actions(Arc<Mutex<Vec<String>>>);

impl ClientInspector for Actions {
    type State = ();

    fn before_send_request(
        &self,
        _: &mut Message,
        _: &'static OperationDescription,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn after_receive_reply(&self, reply: &mut Message, (): ()) -> Result<(), Error> {
        let action = reply.headers.action.as_deref().unwrap_or_default();
        self.0.lock().unwrap().push(action.to_owned());
        Ok(())
    }
}

/// A typed fault's message carries the operation's fault action: WCF's default, or the one the
/// operation gives; other faults and replies keep theirs.
#[tokio::test]
async fn a_typed_fault_carries_its_fault_action() {
    let address = unique("fault-actions");
    let host = host(
        AccountContract::per_call(|| Bank),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let actions = Actions::default();
    let client = AccountClient::connect_with(
        MemoryBinding::new(),
        &address,
        ClientOptions::new().inspector(actions.clone()),
    )
    .await
    .unwrap();
    client.withdraw(50).await.unwrap().unwrap_err();
    client.check(50).await.unwrap().unwrap_err();
    client.check(1).await.unwrap().unwrap();
    assert_eq!(
        *actions.0.lock().unwrap(),
        [
            "urn:indigo:tests:faults/Account/WithdrawOverdrawnFault",
            "urn:indigo:tests:faults/overdrawn",
            "urn:indigo:tests:faults/Account/CheckResponse",
        ]
    );
    client.close().await.unwrap();
    host.shutdown().await;
}
