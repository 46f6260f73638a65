//! The HTTP bindings end to end: WCF's captured requests replayed byte for byte, the typed client,
//! bad input, mounting in a user's axum router, and calling a SOAP service not written with indigo.

mod common;

use std::time::Duration;

use indigo::binding::{BasicHttpBinding, WsHttpBinding};
use indigo::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{EchoClient, EchoContract, Echoer, Probe, TooLong};

/// The contract of the captured Mono exchanges.
#[service_contract(name = "ICalculator", namespace = "http://peers.test/calc")]
pub trait Calculator {
    /// `a + b`.
    async fn add(&self, a: i32, b: i32) -> i32;
    /// `echo:{s}`.
    async fn echo(&self, s: String) -> String;
    /// Takes a note, one way.
    #[operation(one_way)]
    async fn note(&self, text: String);
}

#[derive(Clone, Default)]
struct Calc {
    notes: Option<tokio::sync::mpsc::UnboundedSender<String>>,
}

impl Calculator for Calc {
    async fn add(&self, a: i32, b: i32) -> i32 {
        a + b
    }
    async fn echo(&self, s: String) -> String {
        format!("echo:{s}")
    }
    async fn note(&self, text: String) {
        if let Some(notes) = &self.notes {
            let _ = notes.send(text);
        }
    }
}

async fn calculator_host() -> ServiceHost {
    ServiceHost::builder()
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/calc/basic",
        )
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            WsHttpBinding::new(),
            "http://127.0.0.1:0/calc/ws",
        )
        .open()
        .await
        .expect("host opens")
}

/// `host:port` and path of an `http://` address.
fn split(address: &str) -> (String, String) {
    let rest = address.strip_prefix("http://").expect("http address");
    let slash = rest.find('/').unwrap_or(rest.len());
    (rest[..slash].to_owned(), rest[slash..].to_owned())
}

/// One parsed HTTP response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response (skipping `100 Continue`) from a keep-alive connection.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Response {
    loop {
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed mid-response");
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(buffer[..head_end].to_vec()).expect("utf-8 head");
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        buffer.drain(..head_end);
        if status == 100 {
            continue;
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().expect("content-length"));
        while buffer.len() < length {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed mid-body");
            buffer.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8(buffer.drain(..length).collect()).expect("utf-8 body");
        return Response {
            status,
            headers,
            body,
        };
    }
}

/// Sends one request on a fresh connection and reads the response.
async fn request(
    address: &str,
    method: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let (authority, path) = split(address);
    let mut stream = TcpStream::connect(&authority).await.expect("connect");
    let mut head = format!("{method} {path}{query} HTTP/1.1\r\nHost: {authority}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    read_response(&mut stream, &mut Vec::new()).await
}

const SOAP11: &str = "text/xml; charset=utf-8";

fn envelope11(body: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

async fn soap11(address: &str, action: &str, body: &str) -> Response {
    let action = format!("\"{action}\"");
    request(
        address,
        "POST",
        "",
        &[("Content-Type", SOAP11), ("SOAPAction", &action)],
        envelope11(body).as_bytes(),
    )
    .await
}

/// The host still answers a good call.
async fn still_serving(address: &str) {
    let response = soap11(
        address,
        "http://peers.test/calc/ICalculator/Add",
        r#"<Add xmlns="http://peers.test/calc"><a>20</a><b>22</b></Add>"#,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response.body.contains("<AddResult>42</AddResult>"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn replays_the_captured_mono_basichttp_requests() {
    let host = calculator_host().await;
    let (authority, _) = split(&host.addresses()[0]);
    let bytes = std::fs::read("tests/vectors/basichttp-mono.request.bin").expect("vector");
    let mut stream = TcpStream::connect(&authority).await.expect("connect");
    // Both requests as Mono wrote them, on one keep-alive connection (offsets in the README).
    stream.write_all(&bytes[..401]).await.expect("write");
    let mut buffer = Vec::new();
    let add = read_response(&mut stream, &mut buffer).await;
    stream.write_all(&bytes[401..]).await.expect("write");
    let echo = read_response(&mut stream, &mut buffer).await;

    assert_eq!(add.status, 200, "{}", add.body);
    assert_eq!(add.header("content-type"), Some(SOAP11));
    assert!(
        add.body.contains(
            r#"<AddResponse xmlns="http://peers.test/calc"><AddResult>5</AddResult></AddResponse>"#
        ),
        "{}",
        add.body
    );
    assert_eq!(echo.status, 200, "{}", echo.body);
    assert!(
        echo.body
            .contains("<EchoResult>echo:héllo &lt;&amp;&gt;</EchoResult>"),
        "{}",
        echo.body
    );
    // What Mono's server answered reads back through the same client decoder.
    let mono =
        std::fs::read_to_string("tests/vectors/basichttp-mono.response.bin").expect("vector");
    assert!(mono.contains("<AddResult>5</AddResult>"));
}

#[tokio::test]
async fn replays_the_captured_mono_wshttp_request() {
    let host = calculator_host().await;
    let (authority, _) = split(&host.addresses()[1]);
    let bytes = std::fs::read("tests/vectors/wshttp-mono.request.bin").expect("vector");
    let mut stream = TcpStream::connect(&authority).await.expect("connect");
    stream.write_all(&bytes).await.expect("write");
    let reply = read_response(&mut stream, &mut Vec::new()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/soap+xml; charset=utf-8")
    );
    for part in [
        "http://peers.test/calc/ICalculator/AddResponse</a:Action>",
        "<a:RelatesTo>urn:uuid:e8792edb-5709-4bff-8c7b-794844d402d5</a:RelatesTo>",
        r#"<AddResponse xmlns="http://peers.test/calc"><AddResult>3</AddResult></AddResponse>"#,
    ] {
        assert!(reply.body.contains(part), "{part} not in {}", reply.body);
    }
}

#[tokio::test]
async fn typed_client_calls_over_both_bindings() {
    let (notes_tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
    let calc = Calc {
        notes: Some(notes_tx),
    };
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorContract::single(calc.clone()),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/calc/basic",
        )
        .endpoint(
            CalculatorContract::single(calc),
            WsHttpBinding::new(),
            "http://127.0.0.1:0/calc/ws",
        )
        .open()
        .await
        .expect("host opens");
    assert!(host.addresses()[0].starts_with("http://127.0.0.1:"));
    assert!(!host.addresses()[0].contains(":0/"));

    let basic = CalculatorClient::connect(BasicHttpBinding::new(), &host.addresses()[0])
        .await
        .expect("connect");
    let ws = CalculatorClient::connect(WsHttpBinding::new(), &host.addresses()[1])
        .await
        .expect("connect");
    assert_eq!(basic.add(2, 3).await.expect("add"), 5);
    assert_eq!(ws.add(1, 2).await.expect("add"), 3);
    assert_eq!(
        basic.echo("héllo <&>".into()).await.expect("echo"),
        "echo:héllo <&>"
    );
    // Calls overlap: each is its own POST.
    let (a, b, c) = tokio::join!(basic.add(1, 1), basic.add(2, 2), ws.add(3, 3));
    assert_eq!((a.expect("a"), b.expect("b"), c.expect("c")), (2, 4, 6));
    // One-way: 202 Accepted, the service still runs the call.
    basic.note("over basic".into()).await.expect("note");
    assert_eq!(notes.recv().await.as_deref(), Some("over basic"));
    ws.note("over ws".into()).await.expect("note");
    assert_eq!(notes.recv().await.as_deref(), Some("over ws"));
    basic.close().await.expect("close");
    ws.close().await.expect("close");
    host.shutdown().await;
}

#[tokio::test]
async fn one_way_answers_202_without_body() {
    let host = calculator_host().await;
    let response = soap11(
        &host.addresses()[0],
        "http://peers.test/calc/ICalculator/Note",
        r#"<Note xmlns="http://peers.test/calc"><text>hi</text></Note>"#,
    )
    .await;
    assert_eq!(response.status, 202);
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn typed_faults_and_per_call_instances_over_http() {
    let probe = Probe::default();
    let factory = probe.clone();
    let host = ServiceHost::builder()
        .endpoint(
            EchoContract::per_session(move || Echoer::new(&factory)),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/echo",
        )
        .open()
        .await
        .expect("host opens");
    let client = EchoClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .expect("connect");
    assert_eq!(client.echo("x".into()).await.expect("echo"), "x");
    assert_eq!(
        client.checked("abcdef".into(), 3).await.expect("call"),
        Err(TooLong { limit: 3 })
    );
    assert_eq!(
        client.checked("ab".into(), 3).await.expect("call"),
        Ok("ab".to_owned())
    );
    // No session over HTTP: a per-session service gets an instance per call.
    probe.wait_dropped(3).await;
    assert_eq!(probe.built(), 3);

    // On the wire: HTTP 500 with the detail in the SOAP 1.1 fault.
    let raw = soap11(
        host.address(),
        "urn:indigo:tests/Echo/Checked",
        r#"<Checked xmlns="urn:indigo:tests"><text>long</text><limit>1</limit></Checked>"#,
    )
    .await;
    assert_eq!(raw.status, 500, "{}", raw.body);
    assert!(
        raw.body.contains("<faultcode>s:Client</faultcode>"),
        "{}",
        raw.body
    );
    assert!(
        raw.body.contains(
            r#"<detail><TooLong xmlns="urn:indigo:tests"><limit>1</limit></TooLong></detail>"#
        ),
        "{}",
        raw.body
    );
}

#[tokio::test]
async fn bad_requests_get_wcf_answers_and_the_host_keeps_serving() {
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            BasicHttpBinding::new().max_received_message_size(1024),
            "http://127.0.0.1:0/calc/basic",
        )
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            WsHttpBinding::new(),
            "http://127.0.0.1:0/calc/ws",
        )
        .open()
        .await
        .expect("host opens");
    let address = &host.addresses()[0];
    let add = "http://peers.test/calc/ICalculator/Add";

    // Malformed XML: 400 with a Client fault.
    let r = request(
        address,
        "POST",
        "",
        &[("Content-Type", SOAP11), ("SOAPAction", add)],
        b"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><Add>",
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("<faultcode>s:Client</faultcode>"),
        "{}",
        r.body
    );
    still_serving(address).await;

    // Unknown action: 500 with ActionNotSupported.
    let r = soap11(
        address,
        "urn:nope",
        r#"<Add xmlns="http://peers.test/calc"/>"#,
    )
    .await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.body.contains("ActionNotSupported"), "{}", r.body);
    still_serving(address).await;

    // A DOCTYPE with an entity declaration is refused: 400 with a Client fault.
    let doctype = format!(
        r#"<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x "boom">]>{}"#,
        envelope11(r#"<Echo xmlns="http://peers.test/calc"><s>&x;</s></Echo>"#)
    );
    let r = request(
        address,
        "POST",
        "",
        &[("Content-Type", SOAP11), ("SOAPAction", add)],
        doctype.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("<faultcode>s:Client</faultcode>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("DOCTYPE"), "{}", r.body);
    still_serving(address).await;

    // Over the size limit: 413 before parsing (the body is not even XML).
    let r = request(
        address,
        "POST",
        "",
        &[("Content-Type", SOAP11), ("SOAPAction", add)],
        &[b'x'; 2048],
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);
    still_serving(address).await;

    // Over the limit without a Content-Length (chunked): 413 as well, while reading.
    let (authority, path) = split(address);
    let mut stream = TcpStream::connect(&authority).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {SOAP11}\r\nSOAPAction: \"{add}\"\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    for _ in 0..4 {
        stream
            .write_all(format!("400\r\n{}\r\n", "y".repeat(0x400)).as_bytes())
            .await
            .expect("write");
    }
    stream.write_all(b"0\r\n\r\n").await.expect("write");
    let r = read_response(&mut stream, &mut Vec::new()).await;
    assert_eq!(r.status, 413, "{}", r.body);
    still_serving(address).await;

    // SOAP 1.2: malformed XML is a 400 with a Sender fault in a SOAP 1.2 envelope.
    let r = request(
        &host.addresses()[1],
        "POST",
        "",
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        b"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>",
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<s:Value>s:Sender</s:Value>"), "{}", r.body);

    // Wrong content type: 415 (SOAP 1.2 to a SOAP 1.1 endpoint, and the reverse).
    let r = request(
        address,
        "POST",
        "",
        &[("Content-Type", "application/soap+xml; charset=utf-8")],
        envelope11("").as_bytes(),
    )
    .await;
    assert_eq!(r.status, 415, "{}", r.body);
    let r = request(
        &host.addresses()[1],
        "POST",
        "",
        &[("Content-Type", SOAP11), ("SOAPAction", add)],
        envelope11("").as_bytes(),
    )
    .await;
    assert_eq!(r.status, 415, "{}", r.body);
    still_serving(address).await;

    // A SOAP 1.2 envelope with the SOAP 1.1 content type: VersionMismatch fault.
    let r = request(
        address,
        "POST",
        "",
        &[("Content-Type", SOAP11), ("SOAPAction", add)],
        br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#,
    )
    .await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.body.contains("VersionMismatch"), "{}", r.body);

    // GET without ?wsdl (metadata off, and even ?wsdl): 405 Method Not Allowed.
    let r = request(address, "GET", "", &[], b"").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = request(address, "GET", "?wsdl", &[], b"").await;
    assert_eq!(r.status, 405);
    still_serving(address).await;

    // An unknown path on the same server: 404.
    let (authority, _) = split(address);
    let r = request(&format!("http://{authority}/nothing"), "POST", "", &[], b"").await;
    assert_eq!(r.status, 404);
    still_serving(address).await;
}

#[tokio::test]
async fn endpoints_on_one_port_share_a_server() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("addr").port()
    };
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            BasicHttpBinding::new(),
            &format!("http://127.0.0.1:{port}/a"),
        )
        .endpoint(
            EchoContract::per_call(|| Echoer::new(&Probe::default())),
            BasicHttpBinding::new(),
            &format!("http://127.0.0.1:{port}/b"),
        )
        .open()
        .await
        .expect("host opens");
    let calc = CalculatorClient::connect(BasicHttpBinding::new(), &host.addresses()[0])
        .await
        .expect("connect");
    let echo = EchoClient::connect(BasicHttpBinding::new(), &host.addresses()[1])
        .await
        .expect("connect");
    assert_eq!(calc.add(1, 2).await.expect("add"), 3);
    assert_eq!(echo.echo("b".into()).await.expect("echo"), "b");
    host.shutdown().await;
}

#[tokio::test]
async fn mounts_in_a_users_axum_router_with_layers() {
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .route_service(
            "/soap/calc",
            indigo::http::service(
                CalculatorContract::per_call(Calc::default),
                BasicHttpBinding::new().metadata(true),
            ),
        )
        .nest(
            "/nested",
            indigo::http::router(
                CalculatorContract::per_call(Calc::default),
                BasicHttpBinding::new(),
            ),
        )
        .layer(axum::middleware::map_response(
            |mut response: axum::response::Response| async move {
                response
                    .headers_mut()
                    .insert("x-layer", axum::http::HeaderValue::from_static("yes"));
                response
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let address = format!("http://127.0.0.1:{port}/soap/calc");
    let client = CalculatorClient::connect(BasicHttpBinding::new(), &address)
        .await
        .expect("connect");
    assert_eq!(client.add(40, 2).await.expect("add"), 42);
    let nested = CalculatorClient::connect(
        BasicHttpBinding::new(),
        &format!("http://127.0.0.1:{port}/nested"),
    )
    .await
    .expect("connect");
    assert_eq!(nested.echo("n".into()).await.expect("echo"), "echo:n");

    let health = request(
        &format!("http://127.0.0.1:{port}/health"),
        "GET",
        "",
        &[],
        b"",
    )
    .await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let wsdl = request(&address, "GET", "?wsdl", &[], b"").await;
    assert_eq!(wsdl.status, 200);
    assert_eq!(wsdl.header("x-layer"), Some("yes"));
    assert!(
        wsdl.body.contains(&format!(
            r#"<soap:address location="http://127.0.0.1:{port}/soap/calc"/>"#
        )),
        "{}",
        wsdl.body
    );
    server.abort();
}

#[tokio::test]
async fn serves_wsdl_with_schema_when_metadata_is_on() {
    let host = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(|| Echoer::new(&Probe::default())),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/echo",
        )
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            WsHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/calc",
        )
        .open()
        .await
        .expect("host opens");
    let wsdl = request(host.address(), "GET", "?wsdl", &[], b"").await;
    assert_eq!(wsdl.status, 200);
    for part in [
        // Parameters as WCF describes them: optional, nillable if of a .NET reference type.
        r#"<xs:element name="Checked"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="text" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="limit" type="xs:unsignedInt"/></xs:sequence></xs:complexType></xs:element>"#,
        r#"<xs:element name="CheckedResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="CheckedResult" nillable="true" type="xs:string"/>"#,
        r#"<xs:element name="TooLong" nillable="true" type="tns:TooLong"/>"#,
        r#"<xs:complexType name="TooLong"><xs:sequence><xs:element name="limit" type="xs:unsignedInt"/></xs:sequence></xs:complexType>"#,
        r#"<soap:operation soapAction="urn:indigo:tests/Echo/Checked" style="document"/>"#,
        r#"<wsdl:fault name="TooLongFault"><soap:fault name="TooLongFault" use="literal"/></wsdl:fault>"#,
    ] {
        assert!(wsdl.body.contains(part), "{part}\nnot in\n{}", wsdl.body);
    }
    let ws = request(&host.addresses()[1], "GET", "?wsdl", &[], b"").await;
    assert!(
        ws.body
            .contains("<soap12:binding transport=\"http://schemas.xmlsoap.org/soap/http\"/>"),
        "{}",
        ws.body
    );
    assert!(ws.body.contains("<wsaw:UsingAddressing/>"));
    // A one-way operation has no output.
    assert!(
        ws.body.contains(r#"<wsdl:operation name="Note"><wsaw"#)
            || ws
                .body
                .contains(r#"<wsdl:operation name="Note"><wsdl:input"#)
    );
    let r = request(host.address(), "GET", "", &[], b"").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST, GET"));
}

/// A SOAP service not written with indigo: a plain axum handler that answers like Mono's
/// BasicHttp service did (the bodies of the captured response).
#[tokio::test]
async fn client_calls_a_foreign_soap_service() {
    use axum::http::{HeaderMap, StatusCode, header};

    async fn foreign(
        headers: HeaderMap,
        body: String,
    ) -> (StatusCode, [(header::HeaderName, &'static str); 1], String) {
        let action = headers
            .get("soapaction")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The bodies Mono's WCF service answered, cut from the capture (offsets in the README).
        let mono = std::fs::read("tests/vectors/basichttp-mono.response.bin").expect("vector");
        let answer = match action {
            r#""http://peers.test/calc/ICalculator/Add""# if body.contains("<a>2</a>") => {
                String::from_utf8(mono[199..413].to_vec()).expect("utf-8")
            }
            r#""http://peers.test/calc/ICalculator/Echo""# => {
                String::from_utf8(mono[611..853].to_vec()).expect("utf-8")
            }
            _ => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                    r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en">unexpected</faultstring></s:Fault></s:Body></s:Envelope>"#.to_owned(),
                );
            }
        };
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            answer,
        )
    }

    /// Answers like Mono's WSHttp service did, with `RelatesTo` set to this request's MessageID.
    async fn foreign_ws(body: String) -> ([(header::HeaderName, &'static str); 1], String) {
        let mono = std::fs::read("tests/vectors/wshttp-mono.response.bin").expect("vector");
        let captured = String::from_utf8(mono[211..651].to_vec()).expect("utf-8");
        let id = body
            .split("<a:MessageID>")
            .nth(1)
            .and_then(|rest| rest.split("</a:MessageID>").next())
            .expect("the client sends a MessageID");
        let answer = captured.replace("urn:uuid:e8792edb-5709-4bff-8c7b-794844d402d5", id);
        (
            [(header::CONTENT_TYPE, "application/soap+xml; charset=utf-8")],
            answer,
        )
    }

    let app = axum::Router::new()
        .route("/calc/basic", axum::routing::post(foreign))
        .route("/calc/ws", axum::routing::post(foreign_ws))
        .route(
            "/calc/accepting",
            axum::routing::post(|| async { StatusCode::ACCEPTED }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let client = CalculatorClient::connect(
        BasicHttpBinding::new(),
        &format!("http://127.0.0.1:{port}/calc/basic"),
    )
    .await
    .expect("connect");
    assert_eq!(client.add(2, 3).await.expect("add"), 5);
    assert_eq!(
        client.echo("héllo <&>".into()).await.expect("echo"),
        "echo:héllo <&>"
    );
    let fault = client.add(7, 7).await.expect_err("a fault");
    assert_eq!(fault.fault().map(|f| f.reason()), Some("unexpected"));
    let ws = CalculatorClient::connect(
        WsHttpBinding::new(),
        &format!("http://127.0.0.1:{port}/calc/ws"),
    )
    .await
    .expect("connect");
    assert_eq!(ws.add(1, 2).await.expect("add"), 3);

    // A service that accepts a two-way call without answering it: an error at once, not a wait
    // for the send timeout.
    let accepting = CalculatorClient::connect(
        BasicHttpBinding::new().send_timeout(Duration::from_secs(3600)),
        &format!("http://127.0.0.1:{port}/calc/accepting"),
    )
    .await
    .expect("connect");
    let error = accepting.add(1, 2).await.expect_err("no reply");
    assert!(
        matches!(&error, indigo::Error::Communication(m) if m.contains("without a reply")),
        "{error:?}"
    );
    server.abort();
}

#[tokio::test]
async fn transport_failures_fault_the_client() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("addr").port()
    };
    let client = CalculatorClient::connect(
        BasicHttpBinding::new().send_timeout(Duration::from_secs(10)),
        &format!("http://127.0.0.1:{port}/nobody"),
    )
    .await
    .expect("connect is lazy");
    let error = client.add(1, 2).await.expect_err("nobody listens");
    assert!(
        matches!(error, indigo::Error::Communication(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn two_endpoints_on_one_http_address_are_refused() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("addr").port()
    };
    let address = format!("http://127.0.0.1:{port}/same");
    let error = ServiceHost::builder()
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            BasicHttpBinding::new(),
            &address,
        )
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            WsHttpBinding::new(),
            &address,
        )
        .open()
        .await
        .expect_err("the same address twice");
    assert!(
        matches!(&error, indigo::Error::InvalidAddress { address: a, .. } if *a == address),
        "{error:?}"
    );
    let error = ServiceHost::builder()
        .endpoint(
            CalculatorContract::per_call(Calc::default),
            BasicHttpBinding::new(),
            "net.tcp://127.0.0.1:1/calc",
        )
        .open()
        .await
        .expect_err("not an http address");
    assert!(
        matches!(error, indigo::Error::InvalidAddress { .. }),
        "{error:?}"
    );
}

/// Operations that fail the two ways a call can end without a reply of its own.
#[service_contract(name = "IFragile", namespace = "http://peers.test/fragile")]
pub trait Fragile {
    /// Panics.
    async fn boom(&self) -> i32;
    /// Never finishes (after saying it started).
    async fn hang(&self) -> i32;
    /// One way: finishes when released.
    #[operation(one_way)]
    async fn linger(&self);
}

struct Breaker {
    started: std::sync::Arc<tokio::sync::Notify>,
    release: std::sync::Arc<tokio::sync::Notify>,
}

impl Fragile for Breaker {
    async fn boom(&self) -> i32 {
        panic!("boom")
    }
    async fn hang(&self) -> i32 {
        self.started.notify_one();
        std::future::pending().await
    }
    async fn linger(&self) {
        self.started.notify_one();
        self.release.notified().await;
    }
}

#[tokio::test]
async fn panicking_lingering_and_aborted_http_calls() {
    let started = std::sync::Arc::new(tokio::sync::Notify::new());
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let breaker = {
        let (started, release) = (started.clone(), release.clone());
        move || Breaker {
            started: started.clone(),
            release: release.clone(),
        }
    };
    let host = ServiceHost::builder()
        .endpoint(
            FragileContract::per_call(breaker),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/fragile",
        )
        .open()
        .await
        .expect("host opens");
    let client = FragileClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .expect("connect");

    // A panic is a fault, and the host keeps answering.
    for _ in 0..2 {
        let error = client.boom().await.expect_err("a fault");
        let reason = error
            .fault()
            .map(|f| f.reason().to_owned())
            .unwrap_or_default();
        assert!(reason.contains("failed unexpectedly"), "{error:?}");
    }

    // A one-way call returns once sent, while its operation is still running.
    tokio::time::timeout(Duration::from_secs(30), client.linger())
        .await
        .expect("a one-way call does not wait for its operation")
        .expect("sent");
    started.notified().await;
    release.notify_one();

    // A call still running at the shutdown deadline is answered with a fault, not dropped.
    let hang = client.hang();
    let shutdown = async {
        started.notified().await;
        host.shutdown_within(Duration::from_millis(20)).await;
    };
    let (hung, ()) = tokio::join!(hang, shutdown);
    let error = hung.expect_err("aborted");
    let reason = error
        .fault()
        .map(|f| f.reason().to_owned())
        .unwrap_or_default();
    assert!(reason.contains("shutting down"), "{error:?}");
}

/// POSTs a SOAP 1.2 envelope (its action in its header).
async fn soap12(address: &str, envelope: &str) -> Response {
    let content_type = [("Content-Type", "application/soap+xml; charset=utf-8")];
    request(address, "POST", "", &content_type, envelope.as_bytes()).await
}

/// A header nobody here understands, marked `mustUnderstand` in envelope namespace `env`.
fn unknown_header(env_prefix: &str) -> String {
    format!(
        r#"<x:Unknown {env_prefix}:mustUnderstand="1" xmlns:x="urn:x"><x:v>1</x:v></x:Unknown>"#
    )
}

#[tokio::test]
async fn must_understand_faults_have_wcf_shapes_on_the_wire() {
    let host = calculator_host().await;
    let add = "http://peers.test/calc/ICalculator/Add";
    let body = r#"<Add xmlns="http://peers.test/calc"><a>1</a><b>2</b></Add>"#;

    // SOAP 1.1: faultcode s:MustUnderstand, and no NotUnderstood header (SOAP 1.2 has them).
    let envelope = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>{}</s:Header><s:Body>{body}</s:Body></s:Envelope>"#,
        unknown_header("s")
    );
    let r = request(
        &host.addresses()[0],
        "POST",
        "",
        &[
            ("Content-Type", SOAP11),
            ("SOAPAction", &format!("\"{add}\"")),
        ],
        envelope.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(
        r.body
            .contains("<s:Fault><faultcode>s:MustUnderstand</faultcode>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("'Unknown'"), "{}", r.body);
    assert!(!r.body.contains("NotUnderstood"), "{}", r.body);
    assert!(!r.body.contains("AddResponse"), "{}", r.body);

    // SOAP 1.2: Code s:MustUnderstand, and the header named in a NotUnderstood header block.
    let envelope = format!(
        concat!(
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">"#,
            r#"<s:Header><a:Action s:mustUnderstand="1">{add}</a:Action><a:MessageID>urn:uuid:00000000-0000-0000-0000-00000000000a</a:MessageID>{header}</s:Header>"#,
            r#"<s:Body>{body}</s:Body></s:Envelope>"#
        ),
        add = add,
        header = unknown_header("s"),
        body = body
    );
    let r = soap12(&host.addresses()[1], &envelope).await;
    assert_eq!(r.status, 500, "{}", r.body);
    for part in [
        r#"<s:NotUnderstood xmlns:n="urn:x" qname="n:Unknown"/>"#,
        "<s:Code><s:Value>s:MustUnderstand</s:Value></s:Code>",
        "<a:RelatesTo>urn:uuid:00000000-0000-0000-0000-00000000000a</a:RelatesTo>",
    ] {
        assert!(r.body.contains(part), "{part} not in {}", r.body);
    }

    // Not marked, or marked `0`: ignored, as SOAP says; the call runs.
    let envelope = envelope.replace(
        r#"s:mustUnderstand="1" xmlns:x"#,
        r#"s:mustUnderstand="0" xmlns:x"#,
    );
    let r = soap12(&host.addresses()[1], &envelope).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<AddResult>3</AddResult>"), "{}", r.body);
}
