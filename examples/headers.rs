//! Typed SOAP headers over net.tcp: the client sends a header with a call, the operation reads
//! it and adds one to its reply, the client reads that one back; then a header marked
//! `mustUnderstand` that the service does not understand is refused with a `MustUnderstand`
//! fault, and the operation does not run.
//!
//! Run it with `cargo run --example headers`. `docs/headers.md` explains the API.

use std::sync::atomic::{AtomicUsize, Ordering};

use indigo::client::CallScope;
use indigo::message::Header;
use indigo::prelude::*;
use indigo::service::OperationContext;
use serde::{Deserialize, Serialize};

/// A header the client sends: which tenant the call is for. `#[derive(Header)]` makes it the
/// element `<Tenant xmlns="urn:indigo:examples:headers"><Name>…</Name></Tenant>`.
#[derive(Debug, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:examples:headers")]
struct Tenant {
    #[serde(rename = "Name")]
    name: String,
}

/// A header the service adds to its reply.
#[derive(Debug, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:examples:headers", name = "ServedBy")]
struct Served {
    #[serde(rename = "Node")]
    node: String,
}

/// A header sent `mustUnderstand="1"` (its type says so) that the service knows nothing about.
#[derive(Debug, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:examples:headers", must_understand)]
struct Priority {
    #[serde(rename = "Level")]
    level: u8,
}

/// A greeter that greets on behalf of the caller's tenant.
#[service_contract(namespace = "urn:indigo:examples:headers")]
pub trait Greeter {
    /// Greets `name`.
    async fn greet(&self, name: String) -> String;
}

/// How many times `greet` ran.
static CALLS: AtomicUsize = AtomicUsize::new(0);

struct Desk;

impl Greeter for Desk {
    async fn greet(&self, name: String) -> String {
        CALLS.fetch_add(1, Ordering::SeqCst);
        // The request's headers are in the operation context, for the operation (and what it
        // awaits) to read; reply headers added there go out with this call's reply.
        let tenant = OperationContext::with(|cx| {
            cx.add_reply_header(&Served {
                node: "desk-1".to_owned(),
            })
            .expect("a header that can be written");
            cx.request_header::<Tenant>().ok().flatten()
        })
        .expect("inside an operation")
        .map_or_else(|| "nobody".to_owned(), |tenant| tenant.name);
        println!("  [service] greet({name:?}) for tenant {tenant:?}");
        format!("Hello {name}, from {tenant}")
    }
}

#[tokio::main]
async fn main() -> Result<(), indigo::Error> {
    let host = ServiceHost::builder()
        .endpoint(
            GreeterContract::per_call(|| Desk),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/headers/greeter",
        )
        .open()
        .await?;
    println!("service listening at {}", host.address());
    let client = GreeterClient::connect(NetTcpBinding::new(), host.address()).await?;

    // 1. A header with the calls made in a scope; the reply's headers come back with the output.
    let scope = CallScope::new().with_header(&Tenant {
        name: "Contoso".to_owned(),
    })?;
    let (greeting, reply) = scope.run(client.greet("Ann".to_owned())).await;
    println!("{}", greeting?);
    let served: Option<Served> = reply.get()?;
    println!("the reply says it was served by {served:?}");

    // Outside a scope no header is added.
    println!("{}", client.greet("Bob".to_owned()).await?);

    // 2. A mustUnderstand header nothing on the service side understands: WCF's MustUnderstand
    //    fault, which names the header; the operation does not run.
    let before = CALLS.load(Ordering::SeqCst);
    let scope = CallScope::new().with_header(&Priority { level: 9 })?;
    let (refused, _) = scope.run(client.greet("Eve".to_owned())).await;
    match refused {
        Err(error) => {
            let fault = error.fault().expect("a SOAP fault");
            println!("refused: {fault}");
            println!("  code: {:?}", fault.code.kind);
            for (namespace, name) in &fault.not_understood {
                println!("  NotUnderstood header: {{{namespace}}}{name}");
            }
        }
        Ok(greeting) => println!("unexpectedly answered: {greeting}"),
    }
    println!(
        "greet ran {} more time(s) for that call",
        CALLS.load(Ordering::SeqCst) - before
    );

    client.close().await?;
    host.shutdown().await;
    Ok(())
}
