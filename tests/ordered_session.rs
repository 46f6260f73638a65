//! Sessions over HTTP with `OrderedSession`: a `session = Required` contract, one instance per
//! session, messages in the order they were sent although they travel as concurrent exchanges.

mod common;

use common::*;
use indigo::binding::{Binding, OrderedSession};
use indigo::channel::ordered::SESSION_NS;
use indigo::channel::{Connection, RequestChannel};
use indigo::message::{Body, HeaderBlock, Message, XmlFragment};
use indigo::prelude::*;
use indigo::xml::Infoset;

const ADDRESS: &str = "http://127.0.0.1:0/calc";

async fn calculator_host(probe: &Probe, binding: OrderedSession<WsHttpBinding>) -> ServiceHost {
    let factory = probe.clone();
    host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        binding,
        ADDRESS,
    )
    .await
}

#[tokio::test]
async fn a_required_contract_runs_one_instance_per_session_over_http() {
    let probe = Probe::default();
    let binding = OrderedSession::new(WsHttpBinding::new());
    let host = calculator_host(&probe, binding.clone()).await;

    let client = CalculatorSessionClient::connect(binding.clone(), host.address())
        .await
        .unwrap();
    let (calc, ()) = client.clear().await.unwrap();
    calc.add_to(2.0).await.unwrap();
    calc.multiply_by(21.0).await.unwrap();
    assert_eq!(calc.equals().await.unwrap(), 42.0);
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
    assert_eq!(probe.calls(), 4);
}

#[tokio::test]
async fn sessions_over_basic_http_are_kept_apart() {
    let probe = Probe::default();
    let factory = probe.clone();
    let binding = OrderedSession::new(BasicHttpBinding::new());
    let host = host(
        CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
        binding.clone(),
        ADDRESS,
    )
    .await;
    let mut sessions = tokio::task::JoinSet::new();
    for i in 0..20u32 {
        let (binding, address) = (binding.clone(), host.address().to_owned());
        sessions.spawn(async move {
            let client = CalculatorSessionClient::connect(binding, &address).await?;
            let (calc, ()) = client.clear().await?;
            calc.add_to(f64::from(i)).await?;
            calc.add_to(f64::from(i)).await?;
            Ok::<_, indigo::Error>((i, calc.equals().await?))
        });
    }
    while let Some(result) = sessions.join_next().await {
        let (i, total) = result.unwrap().unwrap();
        assert_eq!(total, f64::from(i) * 2.0);
    }
    probe.wait_dropped(20).await;
    assert_eq!(probe.counts(), (20, 20, 20));
}

#[tokio::test]
async fn one_way_messages_sent_together_arrive_in_order() {
    let binding = OrderedSession::new(WsHttpBinding::new());
    let host = host(
        SequencerContract::per_session(SequenceChecker::default),
        binding.clone(),
        ADDRESS,
    )
    .await;
    let client = SequencerClient::connect(binding, host.address())
        .await
        .unwrap();
    let (sequence, ()) = client.start().await.unwrap();
    // One-way calls return once queued: they leave as concurrent exchanges on several
    // connections, and the service puts them back in order.
    for n in 0..300 {
        sequence.push(n).await.unwrap();
    }
    let report = sequence.report().await.unwrap();
    assert_eq!(
        report,
        Report {
            count: 300,
            in_order: true
        }
    );
    sequence.close().await.unwrap();
}

/// A request with a session header, sent without the session layer.
fn with_session_header(id: &str, number: u64) -> Message {
    let mut message = Message::new(
        "http://peers.test/calc/ICalculatorSession/AddTo",
        Body::Xml(XmlFragment::new(
            r#"<AddTo xmlns="http://peers.test/calc"><n>1</n></AddTo>"#,
        )),
    );
    message.headers.message_id = Some("urn:uuid:00000000-0000-0000-0000-000000000001".into());
    let header = Infoset::parse(&format!(
        r#"<Session xmlns="{SESSION_NS}"><Id>{id}</Id><Number>{number}</Number><Reply>true</Reply></Session>"#
    ))
    .unwrap();
    message.headers.other.push(HeaderBlock::new(header));
    message
}

async fn raw_channel(address: &str) -> impl RequestChannel {
    let parsed = indigo::address::EndpointAddress::parse(address).unwrap();
    match WsHttpBinding::new().connect(&parsed).await.unwrap() {
        Connection::Request(channel) => channel,
        Connection::Duplex(_) => unreachable!("HTTP is request-reply"),
    }
}

#[tokio::test]
async fn a_request_for_an_unknown_session_or_without_one_gets_a_fault() {
    let probe = Probe::default();
    let host = calculator_host(&probe, OrderedSession::new(WsHttpBinding::new())).await;
    let channel = raw_channel(host.address()).await;

    let reply = channel
        .request(with_session_header("urn:uuid:gone", 3))
        .await
        .unwrap()
        .unwrap();
    let Body::Fault(fault) = reply.body else {
        panic!("expected a fault, got {reply:?}")
    };
    assert_eq!(fault.subcode(), Some("UnknownSession"));

    let mut plain = with_session_header("x", 0);
    plain.headers.other.clear();
    let reply = channel.request(plain).await.unwrap().unwrap();
    let Body::Fault(fault) = reply.body else {
        panic!("expected a fault, got {reply:?}")
    };
    assert_eq!(fault.subcode(), Some("MissingSession"));
    assert_eq!(probe.calls(), 0, "no operation ran");
}

#[tokio::test]
async fn a_session_starts_only_with_an_initiating_call() {
    let probe = Probe::default();
    let host = calculator_host(&probe, OrderedSession::new(WsHttpBinding::new())).await;
    let channel = raw_channel(host.address()).await;
    let reply = channel
        .request(with_session_header("urn:uuid:fresh", 0))
        .await
        .unwrap()
        .unwrap();
    let Body::Fault(fault) = reply.body else {
        panic!("expected a fault, got {reply:?}")
    };
    assert_eq!(fault.subcode(), Some("ActionNotSupported"));
    assert_eq!(probe.calls(), 0);
}
