//! One shopping cart shared by two client sessions over net.tcp (WCF's `IInstanceContextProvider`),
//! and a correlation id added by a client inspector and echoed by a dispatch inspector.
//!
//! Each client sends a `CartId` header with its calls (from a `CallScope`). The service maps it
//! to an instance-context key with `share_instances_by`, so both sessions use one `Cart`: each
//! sees the other's items. The cart is built once, outlives the first session to end, and is
//! released once, after the second. On every call a client inspector adds a `CorrelationId`
//! header, a dispatch inspector copies it into the reply, and the client inspector prints it.
//!
//! Run it with `cargo run --example shopping_cart`. `docs/instancing.md` explains the API.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indigo::client::{CallScope, ClientInspector, ClientOptions};
use indigo::contract::OperationDescription;
use indigo::message::{Fault, Header, Message};
use indigo::prelude::*;
use indigo::service::{CallInfo, DispatchInspector, OperationContext};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

/// Which cart the calls are for; the service's instance-context key.
#[derive(Debug, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:examples:cart")]
struct CartId {
    #[serde(rename = "Id")]
    id: String,
}

/// A correlation id, sent with each request and echoed in its reply.
#[derive(Debug, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:examples:cart")]
struct CorrelationId {
    #[serde(rename = "Value")]
    value: String,
}

/// A shopping cart.
#[service_contract(namespace = "urn:indigo:examples:cart")]
pub trait ShoppingCart {
    /// Adds `item`; returns every item in the cart.
    async fn add(&mut self, item: String) -> Vec<String>;
}

static BUILT: AtomicUsize = AtomicUsize::new(0);
static RELEASED: AtomicUsize = AtomicUsize::new(0);

struct Cart {
    items: Vec<String>,
    /// Told when the cart is dropped.
    dropped: Arc<Notify>,
}

impl ShoppingCart for Cart {
    async fn add(&mut self, item: String) -> Vec<String> {
        let session = OperationContext::with(|cx| cx.call().session_id().map(ToString::to_string))
            .expect("inside an operation")
            .unwrap_or_default();
        println!("  [service] add({item:?}) from session {session}");
        self.items.push(item);
        self.items.clone()
    }

    async fn on_release(&mut self) {
        RELEASED.fetch_add(1, Ordering::SeqCst);
        println!("  [service] cart released, holding {:?}", self.items);
    }
}

impl Drop for Cart {
    fn drop(&mut self) {
        println!("  [service] cart dropped");
        self.dropped.notify_one();
    }
}

/// Client side: adds a `CorrelationId` to each request, and prints what the reply carries back.
struct Correlate {
    client: &'static str,
    calls: AtomicUsize,
}

impl ClientInspector for Correlate {
    type State = String;

    fn before_send_request(
        &self,
        request: &mut Message,
        _operation: &'static OperationDescription,
    ) -> Result<String, indigo::Error> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let value = format!("{}-{n}", self.client);
        request.headers.insert(&CorrelationId {
            value: value.clone(),
        })?;
        Ok(value)
    }

    fn after_receive_reply(&self, reply: &mut Message, sent: String) -> Result<(), indigo::Error> {
        let echoed = reply.headers.get::<CorrelationId>()?.map(|id| id.value);
        println!(
            "  [{}] sent {sent}, the reply echoes {echoed:?}",
            self.client
        );
        Ok(())
    }
}

/// Service side: copies the request's `CorrelationId` into its reply (or fault).
struct EchoCorrelation;

impl DispatchInspector for EchoCorrelation {
    type State = Option<CorrelationId>;

    fn after_receive_request(
        &self,
        request: &mut Message,
        _call: &CallInfo,
    ) -> Result<Self::State, Fault> {
        Ok(request.headers.get::<CorrelationId>().ok().flatten())
    }

    fn before_send_reply(&self, reply: Option<&mut Message>, id: Self::State) {
        if let (Some(reply), Some(id)) = (reply, id) {
            reply
                .headers
                .insert(&id)
                .expect("a header that can be written");
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), indigo::Error> {
    let dropped = Arc::new(Notify::new());
    let factory = {
        let dropped = dropped.clone();
        move || {
            BUILT.fetch_add(1, Ordering::SeqCst);
            println!("  [service] cart built");
            Cart {
                items: Vec::new(),
                dropped: dropped.clone(),
            }
        }
    };
    let service = ShoppingCartContract::per_session(factory)
        // Asked at each session's first call: sessions with the same key share one cart.
        .share_instances_by(|request: &Message, _call: &CallInfo| {
            let cart = request.headers.get::<CartId>().ok().flatten()?;
            Some(cart.id)
        })
        .inspector(EchoCorrelation);
    let host = ServiceHost::builder()
        .endpoint(
            service,
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/shop/cart",
        )
        .open()
        .await?;
    println!("service listening at {}", host.address());

    let connect = |client| {
        let calls = AtomicUsize::new(0);
        let options = ClientOptions::new().inspector(Correlate { client, calls });
        ShoppingCartClient::connect_with(NetTcpBinding::new(), host.address(), options)
    };
    let ann = connect("ann").await?;
    let bob = connect("bob").await?;

    // Every call made in this scope carries the cart's id.
    let cart = CallScope::new().with_header(&CartId {
        id: "cart-42".to_owned(),
    })?;
    let (added, _) = cart
        .clone()
        .run(async {
            println!("ann: {:?}", ann.add("apples".to_owned()).await?);
            println!("bob: {:?}", bob.add("bread".to_owned()).await?);
            Ok::<_, indigo::Error>(())
        })
        .await;
    added?;

    // Ann's session ends; the cart stays for Bob's.
    ann.close().await?;
    println!(
        "ann's session has ended; carts released so far: {}",
        RELEASED.load(Ordering::SeqCst)
    );
    let (items, _) = cart.run(bob.add("cheese".to_owned())).await;
    println!("bob: {:?}", items?);

    // The last session ends: the cart is released (`on_release`, then `Drop`).
    bob.close().await?;
    tokio::time::timeout(Duration::from_secs(10), dropped.notified())
        .await
        .map_err(|_| indigo::Error::Communication("the cart was never released".to_owned()))?;
    println!(
        "carts built: {}, released: {}",
        BUILT.load(Ordering::SeqCst),
        RELEASED.load(Ordering::SeqCst)
    );

    host.shutdown().await;
    Ok(())
}
