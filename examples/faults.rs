//! Faults as WCF sends them, over net.tcp: a typed fault whose service chooses the reason and
//! the code (WCF's `FaultException<T>`), a plain typed fault (the detail alone), and an untyped
//! fault (WCF's `FaultException`). The client gets each back as the operation's `Err`.
//!
//! Run it with `cargo run --example faults`.

use indigo::message::{FaultException, FaultKind};
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

/// The fault contract: the detail of a `Withdraw` that would overdraw the account.
#[derive(Debug, Serialize, Deserialize)]
struct Overdrawn {
    balance: i64,
    requested: i64,
}

#[service_contract(namespace = "urn:indigo:examples:faults")]
trait Account {
    /// Fails with the detail, a reason and a code the service chooses.
    async fn withdraw(&self, amount: i64) -> Result<i64, FaultException<Overdrawn>>;
    /// Fails with the detail alone: indigo chooses the reason; the code is `Sender`.
    async fn check(&self, amount: i64) -> Result<i64, Overdrawn>;
    /// Fails with a reason and a code, no detail.
    async fn close_account(&self) -> Result<(), FaultException>;
}

struct Bank {
    balance: i64,
}

impl Account for Bank {
    async fn withdraw(&self, amount: i64) -> Result<i64, FaultException<Overdrawn>> {
        if amount > self.balance {
            let detail = Overdrawn {
                balance: self.balance,
                requested: amount,
            };
            return Err(FaultException::new(
                detail,
                "the account would be overdrawn",
            ));
        }
        Ok(self.balance - amount)
    }

    async fn check(&self, amount: i64) -> Result<i64, Overdrawn> {
        if amount > self.balance {
            return Err(Overdrawn {
                balance: self.balance,
                requested: amount,
            });
        }
        Ok(self.balance - amount)
    }

    async fn close_account(&self) -> Result<(), FaultException> {
        Err(FaultException::untyped("accounts are closed at the branch")
            .with_code(FaultKind::Receiver))
    }
}

#[tokio::main]
async fn main() -> Result<(), indigo::Error> {
    let host = ServiceHost::builder()
        .endpoint(
            AccountContract::per_session(|| Bank { balance: 100 }),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/account",
        )
        .open()
        .await?;
    println!("service listening at {}", host.address());

    let client = AccountClient::connect(NetTcpBinding::new(), host.address()).await?;
    println!("Withdraw(30) = {:?}", client.withdraw(30).await?);
    match client.withdraw(500).await? {
        Ok(left) => println!("Withdraw(500) = {left}"),
        Err(fault) => println!(
            "Withdraw(500) failed: {} (code {:?}, {:?})",
            fault.reason, fault.code, fault.detail
        ),
    }
    if let Err(detail) = client.check(500).await? {
        println!("Check(500) failed: {detail:?}");
    }
    if let Err(fault) = client.close_account().await? {
        println!(
            "CloseAccount failed: {} (code {:?})",
            fault.reason, fault.code
        );
    }
    client.close().await?;
    host.shutdown().await;
    Ok(())
}
