//! The operation context and the message inspectors end to end, over net.tcp (binary and text),
//! the memory transport and HTTP (WSHttp and BasicHttp): what an operation knows of its call
//! (session id, endpoint, contract, action, headers both ways), what client inspectors and
//! dispatch inspectors see, change and refuse, and in which order they run.

mod common;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Probe, Tracked};
use indigo::Error;
use indigo::binding::Binding;
use indigo::client::{CallScope, ClientInspector, ClientOptions};
use indigo::contract::OperationDescription;
use indigo::message::{Body, Fault, FaultKind, Header, HeaderBlock, Message};
use indigo::prelude::*;
use indigo::service::{CallInfo, DispatchInspector, OperationContext};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

const NS: &str = "urn:indigo:tests:context";

/// A header the caller (or a client inspector) sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:tests:context")]
struct Ticket {
    #[serde(rename = "Holder")]
    holder: String,
}

/// A header the operation adds to its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:tests:context")]
struct Stamp {
    #[serde(rename = "For")]
    for_holder: String,
}

/// A header a client inspector sends and a dispatch inspector sends back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:tests:context")]
struct CorrelationId {
    #[serde(rename = "Value")]
    value: String,
}

/// What an operation read from its context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Whereabouts {
    session: Option<String>,
    endpoint: String,
    contract: String,
    contract_namespace: String,
    operation: String,
    action: String,
    has_identity: bool,
    /// Whether a task the operation spawned saw the context (it should not).
    spawned_sees_context: bool,
}

#[service_contract(namespace = "urn:indigo:tests:context")]
trait Introspect {
    /// What the operation's context says of the call.
    async fn whereabouts(&self) -> Whereabouts;
    /// The holder of the request's `Ticket` ("nobody" without one); stamps the reply for them.
    async fn holder(&self) -> String;
    /// The request's `CorrelationId` as the operation reads it ("none" without one).
    async fn correlation(&self) -> String;
    #[operation(one_way)]
    async fn fire(&self, n: u32);
}

const WHEREABOUTS_ACTION: &str = "urn:indigo:tests:context/Introspect/Whereabouts";
const HOLDER_REPLY_ACTION: &str = "urn:indigo:tests:context/Introspect/HolderResponse";

/// What the service's instances report: instances built and dropped, operations run, and the
/// numbers fired one way.
#[derive(Clone)]
struct Counters {
    instances: Probe,
    calls: Arc<AtomicUsize>,
    fired: Arc<watch::Sender<Vec<u32>>>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            instances: Probe::default(),
            calls: Arc::default(),
            fired: Arc::new(watch::channel(Vec::new()).0),
        }
    }
}

impl Counters {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn built(&self) -> usize {
        self.instances.built()
    }

    /// Waits until `n` numbers have been fired (fails the test after 10 s).
    async fn wait_fired(&self, n: usize) -> Vec<u32> {
        let mut fired = self.fired.subscribe();
        tokio::time::timeout(Duration::from_secs(10), fired.wait_for(|f| f.len() >= n))
            .await
            .expect("the one-way calls did not run in time")
            .expect("the counters are alive")
            .clone()
    }
}

/// The service: a per-session instance that counts itself and its calls.
struct Introspector {
    _tracked: Tracked,
    counters: Counters,
}

impl Introspector {
    fn new(counters: &Counters) -> Self {
        Introspector {
            _tracked: Tracked::new(&counters.instances),
            counters: counters.clone(),
        }
    }

    fn called(&self) {
        self.counters.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl Introspect for Introspector {
    async fn whereabouts(&self) -> Whereabouts {
        self.called();
        let spawned_sees_context = tokio::spawn(async { OperationContext::with(|_| ()).is_ok() })
            .await
            .expect("the spawned task ran");
        OperationContext::with(|cx| {
            let call = cx.call();
            Whereabouts {
                session: call.session_id().map(ToString::to_string),
                endpoint: call.endpoint_address().to_owned(),
                contract: call.contract().name.to_owned(),
                contract_namespace: call.contract().namespace.to_owned(),
                operation: call.operation().name.to_owned(),
                action: call.action().to_owned(),
                has_identity: cx.identity().is_some(),
                spawned_sees_context,
            }
        })
        .expect("inside an operation")
    }

    async fn holder(&self) -> String {
        self.called();
        OperationContext::with(|cx| {
            let holder = cx
                .request_header::<Ticket>()
                .expect("a readable Ticket")
                .map_or_else(|| "nobody".to_owned(), |t| t.holder);
            cx.add_reply_header(&Stamp {
                for_holder: holder.clone(),
            })
            .expect("a writable Stamp");
            holder
        })
        .expect("inside an operation")
    }

    async fn correlation(&self) -> String {
        self.called();
        OperationContext::with(|cx| cx.request_header::<CorrelationId>())
            .expect("inside an operation")
            .expect("a readable CorrelationId")
            .map_or_else(|| "none".to_owned(), |id| id.value)
    }

    async fn fire(&self, n: u32) {
        self.called();
        self.counters.fired.send_modify(|fired| fired.push(n));
    }
}

type IntrospectService = Service<IntrospectContract, Introspector>;

/// A per-session service whose factory counts into `counters`.
fn introspector(counters: &Counters) -> IntrospectService {
    let counters = counters.clone();
    IntrospectContract::per_session(move || Introspector::new(&counters))
}

/// What a binding carries, for the checks that differ.
#[derive(Debug, Clone, Copy)]
struct Carries {
    /// A session per client (net.tcp, memory), else none (HTTP).
    sessions: bool,
    /// WS-Addressing, so replies have an action (all but BasicHttp).
    addressing: bool,
    /// SOAP 1.2, so faults keep their subcodes (all but BasicHttp).
    soap12: bool,
}

const SESSIONS: Carries = Carries {
    sessions: true,
    addressing: true,
    soap12: true,
};
const WS_HTTP: Carries = Carries {
    sessions: false,
    addressing: true,
    soap12: true,
};
const BASIC_HTTP: Carries = Carries {
    sessions: false,
    addressing: false,
    soap12: false,
};

/// Runs `$check(binding, address, carries)` over net.tcp (binary and text) and memory.
macro_rules! over_sessions {
    ($check:ident) => {
        $check(
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/binary",
            SESSIONS,
        )
        .await;
        $check(
            NetTcpBinding::new().text_encoding(),
            "net.tcp://127.0.0.1:0/text",
            SESSIONS,
        )
        .await;
        $check(
            MemoryBinding::new(),
            &common::unique("operation-context"),
            SESSIONS,
        )
        .await;
    };
}

/// Runs `$check(binding, address, carries)` over WSHttp and BasicHttp.
macro_rules! over_http {
    ($check:ident) => {
        $check(WsHttpBinding::new(), "http://127.0.0.1:0/ws", WS_HTTP).await;
        $check(
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/basic",
            BASIC_HTTP,
        )
        .await;
    };
}

/// Runs `$check(binding, address, carries)` over every binding.
macro_rules! over_every_binding {
    ($check:ident) => {
        over_sessions!($check);
        over_http!($check);
    };
}

/// A host serving `service` over `binding`, with what it counts.
struct Fixture<B> {
    binding: B,
    host: ServiceHost,
    counters: Counters,
}

impl<B: Binding> Fixture<B> {
    /// Serves the per-session introspector, as `configure` leaves it (inspectors added), at
    /// `address`.
    async fn open(
        binding: B,
        address: &str,
        configure: impl FnOnce(IntrospectService) -> IntrospectService,
    ) -> Self {
        let counters = Counters::default();
        let service = configure(introspector(&counters));
        let host = common::host(service, binding.clone(), address).await;
        Fixture {
            binding,
            host,
            counters,
        }
    }

    async fn client(&self) -> IntrospectClient {
        self.client_with(ClientOptions::new()).await
    }

    async fn client_with(&self, options: ClientOptions) -> IntrospectClient {
        IntrospectClient::connect_with(self.binding.clone(), self.host.address(), options)
            .await
            .expect("the client connects")
    }

    /// Closes `clients` (their sessions end gracefully, whatever their calls met), then the host.
    async fn finish(self, clients: impl IntoIterator<Item = IntrospectClient>) {
        for client in clients {
            client.close().await.expect("the client closes");
        }
        self.host.shutdown().await;
    }
}

/// The fault a call failed with.
fn fault_of<T: std::fmt::Debug>(result: Result<T, Error>) -> Fault {
    match result {
        Err(Error::Fault(fault)) => fault,
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// One line for a reply or fault an inspector sees: `none` for a one-way call.
fn describe(reply: Option<&Message>) -> String {
    match reply {
        None => "none".to_owned(),
        Some(Message {
            body: Body::Fault(fault),
            ..
        }) => format!("fault {}", fault.reason()),
        Some(reply) => format!("reply {}", reply.action()),
    }
}

type Log = Arc<Mutex<Vec<String>>>;

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

// 1. What an operation knows of its call.

async fn operation_knows_its_call<B: Binding>(binding: B, address: &str, carries: Carries) {
    let fixture = Fixture::open(binding, address, |s| s).await;
    let (ann, bob) = (fixture.client().await, fixture.client().await);
    let first = ann.whereabouts().await.unwrap();
    let second = ann.whereabouts().await.unwrap();
    let other = bob.whereabouts().await.unwrap();

    if carries.sessions {
        assert!(first.session.is_some(), "{address}: no session id");
        assert_eq!(first.session, second.session, "{address}: the id changed");
        assert_ne!(
            first.session, other.session,
            "{address}: two sessions, one id"
        );
        // One instance per session.
        assert_eq!(fixture.counters.built(), 2, "{address}");
    } else {
        for seen in [&first, &second, &other] {
            assert_eq!(seen.session, None, "{address}: a session over HTTP");
        }
        // Per-session instancing without a session is per call.
        assert_eq!(fixture.counters.built(), 3, "{address}");
    }
    let expected = Whereabouts {
        session: None,
        endpoint: fixture.host.address().to_owned(),
        contract: "Introspect".to_owned(),
        contract_namespace: NS.to_owned(),
        operation: "Whereabouts".to_owned(),
        action: WHEREABOUTS_ACTION.to_owned(),
        has_identity: false,
        spawned_sees_context: false,
    };
    for seen in [first, second, other] {
        let session = seen.session.clone();
        assert_eq!(
            seen,
            Whereabouts {
                session,
                ..expected.clone()
            },
            "{address}"
        );
    }
    assert!(
        !fixture.host.address().contains(":0/"),
        "the host's address names the bound port: {}",
        fixture.host.address()
    );
    assert_eq!(fixture.counters.calls(), 3);
    fixture.finish([ann, bob]).await;
}

#[tokio::test]
async fn an_operation_knows_its_session_endpoint_contract_and_action() {
    over_every_binding!(operation_knows_its_call);
}

// 2. Headers between the caller and the operation.

async fn headers_reach_the_operation_and_back<B: Binding>(
    binding: B,
    address: &str,
    _carries: Carries,
) {
    let fixture = Fixture::open(binding, address, |s| s).await;
    let client = fixture.client().await;
    let (holder, reply) = ticket("ann").run(client.holder()).await;
    assert_eq!(holder.unwrap(), "ann", "{address}");
    assert_eq!(
        reply.get::<Stamp>().unwrap(),
        Some(Stamp {
            for_holder: "ann".to_owned()
        }),
        "{address}"
    );
    // Outside the scope the request carries no ticket.
    assert_eq!(client.holder().await.unwrap(), "nobody", "{address}");
    fixture.finish([client]).await;
}

#[tokio::test]
async fn an_operation_reads_a_request_header_and_adds_a_reply_header() {
    over_every_binding!(headers_reach_the_operation_and_back);
}

// 3. Client inspectors.

/// Adds a `Ticket` to every request; notes each reply's action and `Stamp`.
struct IssuesTickets {
    holder: &'static str,
    replies: Log,
}

impl ClientInspector for IssuesTickets {
    type State = &'static str;

    fn before_send_request(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<&'static str, Error> {
        request.headers.insert(&Ticket {
            holder: self.holder.to_owned(),
        })?;
        Ok(operation.name)
    }

    fn after_receive_reply(
        &self,
        reply: &mut Message,
        operation: &'static str,
    ) -> Result<(), Error> {
        let stamp = reply.headers.get::<Stamp>()?.map(|s| s.for_holder);
        self.replies.lock().unwrap().push(format!(
            "{operation}: {} stamped {stamp:?}",
            describe(Some(reply))
        ));
        Ok(())
    }
}

async fn client_inspector_adds_and_sees<B: Binding>(binding: B, address: &str, carries: Carries) {
    let fixture = Fixture::open(binding, address, |s| s).await;
    let replies = Log::default();
    let inspector = IssuesTickets {
        holder: "inspector",
        replies: replies.clone(),
    };
    let client = fixture
        .client_with(ClientOptions::new().inspector(inspector))
        .await;
    assert_eq!(client.holder().await.unwrap(), "inspector", "{address}");
    let action = if carries.addressing {
        HOLDER_REPLY_ACTION
    } else {
        ""
    };
    assert_eq!(
        take(&replies),
        [format!(
            "Holder: reply {action} stamped Some(\"inspector\")"
        )],
        "{address}"
    );
    fixture.finish([client]).await;
}

#[tokio::test]
async fn a_client_inspector_adds_a_header_the_service_reads_and_sees_the_reply() {
    over_every_binding!(client_inspector_adds_and_sees);
}

/// Stops every call of one operation before it is sent.
struct Stops(&'static str);

impl ClientInspector for Stops {
    type State = ();

    fn before_send_request(
        &self,
        _request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<(), Error> {
        if operation.name == self.0 {
            return Err(Error::Rejected(format!("{} is not allowed", self.0)));
        }
        Ok(())
    }

    fn after_receive_reply(&self, _reply: &mut Message, (): ()) -> Result<(), Error> {
        Ok(())
    }
}

async fn client_inspector_stops_a_call<B: Binding>(binding: B, address: &str, _carries: Carries) {
    let fixture = Fixture::open(binding, address, |s| s).await;
    let client = fixture
        .client_with(ClientOptions::new().inspector(Stops("Holder")))
        .await;
    match client.holder().await {
        Err(Error::Rejected(message)) => assert_eq!(message, "Holder is not allowed"),
        other => panic!("{address}: expected the inspector's error, got {other:?}"),
    }
    assert_eq!(fixture.counters.calls(), 0, "{address}: the operation ran");
    assert_eq!(
        fixture.counters.built(),
        0,
        "{address}: an instance was built"
    );
    // The client goes on with the calls the inspector lets through.
    client.whereabouts().await.unwrap();
    assert_eq!(fixture.counters.calls(), 1, "{address}");
    fixture.finish([client]).await;
}

#[tokio::test]
async fn a_client_inspector_that_fails_stops_the_call_before_it_is_sent() {
    over_every_binding!(client_inspector_stops_a_call);
}

/// Notes each request and reply it sees, under its name, and whether the request already
/// carried a `Ticket` when it saw it.
struct ClientTracer {
    name: &'static str,
    log: Log,
}

impl ClientInspector for ClientTracer {
    type State = &'static str;

    fn before_send_request(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<&'static str, Error> {
        let ticket = request.headers.get::<Ticket>()?.is_some();
        self.log.lock().unwrap().push(format!(
            "{} sends {} (ticket: {ticket})",
            self.name, operation.name
        ));
        Ok(operation.name)
    }

    fn after_receive_reply(
        &self,
        _reply: &mut Message,
        operation: &'static str,
    ) -> Result<(), Error> {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} receives {operation}", self.name));
        Ok(())
    }
}

async fn client_inspectors_in_order<B: Binding>(binding: B, address: &str, _carries: Carries) {
    let fixture = Fixture::open(binding, address, |s| s).await;
    let log = Log::default();
    let tracer = |name| ClientTracer {
        name,
        log: log.clone(),
    };
    let issuer = IssuesTickets {
        holder: "nested",
        replies: Log::default(),
    };
    let options = ClientOptions::new()
        .inspector(tracer("first"))
        .inspector(issuer)
        .inspector(tracer("second"));
    let client = fixture.client_with(options).await;
    assert_eq!(client.holder().await.unwrap(), "nested", "{address}");
    assert_eq!(
        take(&log),
        [
            "first sends Holder (ticket: false)",
            "second sends Holder (ticket: true)",
            "first receives Holder",
            "second receives Holder",
        ],
        "{address}"
    );

    // A one-way call has no reply to inspect: once the service has run it, a two-way call
    // (whose reply comes after anything the one-way call could have caused) shows none.
    client.fire(7).await.unwrap();
    assert_eq!(fixture.counters.wait_fired(1).await, [7], "{address}");
    client.whereabouts().await.unwrap();
    assert_eq!(
        take(&log),
        [
            "first sends Fire (ticket: false)",
            "second sends Fire (ticket: true)",
            "first sends Whereabouts (ticket: false)",
            "second sends Whereabouts (ticket: true)",
            "first receives Whereabouts",
            "second receives Whereabouts",
        ],
        "{address}"
    );
    fixture.finish([client]).await;
}

#[tokio::test]
async fn client_inspectors_run_in_the_order_added_both_ways() {
    over_every_binding!(client_inspectors_in_order);
}

// 4. Dispatch inspectors.

/// Refuses requests without a `Ticket` (and so understands one marked `mustUnderstand`); notes
/// every answer it sees go out.
#[derive(Clone, Default)]
struct Gate {
    log: Log,
}

impl DispatchInspector for Gate {
    type State = ();

    fn after_receive_request(&self, request: &mut Message, _call: &CallInfo) -> Result<(), Fault> {
        if request.headers.understand(NS, "Ticket") == 0 {
            return Err(
                Fault::new(FaultKind::Sender, "a ticket is required").with_subcode(NS, "NoTicket")
            );
        }
        Ok(())
    }

    fn before_send_reply(&self, reply: Option<&mut Message>, (): ()) {
        let answer = describe(reply.as_deref());
        self.log
            .lock()
            .unwrap()
            .push(format!("gate sends {answer}"));
    }
}

fn ticket(holder: &str) -> CallScope {
    CallScope::new()
        .with_header(&Ticket {
            holder: holder.to_owned(),
        })
        .unwrap()
}

async fn dispatch_inspector_rejects<B: Binding>(binding: B, address: &str, carries: Carries) {
    let log = Log::default();
    let first = Tracer {
        name: "first",
        refuses: false,
        log: log.clone(),
    };
    let gate = Gate { log: log.clone() };
    let fixture = Fixture::open(binding, address, |s| s.inspector(first).inspector(gate)).await;
    let client = fixture.client().await;

    let fault = fault_of(client.holder().await);
    assert_eq!(fault.reason(), "a ticket is required", "{address}");
    assert_eq!(fault.subcode(), Some("NoTicket"), "{address}: {fault}");
    // SOAP 1.1 has room for one code: the subcode is the `faultcode`, its class is lost.
    if carries.soap12 {
        assert_eq!(fault.code.kind, FaultKind::Sender, "{address}: {fault}");
    }
    assert_eq!(fixture.counters.calls(), 0, "{address}: the operation ran");
    assert_eq!(
        fixture.counters.built(),
        0,
        "{address}: an instance was built"
    );
    // The gate does not see its own refusal go out; the inspector outside it does.
    assert_eq!(
        take(&log),
        [
            "first receives Holder",
            "first sends Holder: fault a ticket is required"
        ],
        "{address}"
    );

    // The same client (on a session, the same session) gets through with a ticket.
    let (holder, _) = ticket("ann").run(client.holder()).await;
    assert_eq!(holder.unwrap(), "ann", "{address}");
    assert_eq!(fixture.counters.calls(), 1, "{address}");
    assert_eq!(fixture.counters.built(), 1, "{address}");
    let reply = format!("reply {HOLDER_REPLY_ACTION}");
    assert_eq!(
        take(&log),
        [
            "first receives Holder".to_owned(),
            format!("first sends Holder: {reply}"),
            format!("gate sends {reply}"),
        ],
        "{address}"
    );
    fixture.finish([client]).await;
}

#[tokio::test]
async fn a_dispatch_inspector_rejects_a_request_before_the_operation_runs() {
    over_every_binding!(dispatch_inspector_rejects);
}

/// Notes each request and answer it sees, under its name; refuses every request if `refuses`.
#[derive(Clone)]
struct Tracer {
    name: &'static str,
    refuses: bool,
    log: Log,
}

impl DispatchInspector for Tracer {
    type State = &'static str;

    fn after_receive_request(
        &self,
        _request: &mut Message,
        call: &CallInfo,
    ) -> Result<&'static str, Fault> {
        let operation = call.operation().name;
        self.log
            .lock()
            .unwrap()
            .push(format!("{} receives {operation}", self.name));
        if self.refuses {
            return Err(Fault::new(
                FaultKind::Sender,
                format!("{} refuses", self.name),
            ));
        }
        Ok(operation)
    }

    fn before_send_reply(&self, reply: Option<&mut Message>, operation: &'static str) {
        self.log.lock().unwrap().push(format!(
            "{} sends {operation}: {}",
            self.name,
            describe(reply.as_deref())
        ));
    }
}

async fn dispatch_inspectors_in_order<B: Binding>(binding: B, address: &str, _carries: Carries) {
    let log = Log::default();
    let tracer = |name, refuses| Tracer {
        name,
        refuses,
        log: log.clone(),
    };
    let (first, second) = (tracer("first", false), tracer("second", false));
    let fixture = Fixture::open(binding.clone(), address, |s| {
        s.inspector(first).inspector(second)
    })
    .await;
    let client = fixture.client().await;
    client.whereabouts().await.unwrap();
    let reply = format!("reply {WHEREABOUTS_ACTION}Response");
    assert_eq!(
        take(&log),
        [
            "first receives Whereabouts".to_owned(),
            "second receives Whereabouts".to_owned(),
            format!("first sends Whereabouts: {reply}"),
            format!("second sends Whereabouts: {reply}"),
        ],
        "{address}"
    );
    fixture.finish([client]).await;

    // A refusal by the second: the first sees its fault, the second sees nothing more.
    let (first, second) = (tracer("first", false), tracer("second", true));
    let fixture = Fixture::open(binding, address, |s| s.inspector(first).inspector(second)).await;
    let client = fixture.client().await;
    let fault = fault_of(client.whereabouts().await);
    assert_eq!(fault.reason(), "second refuses", "{address}");
    assert_eq!(
        take(&log),
        [
            "first receives Whereabouts",
            "second receives Whereabouts",
            "first sends Whereabouts: fault second refuses",
        ],
        "{address}"
    );
    assert_eq!(fixture.counters.calls(), 0, "{address}");
    fixture.finish([client]).await;
}

#[tokio::test]
async fn dispatch_inspectors_run_in_the_order_added_both_ways() {
    over_every_binding!(dispatch_inspectors_in_order);
}

/// Sends each answer it sees, with the operation's name, down a channel.
struct Reports(mpsc::UnboundedSender<String>);

impl DispatchInspector for Reports {
    type State = &'static str;

    fn after_receive_request(
        &self,
        _request: &mut Message,
        call: &CallInfo,
    ) -> Result<&'static str, Fault> {
        Ok(call.operation().name)
    }

    fn before_send_reply(&self, reply: Option<&mut Message>, operation: &'static str) {
        let _ = self
            .0
            .send(format!("{operation}: {}", describe(reply.as_deref())));
    }
}

async fn one_way_has_no_reply<B: Binding>(binding: B, address: &str, _carries: Carries) {
    let (reports, mut reported) = mpsc::unbounded_channel();
    let fixture = Fixture::open(binding, address, |s| s.inspector(Reports(reports))).await;
    let client = fixture.client().await;
    let mut next_report = async || {
        tokio::time::timeout(Duration::from_secs(10), reported.recv())
            .await
            .expect("the inspector saw the answer in time")
            .expect("the inspector is alive")
    };
    client.fire(7).await.unwrap();
    assert_eq!(next_report().await, "Fire: none", "{address}");
    // The inspector saw the (absent) reply after the operation ran.
    assert_eq!(*fixture.counters.fired.borrow(), [7], "{address}");

    client.whereabouts().await.unwrap();
    assert_eq!(
        next_report().await,
        format!("Whereabouts: reply {WHEREABOUTS_ACTION}Response"),
        "{address}"
    );
    fixture.finish([client]).await;
}

#[tokio::test]
async fn a_dispatch_inspector_sees_no_reply_for_a_one_way_call() {
    over_every_binding!(one_way_has_no_reply);
}

/// A `Ticket` marked `mustUnderstand`.
fn must_understand_ticket() -> CallScope {
    let mut block = HeaderBlock::from_header(&Ticket {
        holder: "eve".to_owned(),
    })
    .unwrap();
    block.must_understand = true;
    CallScope::new().with_block(block)
}

async fn inspector_understands<B: Binding>(binding: B, address: &str, _carries: Carries) {
    // Without an inspector nothing understands the ticket.
    let fixture = Fixture::open(binding.clone(), address, |s| s).await;
    let client = fixture.client().await;
    let (result, _) = must_understand_ticket().run(client.holder()).await;
    let fault = fault_of(result);
    assert_eq!(
        fault.code.kind,
        FaultKind::MustUnderstand,
        "{address}: {fault}"
    );
    assert_eq!(fixture.counters.calls(), 0, "{address}");
    fixture.finish([client]).await;

    // The gate marks it understood.
    let fixture = Fixture::open(binding, address, |s| s.inspector(Gate::default())).await;
    let client = fixture.client().await;
    let (result, _) = must_understand_ticket().run(client.holder()).await;
    assert_eq!(result.unwrap(), "eve", "{address}");
    assert_eq!(fixture.counters.calls(), 1, "{address}");
    fixture.finish([client]).await;
}

#[tokio::test]
async fn a_dispatch_inspector_can_understand_a_must_understand_header() {
    over_every_binding!(inspector_understands);
}

// 5. Correlation ids end to end.

/// Sends a fresh `CorrelationId` with every request, and checks that its reply brings it back.
#[derive(Clone, Default)]
struct Correlator {
    next: Arc<AtomicU32>,
    sent: Log,
    confirmed: Arc<AtomicUsize>,
}

impl ClientInspector for Correlator {
    type State = CorrelationId;

    fn before_send_request(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<CorrelationId, Error> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let id = CorrelationId {
            value: format!("{}-{n}", operation.name),
        };
        request.headers.insert(&id)?;
        self.sent.lock().unwrap().push(id.value.clone());
        Ok(id)
    }

    fn after_receive_reply(&self, reply: &mut Message, sent: CorrelationId) -> Result<(), Error> {
        match reply.headers.get::<CorrelationId>()? {
            Some(back) if back == sent => {
                self.confirmed.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            back => Err(Error::Rejected(format!(
                "sent correlation id {}, got {back:?}",
                sent.value
            ))),
        }
    }
}

/// Copies a request's `CorrelationId` into its answer.
struct EchoesCorrelation;

impl DispatchInspector for EchoesCorrelation {
    type State = Option<CorrelationId>;

    fn after_receive_request(
        &self,
        request: &mut Message,
        _call: &CallInfo,
    ) -> Result<Option<CorrelationId>, Fault> {
        request
            .headers
            .get::<CorrelationId>()
            .map_err(|e| Fault::new(FaultKind::Sender, format!("a bad CorrelationId: {e}")))
    }

    fn before_send_reply(&self, reply: Option<&mut Message>, id: Option<CorrelationId>) {
        if let (Some(reply), Some(id)) = (reply, id) {
            reply.headers.insert(&id).expect("a writable CorrelationId");
        }
    }
}

async fn correlation_round_trip<B: Binding>(binding: B, address: &str, _carries: Carries) {
    let fixture = Fixture::open(binding.clone(), address, |s| s.inspector(EchoesCorrelation)).await;
    let correlator = Correlator::default();
    let client = fixture
        .client_with(ClientOptions::new().inspector(correlator.clone()))
        .await;
    let mut read = vec![
        client.correlation().await.unwrap(),
        client.correlation().await.unwrap(),
    ];
    // Two calls at once each get their own id back.
    let (a, b) = tokio::join!(client.correlation(), client.correlation());
    read.extend([a.unwrap(), b.unwrap()]);
    read[2..].sort();
    assert_eq!(
        read,
        [
            "Correlation-0",
            "Correlation-1",
            "Correlation-2",
            "Correlation-3"
        ],
        "{address}: what the operation read"
    );
    assert_eq!(
        take(&correlator.sent),
        read,
        "{address}: what the client sent"
    );
    assert_eq!(correlator.confirmed.load(Ordering::SeqCst), 4, "{address}");
    fixture.finish([client]).await;

    // Without the dispatch inspector the id does not come back, and the client inspector's error
    // is the call's, though the operation ran.
    let fixture = Fixture::open(binding, address, |s| s).await;
    let correlator = Correlator::default();
    let client = fixture
        .client_with(ClientOptions::new().inspector(correlator.clone()))
        .await;
    match client.correlation().await {
        Err(Error::Rejected(message)) => {
            assert_eq!(message, "sent correlation id Correlation-0, got None");
        }
        other => panic!("{address}: expected the inspector's error, got {other:?}"),
    }
    assert_eq!(fixture.counters.calls(), 1, "{address}");
    assert_eq!(correlator.confirmed.load(Ordering::SeqCst), 0, "{address}");
    fixture.finish([client]).await;
}

#[tokio::test]
async fn a_correlation_id_goes_out_and_comes_back_through_inspectors() {
    over_every_binding!(correlation_round_trip);
}

// 6. Outside an operation.

#[tokio::test]
async fn there_is_no_operation_context_outside_an_operation() {
    assert!(matches!(
        OperationContext::with(|cx| cx.call().action()),
        Err(Error::OutsideOperation)
    ));
}

// Found while writing these tests.

#[service_contract(namespace = "urn:indigo:tests:context")]
trait Ping {
    async fn ping(&self) -> u32;
}

struct Pong;

impl Ping for Pong {
    async fn ping(&self) -> u32 {
        1
    }
}

/// Once `shutdown` has returned, the host no longer listens: another host can take its address
/// at once (as a WCF `ServiceHost.Close` frees its listen URI).
#[tokio::test]
async fn a_memory_address_is_free_again_once_its_host_has_shut_down() {
    let address = common::unique("operation-context");
    let first = common::host(PingContract::single(Pong), MemoryBinding::new(), &address).await;
    first.shutdown().await;
    let host = ServiceHost::builder()
        .endpoint(PingContract::single(Pong), MemoryBinding::new(), &address)
        .open()
        .await
        .expect("the address is free once its host has shut down");
    let client = PingClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    assert_eq!(client.ping().await.unwrap(), 1);
    client.close().await.unwrap();
    host.shutdown().await;
}
