//! Peers and service code that misbehave: a client that does not read its replies, and
//! inspectors or instance context providers that panic. None of them may hold up other
//! sessions, hang a shutdown, or skip an instance's release.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use indigo::address::EndpointAddress;
use indigo::channel::{MessageSink, MessageSource, SendExt};
use indigo::contract::Contract;
use indigo::message::{Body, Fault, Message, WSA10_ANONYMOUS, XmlFragment};
use indigo::prelude::*;
use indigo::service::{CallInfo, DispatchInspector};

/// Operation `index` of the calculator contract as a raw request numbered `id`.
fn request(index: usize, inner: &str, id: usize) -> Message {
    let contract = CalculatorSessionContract::DESCRIPTION;
    let op = &contract.operations[index];
    let body = format!(
        r#"<{0} xmlns="{1}">{inner}</{0}>"#,
        op.name, contract.namespace
    );
    let mut message = Message::new(op.action, Body::Xml(XmlFragment::new(body)));
    message.headers.message_id = Some(format!("urn:uuid:00000000-0000-4000-8000-{id:012}").into());
    message.headers.reply_to = Some(WSA10_ANONYMOUS.into());
    message
}

/// Opens a raw session to `address` and sends more requests than the channel holds replies
/// for, never reading one; returns the channel's halves (the session lives while they do).
async fn stuck_client(address: &str) -> (Box<dyn MessageSource>, Arc<dyn MessageSink>) {
    let address = EndpointAddress::parse(address).unwrap();
    let channel = indigo::transport::memory::connect(&address, true)
        .await
        .unwrap();
    let (input, output, _session) = channel.into_parts();
    output.send(request(0, "", 0)).await.unwrap();
    for id in 1..=1100 {
        output.send(request(1, "<n>1</n>", id)).await.unwrap();
    }
    // Let the service work through what it can: the clock is paused, so this returns once
    // every task waits.
    tokio::time::sleep(Duration::from_millis(1)).await;
    (input, output)
}

#[tokio::test(start_paused = true)]
async fn a_client_that_does_not_read_its_replies_holds_up_no_other_session_of_a_singleton() {
    let probe = Probe::default();
    let address = unique("stuck-single");
    let _host = host(
        CalculatorSessionContract::single(Calculator::new(&probe)),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let _stuck = stuck_client(&address).await;
    let other = CalculatorSessionClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let (other, ()) = other.clear().await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO, "answered at once");
    other.add_to(2.0).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_reply_that_cannot_be_sent_holds_no_call_throttle_place() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("stuck-calls");
    let _host = ServiceHost::builder()
        .max_concurrent_calls(1)
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            MemoryBinding::new(),
            &address,
        )
        .open()
        .await
        .unwrap();
    let _stuck = stuck_client(&address).await;
    let other = CalculatorSessionClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    other.clear().await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO, "answered at once");
}

#[tokio::test(start_paused = true)]
async fn a_session_whose_replies_cannot_be_sent_is_aborted_after_the_send_timeout() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("stuck-aborted");
    let _host = host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        MemoryBinding::new().send_timeout(Duration::from_secs(5)),
        &address,
    )
    .await;
    let started = tokio::time::Instant::now();
    let stuck = stuck_client(&address).await;
    probe.wait_dropped(1).await;
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(
        probe.counts(),
        (1, 1, 1),
        "the session's instance is released"
    );
    drop(stuck);
}

#[tokio::test(start_paused = true)]
async fn shutdown_does_not_wait_for_a_reply_that_cannot_be_sent() {
    let probe = Probe::default();
    let factory = probe.clone();
    let address = unique("stuck-shutdown");
    let host = host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        MemoryBinding::new(),
        &address,
    )
    .await;
    let _stuck = stuck_client(&address).await;
    let started = tokio::time::Instant::now();
    host.shutdown_within(Duration::from_secs(1)).await;
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(1),
        "aborted at the deadline"
    );
    assert_eq!(probe.counts(), (1, 1, 1));
}

/// Panics on `AddTo` requests.
struct Panicky;

impl DispatchInspector for Panicky {
    type State = ();
    fn after_receive_request(&self, request: &mut Message, _call: &CallInfo) -> Result<(), Fault> {
        assert!(!request.action().ends_with("AddTo"), "an inspector's bug");
        Ok(())
    }
    fn before_send_reply(&self, _reply: Option<&mut Message>, (): ()) {}
}

/// Panics on replies to `Clear`.
struct PanickyOnTheWayOut;

impl DispatchInspector for PanickyOnTheWayOut {
    type State = &'static str;
    fn after_receive_request(
        &self,
        _request: &mut Message,
        call: &CallInfo,
    ) -> Result<&'static str, Fault> {
        Ok(call.operation().name)
    }
    fn before_send_reply(&self, _reply: Option<&mut Message>, operation: &'static str) {
        assert_ne!(operation, "Clear", "an inspector's bug");
    }
}

/// A panic in service code outside an operation is a fault to its caller, ends its session,
/// and the session's instance is still released.
async fn a_panic_is_a_fault(
    service: Service<CalculatorSessionContract, Calculator>,
    probe: &Probe,
) {
    let address = unique("panicky");
    let _host = host(service, MemoryBinding::new(), &address).await;
    let client = CalculatorSessionClient::connect(MemoryBinding::new(), &address)
        .await
        .unwrap();
    let error = match client.clear().await {
        Ok((calc, ())) => calc.add_to(1.0).await.unwrap_err(),
        Err(error) => error,
    };
    let fault = error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error:?}"));
    assert!(
        fault.reason().contains("panicked") || fault.reason().contains("failed unexpectedly"),
        "{fault}"
    );
    let built = probe.built();
    probe.wait_dropped(built).await;
    assert_eq!(
        probe.counts(),
        (built, built, built),
        "(built, released, dropped)"
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_inspector_on_the_way_in_is_a_fault() {
    let probe = Probe::default();
    let factory = probe.clone();
    let service = CalculatorSessionContract::per_session(move || Calculator::new(&factory))
        .inspector(Panicky);
    a_panic_is_a_fault(service, &probe).await;
}

#[tokio::test(start_paused = true)]
async fn a_panicking_inspector_on_the_way_out_is_a_fault() {
    let probe = Probe::default();
    let factory = probe.clone();
    let service = CalculatorSessionContract::per_session(move || Calculator::new(&factory))
        .inspector(PanickyOnTheWayOut);
    a_panic_is_a_fault(service, &probe).await;
}

#[tokio::test(start_paused = true)]
async fn a_panicking_instance_context_provider_is_a_fault() {
    let probe = Probe::default();
    let factory = probe.clone();
    let service = CalculatorSessionContract::per_session(move || Calculator::new(&factory))
        .share_instances_by(|_: &Message, _: &CallInfo| -> Option<String> {
            panic!("a provider's bug")
        });
    a_panic_is_a_fault(service, &probe).await;
}
