//! Sessions and instance contexts over real TCP sockets on 127.0.0.1 (.NET Message Framing).

mod common;

use std::time::Duration;

use bytes::BytesMut;
use common::*;
use futures_util::{SinkExt, StreamExt};
use indigo::Error;
use indigo::client::ClientChannel;
use indigo::contract::Contract;
use indigo::encoding::MessageEncoder;
use indigo::encoding::text::TextEncoder;
use indigo::message::{Body, Message, XmlFragment};
use indigo::prelude::*;
use indigo::transport::tcp::framing::{FramingCodec, Record, fault, known_encoding};
use indigo::transport::tcp::preamble::send_preamble;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

const CALC: &str = "net.tcp://127.0.0.1:0/calc";

async fn calculator_host(probe: &Probe) -> ServiceHost {
    let probe = probe.clone();
    host(
        CalculatorSessionContract::per_session(move || Calculator::new(&probe)),
        NetTcpBinding::new(),
        CALC,
    )
    .await
}

async fn connect(host: &ServiceHost) -> CalculatorSessionClient {
    CalculatorSessionClient::connect(NetTcpBinding::new(), host.address())
        .await
        .expect("client connects")
}

#[tokio::test]
async fn the_seed_calculation_and_a_parallel_session_keep_their_own_totals() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let first = async {
        let (calc, ()) = connect(&host).await.clear().await?;
        calc.add_to(100.0).await?;
        calc.subtract_from(50.0).await?;
        calc.multiply_by(17.65).await?;
        calc.divide_by(2.0).await?;
        calc.equals().await
    };
    let second = async {
        let (calc, ()) = connect(&host).await.clear().await?;
        calc.add_to(7.0).await?;
        calc.multiply_by(6.0).await?;
        calc.equals().await
    };
    let (first, second) = tokio::try_join!(first, second).expect("both sessions succeed");
    assert!((first - 441.25).abs() < 1e-9, "{first}");
    assert_eq!(second, 42.0);
    probe.wait_dropped(2).await;
    assert_eq!(probe.counts(), (2, 2, 2));
}

#[tokio::test]
async fn a_terminating_operation_ends_the_session_and_drops_the_instance_once() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let (calc, ()) = connect(&host).await.clear().await.unwrap();
    calc.add_to(2.0).await.unwrap();
    assert_eq!(probe.counts(), (1, 0, 0));
    assert_eq!(calc.equals().await.unwrap(), 2.0);
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
}

#[tokio::test]
async fn close_ends_the_session_and_drops_the_instance_once() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let (calc, ()) = connect(&host).await.clear().await.unwrap();
    calc.add_to(2.0).await.unwrap();
    calc.close().await.unwrap();
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
}

#[tokio::test]
async fn abort_and_drop_end_the_session_and_drop_the_instance_once() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let (aborted, ()) = connect(&host).await.clear().await.unwrap();
    aborted.abort();
    probe.wait_dropped(1).await;
    let (dropped, ()) = connect(&host).await.clear().await.unwrap();
    drop(dropped);
    probe.wait_dropped(2).await;
    assert_eq!(probe.counts(), (2, 2, 2));
}

#[tokio::test]
async fn a_lost_connection_drops_the_instance_once() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let mut raw = RawClient::connect(host.address()).await;
    let reply = raw.call(&request(0, "")).await;
    assert!(!reply.is_fault(), "{reply:?}");
    assert_eq!(probe.built(), 1);
    drop(raw);
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
}

#[tokio::test]
async fn a_session_is_not_built_until_its_first_initiating_call() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let client = connect(&host).await;
    client.close().await.unwrap();
    assert_eq!(probe.counts(), (0, 0, 0));
    drop(host);
}

#[tokio::test]
async fn per_call_builds_an_instance_for_every_call() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        EchoContract::per_call(move || Echoer::new(&factory)),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/echo",
    )
    .await;
    let client = EchoClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    for text in ["a", "b", "c"] {
        assert_eq!(client.echo(text.into()).await.unwrap(), text);
    }
    probe.wait_dropped(3).await;
    assert_eq!(probe.counts(), (3, 3, 3));
}

#[tokio::test]
async fn single_shares_one_instance_until_the_host_shuts_down() {
    let probe = Probe::default();
    let host = host(
        EchoContract::single(Echoer::new(&probe)),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/echo",
    )
    .await;
    for _ in 0..2 {
        let client = EchoClient::connect(NetTcpBinding::new(), host.address())
            .await
            .unwrap();
        assert_eq!(client.echo("x".into()).await.unwrap(), "x");
        client.close().await.unwrap();
    }
    assert_eq!(probe.counts(), (1, 0, 0));
    assert_eq!(probe.calls(), 2);
    host.shutdown().await;
    probe.wait_dropped(1).await;
    assert_eq!(probe.counts(), (1, 1, 1));
}

#[tokio::test]
async fn typed_faults_reach_the_client_and_the_session_goes_on() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        EchoContract::per_session(move || Echoer::new(&factory)),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/echo",
    )
    .await;
    let client = EchoClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    assert_eq!(
        client.checked("toolong".into(), 3).await.unwrap(),
        Err(TooLong { limit: 3 })
    );
    assert_eq!(
        client.checked("ok".into(), 3).await.unwrap(),
        Ok("ok".into())
    );
    assert_eq!(probe.built(), 1, "one instance for the whole session");
}

#[tokio::test]
async fn ten_thousand_one_way_calls_arrive_in_order() {
    let host = host(
        SequencerContract::per_session(SequenceChecker::default),
        NetTcpBinding::new(),
        "net.tcp://127.0.0.1:0/seq",
    )
    .await;
    let client = SequencerClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    let (seq, ()) = client.start().await.unwrap();
    for n in 0..10_000 {
        seq.push(n).await.unwrap();
    }
    let report = seq.report().await.unwrap();
    assert_eq!(
        report,
        Report {
            count: 10_000,
            in_order: true
        }
    );
}

#[tokio::test]
async fn foreign_clients_get_faults_for_session_rule_violations() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let d = <CalculatorSessionContract as Contract>::DESCRIPTION;
    // A raw channel does not have the typed client's compile-time rules.
    let channel = ClientChannel::connect::<CalculatorSessionContract, _>(
        NetTcpBinding::new(),
        host.address(),
    )
    .await
    .unwrap();
    let add_to = || {
        Body::Xml(XmlFragment::new(
            r#"<AddTo xmlns="http://peers.test/calc"><n>1</n></AddTo>"#,
        ))
    };

    let first = channel.call(d, 1, add_to()).await.unwrap();
    let Body::Fault(fault) = first else {
        panic!("expected a fault, got {first:?}")
    };
    assert_eq!(fault.subcode(), Some("ActionNotSupported"));
    assert!(
        fault.reason().contains("not initiating"),
        "{}",
        fault.reason()
    );
    assert_eq!(
        probe.counts(),
        (0, 0, 0),
        "no instance for a refused first call"
    );

    let clear = Body::Xml(XmlFragment::new(
        r#"<Clear xmlns="http://peers.test/calc"/>"#,
    ));
    assert!(matches!(
        channel.call(d, 0, clear).await.unwrap(),
        Body::Xml(_) | Body::Infoset(_)
    ));
    let equals = Body::Xml(XmlFragment::new(
        r#"<Equals xmlns="http://peers.test/calc"/>"#,
    ));
    assert!(matches!(
        channel.call(d, 5, equals).await.unwrap(),
        Body::Xml(_) | Body::Infoset(_)
    ));
    assert_eq!(probe.calls(), 2);

    let after = channel.call(d, 1, add_to()).await.unwrap();
    let Body::Fault(fault) = after else {
        panic!("expected a fault, got {after:?}")
    };
    assert_eq!(fault.subcode(), Some("SessionTerminated"));
    assert!(fault.reason().contains("Equals"), "{}", fault.reason());
    assert_eq!(probe.calls(), 2, "the instance is untouched");

    // The host keeps serving.
    let (calc, ()) = connect(&host).await.clear().await.unwrap();
    calc.add_to(3.0).await.unwrap();
    assert_eq!(calc.equals().await.unwrap(), 3.0);
}

#[tokio::test]
async fn an_unknown_action_gets_action_not_supported() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let mut raw = RawClient::connect(host.address()).await;
    let mut message = request(0, "");
    message.headers.action = Some("http://peers.test/calc/ICalculatorSession/Nope".into());
    let reply = raw.call(&message).await;
    let Body::Fault(fault) = reply.body else {
        panic!("expected a fault")
    };
    assert_eq!(fault.subcode(), Some("ActionNotSupported"));
}

#[tokio::test]
async fn a_malformed_request_body_gets_a_deserialization_fault() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let mut raw = RawClient::connect(host.address()).await;
    assert!(!raw.call(&request(0, "")).await.is_fault());
    let reply = raw.call(&request(1, "<n>not a number</n>")).await;
    let Body::Fault(fault) = reply.body else {
        panic!("expected a fault")
    };
    assert_eq!(fault.subcode(), Some("DeserializationFailed"));
    assert!(fault.reason().contains("AddTo"), "{}", fault.reason());
    // The session goes on.
    assert!(!raw.call(&request(1, "<n>2</n>")).await.is_fault());
}

#[tokio::test]
async fn an_oversized_message_gets_a_fault_and_the_host_keeps_serving() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = host(
        EchoContract::per_call(move || Echoer::new(&factory)),
        NetTcpBinding::new().max_received_message_size(4096),
        "net.tcp://127.0.0.1:0/echo",
    )
    .await;
    let client = EchoClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    let error = client.echo("x".repeat(10_000)).await.unwrap_err();
    assert!(
        matches!(&error, Error::FramingFault(uri) if uri == fault::MAX_MESSAGE_SIZE_EXCEEDED),
        "{error:?}"
    );
    assert_eq!(probe.calls(), 0);

    let client = EchoClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap();
    assert_eq!(client.echo("small".into()).await.unwrap(), "small");
}

#[tokio::test]
async fn a_garbage_frame_closes_only_its_connection() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let (calc, ()) = connect(&host).await.clear().await.unwrap();

    let mut raw = RawClient::connect(host.address()).await;
    raw.framed
        .get_mut()
        .write_all_bytes(&[0x06, 0x05, b'g', b'a', b'r', b'b', b'!'])
        .await;
    let (Some(Ok(Record::Fault(_))) | None) = raw.framed.next().await else {
        panic!("expected a fault record or the end of the stream");
    };
    assert!(
        raw.framed.next().await.is_none(),
        "the connection is closed"
    );

    calc.add_to(5.0).await.unwrap();
    assert_eq!(calc.equals().await.unwrap(), 5.0);
}

#[tokio::test]
async fn an_unknown_via_is_refused_with_endpoint_not_found() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let wrong = host.address().replace("/calc", "/nothing-here");
    let error = CalculatorSessionClient::connect(NetTcpBinding::new(), &wrong)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::FramingFault(uri) if uri == fault::ENDPOINT_NOT_FOUND),
        "{error:?}"
    );
}

#[tokio::test]
async fn past_the_session_limit_a_connection_is_refused_and_others_go_on() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            NetTcpBinding::new(),
            CALC,
        )
        .max_concurrent_sessions(1)
        .admission(Admission::Refuse)
        .open()
        .await
        .unwrap();
    let (calc, ()) = connect(&host).await.clear().await.unwrap();
    let refused = CalculatorSessionClient::connect(NetTcpBinding::new(), host.address())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::FramingFault(uri) if uri == fault::SERVER_TOO_BUSY),
        "{refused:?}"
    );
    assert_eq!(
        host.open_sessions(),
        1,
        "the refused connection holds no session"
    );
    calc.add_to(1.0).await.unwrap();
    assert_eq!(calc.equals().await.unwrap(), 1.0);
}

#[tokio::test]
async fn a_thousand_concurrent_sessions_each_get_their_own_sum() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            NetTcpBinding::new(),
            CALC,
        )
        .max_concurrent_sessions(2_000)
        .open()
        .await
        .unwrap();
    let address = host.address().to_owned();
    let mut sessions = tokio::task::JoinSet::new();
    for i in 0..1_000u32 {
        let address = address.clone();
        sessions.spawn(async move {
            let client = CalculatorSessionClient::connect(NetTcpBinding::new(), &address).await?;
            let (calc, ()) = client.clear().await?;
            calc.add_to(f64::from(i)).await?;
            calc.add_to(f64::from(i)).await?;
            calc.multiply_by(3.0).await?;
            Ok::<_, Error>((i, calc.equals().await?))
        });
    }
    let mut seen = 0;
    while let Some(result) = sessions.join_next().await {
        let (i, total) = result.expect("task").expect("session");
        assert_eq!(total, f64::from(i) * 6.0);
        seen += 1;
    }
    assert_eq!(seen, 1_000);
    probe.wait_dropped(1_000).await;
    assert_eq!(probe.counts(), (1_000, 1_000, 1_000));
}

#[tokio::test]
async fn shutdown_aborts_sessions_past_its_deadline_and_releases_them() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let (calc, ()) = connect(&host).await.clear().await.unwrap();
    host.shutdown_within(Duration::from_millis(50)).await;
    assert_eq!(probe.counts(), (1, 1, 1));
    let error = calc.add_to(1.0).await.unwrap_err();
    assert!(
        matches!(error, Error::SessionClosed(_) | Error::Communication(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn shutdown_waits_for_sessions_that_end_in_time() {
    let probe = Probe::default();
    let host = calculator_host(&probe).await;
    let (calc, ()) = connect(&host).await.clear().await.unwrap();
    let shutdown = tokio::spawn(host.shutdown_within(Duration::from_secs(30)));
    calc.add_to(4.0).await.unwrap();
    assert_eq!(calc.equals().await.unwrap(), 4.0);
    shutdown.await.unwrap();
    assert_eq!(probe.counts(), (1, 1, 1));
}

/// A request message of operation `index` of the calculator, with `inner` inside its element.
fn request(index: usize, inner: &str) -> Message {
    let d = <CalculatorSessionContract as Contract>::DESCRIPTION;
    let op = &d.operations[index];
    let body = format!(r#"<{0} xmlns="{1}">{inner}</{0}>"#, op.name, d.namespace);
    let mut message = Message::new(op.action, Body::Xml(XmlFragment::new(body)));
    message.headers.message_id = Some(format!("urn:uuid:{}", uuid_like(index)).into());
    message.headers.reply_to = Some(indigo::message::WSA10_ANONYMOUS.into());
    message
}

fn uuid_like(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A foreign client: framing and text encoding by hand, no rules of its own.
struct RawClient {
    framed: Framed<TcpStream, FramingCodec>,
    encoder: TextEncoder,
}

impl RawClient {
    async fn connect(address: &str) -> Self {
        let authority = address.trim_start_matches("net.tcp://");
        let authority = &authority[..authority.find('/').unwrap()];
        let stream = TcpStream::connect(authority).await.unwrap();
        let mut framed = Framed::new(stream, FramingCodec::new());
        send_preamble(&mut framed, address, known_encoding::SOAP12_UTF8)
            .await
            .unwrap();
        RawClient {
            framed,
            encoder: TextEncoder::soap12(),
        }
    }

    async fn call(&mut self, message: &Message) -> Message {
        let mut bytes = BytesMut::new();
        self.encoder.encode(message, &mut bytes).unwrap();
        self.framed
            .send(Record::SizedEnvelope(bytes.freeze()))
            .await
            .unwrap();
        match self.framed.next().await {
            Some(Ok(Record::SizedEnvelope(reply))) => self.encoder.decode(&reply).unwrap(),
            other => panic!("expected a reply envelope, got {other:?}"),
        }
    }
}

trait WriteAllBytes {
    async fn write_all_bytes(&mut self, bytes: &[u8]);
}

impl WriteAllBytes for TcpStream {
    async fn write_all_bytes(&mut self, bytes: &[u8]) {
        tokio::io::AsyncWriteExt::write_all(self, bytes)
            .await
            .unwrap();
    }
}
