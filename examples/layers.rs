//! The channel stack: a layer of your own on both sides of a net.tcp session, a WAN-like link
//! from the fault-injection layer, and a session over HTTP with `OrderedSession`.
//!
//! Run it with `cargo run --example layers`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use indigo::binding::{Layered, OrderedSession};
use indigo::channel::fault_injection::{FaultInjection, Faults};
use indigo::channel::{
    ChannelError, DuplexChannel, Layer, MessageSink, RequestChannel, RequestHandler, Side,
};
use indigo::message::Message;
use indigo::prelude::*;

/// A shopping cart that lives as long as its session.
#[service_contract(namespace = "urn:indigo:examples:cart", session = Required)]
pub trait Cart {
    /// Opens the cart.
    #[operation(initiating)]
    async fn open(&mut self);
    /// Adds an item.
    #[operation(initiating = false)]
    async fn add(&mut self, item: String);
    /// Returns the items and ends the session.
    #[operation(initiating = false, terminating)]
    async fn checkout(&mut self) -> Vec<String>;
}

#[derive(Default)]
struct Basket(Vec<String>);

impl Cart for Basket {
    async fn open(&mut self) {}
    async fn add(&mut self, item: String) {
        self.0.push(item);
    }
    async fn checkout(&mut self) -> Vec<String> {
        std::mem::take(&mut self.0)
    }
}

/// A layer that counts the messages each side sends on duplex channels.
#[derive(Clone, Default)]
struct Counting {
    sent: Arc<AtomicUsize>,
}

struct CountingSink {
    inner: Arc<dyn MessageSink>,
    sent: Arc<AtomicUsize>,
}

impl MessageSink for CountingSink {
    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        message: &mut Option<Message>,
    ) -> Poll<Result<(), ChannelError>> {
        let polled = self.inner.poll_send(cx, message);
        if let Poll::Ready(Ok(())) = polled {
            self.sent.fetch_add(1, Ordering::SeqCst);
        }
        polled
    }

    fn poll_close(&self, cx: &mut Context<'_>) -> Poll<Result<(), ChannelError>> {
        self.inner.poll_close(cx)
    }

    fn abort(&self) {
        self.inner.abort();
    }
}

impl Layer for Counting {
    type RequestChannel<R: RequestChannel> = R;
    type RequestHandler<H: RequestHandler> = H;

    fn duplex(&self, channel: DuplexChannel, _side: Side) -> DuplexChannel {
        let (input, output, session) = channel.into_parts();
        let output = Arc::new(CountingSink {
            inner: output,
            sent: self.sent.clone(),
        });
        DuplexChannel::new(input, output, session)
    }

    fn request_channel<R: RequestChannel>(&self, inner: R) -> R {
        inner
    }

    fn request_handler<H: RequestHandler>(&self, inner: H) -> H {
        inner
    }
}

/// Fills a cart over `binding` and checks out.
async fn shop<B>(binding: B, address: &str) -> Result<Vec<String>, indigo::Error>
where
    B: indigo::binding::Binding,
    <CartContract as Contract>::Session: indigo::contract::SessionCompatible<CartContract, B>,
{
    let (cart, ()) = CartClient::connect(binding, address).await?.open().await?;
    cart.add("tea".into()).await?;
    cart.add("milk".into()).await?;
    cart.checkout().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A layer of your own, on both sides of net.tcp.
    let (service_side, client_side) = (Counting::default(), Counting::default());
    let host = ServiceHost::builder()
        .endpoint(
            CartContract::per_session(Basket::default),
            Layered::new(NetTcpBinding::new(), service_side.clone()),
            "net.tcp://127.0.0.1:0/cart",
        )
        .open()
        .await?;
    let items = shop(
        Layered::new(NetTcpBinding::new(), client_side.clone()),
        host.address(),
    )
    .await?;
    println!(
        "net.tcp: {items:?}; the client sent {} messages, the service {}",
        client_side.sent.load(Ordering::SeqCst),
        service_side.sent.load(Ordering::SeqCst)
    );

    // 2. The same session on a link with 25 ms of latency each way.
    let wan = FaultInjection::new(1)
        .outgoing(Faults::new().latency(Duration::from_millis(25)))
        .incoming(Faults::new().latency(Duration::from_millis(25)));
    let start = Instant::now();
    let items = shop(
        Layered::new(NetTcpBinding::new(), wan.clone()),
        host.address(),
    )
    .await?;
    println!(
        "net.tcp over a 25 ms link: {items:?} in {:?} ({} messages through the link)",
        start.elapsed(),
        wan.log().events().len()
    );
    host.shutdown().await;

    // 3. A session over HTTP: a `session = Required` contract on WSHttpBinding.
    let binding = OrderedSession::new(WsHttpBinding::new());
    let host = ServiceHost::builder()
        .endpoint(
            CartContract::per_session(Basket::default),
            binding.clone(),
            "http://127.0.0.1:0/cart",
        )
        .open()
        .await?;
    let items = shop(binding, host.address()).await?;
    println!("HTTP with an ordered session: {items:?}");
    host.shutdown().await;
    Ok(())
}
