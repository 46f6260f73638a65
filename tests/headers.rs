//! Typed headers end to end: a header the client sets is read by the operation, a header the
//! operation adds is read by the client, over net.tcp (binary and text) and HTTP (SOAP 1.2 and
//! 1.1); a `mustUnderstand` header nobody understands gets WCF's `MustUnderstand` fault and the
//! operation does not run, unless a layer claims it or it is for another role.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use indigo::Error;
use indigo::binding::{Binding, Layered};
use indigo::channel::{
    ChannelError, DuplexChannel, Layer, MessageSink, MessageSource, RequestChannel, RequestHandler,
    Side,
};
use indigo::client::CallScope;
use indigo::message::{
    FaultKind, Header, HeaderBlock, Message, SOAP11_ACTOR_NEXT, SOAP12_ROLE_NONE,
};
use indigo::prelude::*;
use indigo::service::OperationContext;
use serde::{Deserialize, Serialize};

const NS: &str = "urn:indigo:tests:tenancy";

/// A header the client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:tests:tenancy")]
struct Tenant {
    #[serde(rename = "Name")]
    name: String,
}

/// A header the service adds to its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:tests:tenancy")]
struct Served {
    #[serde(rename = "Node")]
    node: String,
    #[serde(rename = "Calls")]
    calls: u32,
}

#[service_contract(namespace = "urn:indigo:tests:tenancy")]
trait Tenancy {
    async fn whoami(&self) -> String;
}

/// Counts its calls (and the calls whose request had a MessageID); answers with the caller's
/// tenant, and says who served it.
#[derive(Clone, Default)]
struct Desk {
    calls: Arc<AtomicUsize>,
    with_message_id: Arc<AtomicUsize>,
}

impl Tenancy for Desk {
    async fn whoami(&self) -> String {
        let calls = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        OperationContext::with(|cx| {
            if cx.request_headers().message_id.is_some() {
                self.with_message_id.fetch_add(1, Ordering::SeqCst);
            }
            let tenant = cx
                .request_header::<Tenant>()
                .expect("a readable Tenant header")
                .map_or_else(|| "nobody".to_owned(), |t| t.name);
            // Adding reply headers while reading the request's is allowed.
            cx.add_reply_header(&Served {
                node: "desk-1".to_owned(),
                calls: u32::try_from(calls).unwrap_or(u32::MAX),
            })
            .expect("a header that can be written");
            tenant
        })
        .expect("inside an operation")
    }
}

async fn desk_host<B: Binding>(binding: B, address: &str, desk: &Desk) -> ServiceHost {
    let desk = desk.clone();
    common::host(
        TenancyContract::per_call(move || desk.clone()),
        binding,
        address,
    )
    .await
}

/// A desk whose service declares that it reads `Tenant` headers itself.
async fn understanding_host<B: Binding>(binding: B, address: &str, desk: &Desk) -> ServiceHost {
    let desk = desk.clone();
    common::host(
        TenancyContract::per_call(move || desk.clone()).understand::<Tenant>(),
        binding,
        address,
    )
    .await
}

/// A desk served over `binding` (its service reads `Tenant` headers itself if `understands`),
/// and a client connected to it.
async fn open_desk<B: Binding>(
    binding: B,
    address: &str,
    understands: bool,
) -> (Desk, ServiceHost, TenancyClient) {
    let desk = Desk::default();
    let host = if understands {
        understanding_host(binding.clone(), address, &desk).await
    } else {
        desk_host(binding.clone(), address, &desk).await
    };
    let client = TenancyClient::connect(binding, host.address())
        .await
        .unwrap();
    (desk, host, client)
}

/// Headers both ways over `binding`; `addressing`: its requests carry a MessageID, which the
/// operation sees.
async fn headers_travel<B: Binding>(binding: B, address: &str, addressing: bool) {
    let (desk, host, client) = open_desk(binding, address, false).await;

    let scope = CallScope::new()
        .with_header(&Tenant {
            name: "ann & <co>".to_owned(),
        })
        .unwrap();
    let (name, reply) = scope.run(client.whoami()).await;
    assert_eq!(name.unwrap(), "ann & <co>");
    assert_eq!(
        reply.get::<Served>().unwrap(),
        Some(Served {
            node: "desk-1".to_owned(),
            calls: 1
        })
    );

    // Outside a scope nothing is added, and the reply's headers are dropped.
    assert_eq!(client.whoami().await.unwrap(), "nobody");
    assert_eq!(desk.calls.load(Ordering::SeqCst), 2);
    let with_id = if addressing { 2 } else { 0 };
    assert_eq!(desk.with_message_id.load(Ordering::SeqCst), with_id);
    client.close().await.unwrap();
    host.shutdown().await;
}

/// Runs `$check(binding, address, soap12_with_addressing)` over each net.tcp encoding.
macro_rules! over_net_tcp {
    ($check:ident) => {
        $check(NetTcpBinding::new(), TCP, true).await;
        $check(NetTcpBinding::new().text_encoding(), TCP, true).await;
    };
}

/// Runs `$check(binding, address, soap12_with_addressing)` over WSHttp and BasicHttp.
macro_rules! over_http {
    ($check:ident) => {
        $check(WsHttpBinding::new(), HTTP, true).await;
        $check(BasicHttpBinding::new(), HTTP, false).await;
    };
}

const TCP: &str = "net.tcp://127.0.0.1:0/tenancy";
const HTTP: &str = "http://127.0.0.1:0/tenancy";

#[tokio::test]
async fn typed_headers_travel_both_ways_over_net_tcp() {
    over_net_tcp!(headers_travel);
}

#[tokio::test]
async fn typed_headers_travel_both_ways_over_http() {
    over_http!(headers_travel);
}

/// A `Tenant` block marked `mustUnderstand`, for `role` (`None`: the ultimate receiver).
fn must_understand_tenant(role: Option<&'static str>) -> HeaderBlock {
    let mut block = HeaderBlock::from_header(&Tenant {
        name: "eve".to_owned(),
    })
    .unwrap();
    block.must_understand = true;
    block.role = role.map(Into::into);
    block
}

/// `whoami` with `block` runs the operation once more on `desk`.
async fn accepted(client: &TenancyClient, desk: &Desk, block: HeaderBlock) {
    let before = desk.calls.load(Ordering::SeqCst);
    let (result, _) = CallScope::new()
        .with_block(block)
        .run(client.whoami())
        .await;
    assert_eq!(result.unwrap(), "eve");
    assert_eq!(desk.calls.load(Ordering::SeqCst), before + 1);
}

/// A `mustUnderstand` header nothing understands is refused over `binding`; the operation never
/// runs. `soap12`: the fault names the header (SOAP 1.2 `NotUnderstood`).
async fn refused<B: Binding>(binding: B, address: &str, soap12: bool) {
    let (desk, host, client) = open_desk(binding, address, false).await;
    let scope = CallScope::new().with_block(must_understand_tenant(None));
    let (result, _) = scope.run(client.whoami()).await;
    let error = result.expect_err("a MustUnderstand fault");
    let fault = error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error}"));
    assert_eq!(fault.code.kind, FaultKind::MustUnderstand, "{fault}");
    assert!(fault.reason().contains("'Tenant'"), "{fault}");
    let named = if soap12 {
        vec![(NS.to_owned(), "Tenant".to_owned())]
    } else {
        Vec::new()
    };
    assert_eq!(fault.not_understood.to_vec(), named);
    assert_eq!(desk.calls.load(Ordering::SeqCst), 0, "the operation ran");

    // A header marked mustUnderstand for a role this node does not play is not its business.
    accepted(
        &client,
        &desk,
        must_understand_tenant(Some(SOAP12_ROLE_NONE)),
    )
    .await;
    drop(client);
    host.shutdown().await;
}

#[tokio::test]
async fn an_unknown_must_understand_header_is_refused_over_net_tcp() {
    over_net_tcp!(refused);
}

#[tokio::test]
async fn an_unknown_must_understand_header_is_refused_over_http() {
    over_http!(refused);
}

#[tokio::test]
async fn the_soap11_next_actor_is_this_node() {
    let (desk, host, client) = open_desk(BasicHttpBinding::new(), HTTP, false).await;
    let scope = CallScope::new().with_block(must_understand_tenant(Some(SOAP11_ACTOR_NEXT)));
    let (result, _) = scope.run(client.whoami()).await;
    let error = result.expect_err("a MustUnderstand fault");
    assert_eq!(
        error.fault().map(|f| f.code.kind),
        Some(FaultKind::MustUnderstand)
    );
    assert_eq!(desk.calls.load(Ordering::SeqCst), 0);
    host.shutdown().await;
}

/// A service that declares it understands `Tenant` takes the block marked `mustUnderstand`.
async fn understood<B: Binding>(binding: B, address: &str, _addressing: bool) {
    let (desk, host, client) = open_desk(binding, address, true).await;
    accepted(&client, &desk, must_understand_tenant(None)).await;
    drop(client);
    host.shutdown().await;
}

#[tokio::test]
async fn a_service_that_reads_a_header_understands_it() {
    over_net_tcp!(understood);
    over_http!(understood);
}

#[tokio::test]
async fn concurrent_scopes_on_one_client_keep_their_headers_apart() {
    let (_, host, client) = open_desk(NetTcpBinding::new(), TCP, false).await;
    let call_as = |name: &str| {
        let scope = CallScope::new()
            .with_header(&Tenant {
                name: name.to_owned(),
            })
            .unwrap();
        scope.run(client.whoami())
    };
    let ((ann, ann_reply), (bob, bob_reply)) = tokio::join!(call_as("ann"), call_as("bob"));
    assert_eq!(
        (ann.unwrap(), bob.unwrap()),
        ("ann".to_owned(), "bob".to_owned())
    );
    // Each scope got the reply of its own call.
    let calls = |reply: &indigo::message::Headers| reply.get::<Served>().unwrap().unwrap().calls;
    let mut seen = [calls(&ann_reply), calls(&bob_reply)];
    seen.sort_unstable();
    assert_eq!(seen, [1, 2]);
    client.close().await.unwrap();
    host.shutdown().await;
}

/// A service-side layer that consumes the `Tenant` header: it claims it (marks it understood).
#[derive(Clone, Default)]
struct ClaimsTenant {
    claimed: Arc<AtomicUsize>,
}

impl ClaimsTenant {
    fn claim(&self, message: &mut Message) {
        if let Ok(Some(_)) = message.headers.claim::<Tenant>() {
            self.claimed.fetch_add(1, Ordering::SeqCst);
        }
    }
}

struct ClaimingSource {
    inner: Box<dyn MessageSource>,
    layer: ClaimsTenant,
}

impl MessageSource for ClaimingSource {
    fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Message>, ChannelError>> {
        let mut polled = self.inner.poll_receive(cx);
        if let Poll::Ready(Ok(Some(message))) = &mut polled {
            self.layer.claim(message);
        }
        polled
    }
}

struct ClaimingHandler<H> {
    inner: H,
    layer: ClaimsTenant,
}

impl<H: RequestHandler> RequestHandler for ClaimingHandler<H> {
    async fn handle(&self, mut request: Message) -> Result<Option<Message>, ChannelError> {
        self.layer.claim(&mut request);
        self.inner.handle(request).await
    }
}

impl Layer for ClaimsTenant {
    type RequestChannel<R: RequestChannel> = R;
    type RequestHandler<H: RequestHandler> = ClaimingHandler<H>;

    fn duplex(&self, channel: DuplexChannel, side: Side) -> DuplexChannel {
        if side == Side::Client {
            return channel;
        }
        let (input, output, session): (_, Arc<dyn MessageSink>, _) = channel.into_parts();
        DuplexChannel::new(
            Box::new(ClaimingSource {
                inner: input,
                layer: self.clone(),
            }),
            output,
            session,
        )
    }

    fn request_channel<R: RequestChannel>(&self, inner: R) -> R {
        inner
    }

    fn request_handler<H: RequestHandler>(&self, inner: H) -> ClaimingHandler<H> {
        ClaimingHandler {
            inner,
            layer: self.clone(),
        }
    }
}

/// The header a layer claims does not fault, and the operation still reads it.
async fn claimed<B: Binding>(binding: B, address: &str) {
    let desk = Desk::default();
    let layer = ClaimsTenant::default();
    let host = desk_host(Layered::new(binding.clone(), layer.clone()), address, &desk).await;
    let client = TenancyClient::connect(binding, host.address())
        .await
        .unwrap();
    let scope = CallScope::new().with_block(must_understand_tenant(None));
    let (result, _) = scope.run(client.whoami()).await;
    assert_eq!(result.unwrap(), "eve");
    assert_eq!(layer.claimed.load(Ordering::SeqCst), 1);
    assert_eq!(desk.calls.load(Ordering::SeqCst), 1);
    drop(client);
    host.shutdown().await;
}

#[tokio::test]
async fn a_header_a_layer_claims_does_not_fault() {
    claimed(NetTcpBinding::new(), TCP).await;
    claimed(WsHttpBinding::new(), HTTP).await;
}

/// The service's reply header, marked `mustUnderstand`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:tests:tenancy", must_understand)]
struct Strict {
    #[serde(rename = "Level")]
    level: u8,
}

#[service_contract(namespace = "urn:indigo:tests:tenancy")]
trait Stern {
    async fn ping(&self) -> u8;
}

struct SternDesk;

impl Stern for SternDesk {
    async fn ping(&self) -> u8 {
        OperationContext::with(|cx| cx.add_reply_header(&Strict { level: 3 }))
            .expect("inside an operation")
            .expect("a header that can be written");
        3
    }
}

#[tokio::test]
async fn a_reply_header_the_client_must_understand_needs_its_consent() {
    let host = common::host(
        SternContract::single(SternDesk),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/stern",
    )
    .await;
    let client = SternClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    match client.ping().await {
        Err(Error::HeaderNotUnderstood { namespace, name }) => {
            assert_eq!((namespace.as_str(), name.as_str()), (NS, "Strict"));
        }
        other => panic!("expected HeaderNotUnderstood, got {other:?}"),
    }
    let scope = CallScope::new().understand::<Strict>();
    let (level, reply) = scope.run(client.ping()).await;
    assert_eq!(level.unwrap(), 3);
    assert_eq!(reply.get::<Strict>().unwrap(), Some(Strict { level: 3 }));
    let block = reply.find(Strict::NAMESPACE, Strict::NAME).unwrap();
    assert!(block.must_understand);
    client.close().await.unwrap();
    host.shutdown().await;
}

#[tokio::test]
async fn no_operation_context_outside_an_operation() {
    assert!(matches!(
        OperationContext::with(|cx| cx.request_headers().other.len()),
        Err(Error::OutsideOperation)
    ));
}
