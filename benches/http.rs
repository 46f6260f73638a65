//! Calls per second over HTTP: indigo's BasicHttp (SOAP 1.1, typed client and service) against a
//! plain axum JSON handler doing the same work (add two ints), on loopback, in the same run.
//!
//! `cargo bench --bench http`; each benchmark's time is for one call (`sequential`) or for 16
//! calls in flight at once (`concurrent16`).

use std::time::Duration;

use axum::Json;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use indigo::binding::BasicHttpBinding;
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

/// The benchmark's contract.
#[service_contract(name = "ICalculator", namespace = "http://peers.test/calc")]
pub trait Calculator {
    /// `a + b`.
    async fn add(&self, a: i32, b: i32) -> i32;
}

struct Calc;

impl Calculator for Calc {
    async fn add(&self, a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
}

#[derive(Serialize, Deserialize)]
struct AddRequest {
    a: i32,
    b: i32,
}

#[derive(Serialize, Deserialize)]
struct AddResponse {
    result: i32,
}

async fn add_json(Json(request): Json<AddRequest>) -> Json<AddResponse> {
    Json(AddResponse {
        result: request.a.wrapping_add(request.b),
    })
}

struct Json1 {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: String,
}

impl Json1 {
    /// One SOAP 1.1 call without indigo's client: the server's share of the cost.
    async fn add_soap(&self, uri: &str) -> usize {
        const ENVELOPE: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Add xmlns="http://peers.test/calc"><a>2</a><b>3</b></Add></s:Body></s:Envelope>"#;
        let request = axum::http::Request::post(uri)
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"http://peers.test/calc/ICalculator/Add\"")
            .body(Full::new(Bytes::from_static(ENVELOPE.as_bytes())))
            .expect("request");
        let response = self.client.request(request).await.expect("response");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert!(bytes.len() > 100);
        bytes.len()
    }

    async fn add(&self, a: i32, b: i32) -> i32 {
        let body = serde_json::to_vec(&AddRequest { a, b }).expect("json");
        let request = axum::http::Request::post(&self.uri)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request");
        let response = self.client.request(request).await.expect("response");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice::<AddResponse>(&bytes)
            .expect("reply")
            .result
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let (host, client, json, server) = runtime.block_on(async {
        let host = ServiceHost::builder()
            .endpoint(
                CalculatorContract::per_call(|| Calc),
                BasicHttpBinding::new(),
                "http://127.0.0.1:0/calc",
            )
            .open()
            .await
            .expect("host");
        let client = CalculatorClient::connect(BasicHttpBinding::new(), host.address())
            .await
            .expect("client");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let app = axum::Router::new().route("/add", axum::routing::post(add_json));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let json = Json1 {
            client: Client::builder(TokioExecutor::new()).build(connector),
            uri: format!("http://127.0.0.1:{port}/add"),
        };
        (host, client, json, server)
    });

    let mut group = c.benchmark_group("http_add");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("indigo_basichttp/sequential", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.add(2, 3).await.expect("add") });
    });
    group.bench_function("axum_json/sequential", |b| {
        b.to_async(&runtime).iter(|| json.add(2, 3));
    });
    let soap_uri = host.address().to_owned();
    group.bench_function("indigo_server_hyper_client/sequential", |b| {
        b.to_async(&runtime).iter(|| json.add_soap(&soap_uri));
    });
    group.bench_function("indigo_basichttp/concurrent16", |b| {
        b.to_async(&runtime).iter(|| async {
            let calls = (0..16).map(|i| client.add(i, 1));
            futures_util::future::join_all(calls).await
        });
    });
    group.bench_function("indigo_server_hyper_client/concurrent16", |b| {
        b.to_async(&runtime).iter(|| async {
            let calls = (0..16).map(|_| json.add_soap(&soap_uri));
            futures_util::future::join_all(calls).await
        });
    });
    group.bench_function("axum_json/concurrent16", |b| {
        b.to_async(&runtime).iter(|| async {
            let calls = (0..16).map(|i| json.add(i, 1));
            futures_util::future::join_all(calls).await
        });
    });
    group.finish();

    // A plain summary in calls per second, interleaved rounds, best round of each: on a shared
    // machine the best round is the least disturbed one.
    runtime.block_on(async {
        const CALLS: u32 = 2000;
        let mut best = [f64::MAX; 4];
        for _ in 0..5 {
            let start = std::time::Instant::now();
            for i in 0..CALLS as i32 {
                std::hint::black_box(client.add(i, 1).await.expect("add"));
            }
            best[0] = best[0].min(start.elapsed().as_secs_f64());
            let start = std::time::Instant::now();
            for i in 0..CALLS as i32 {
                std::hint::black_box(json.add(i, 1).await);
            }
            best[1] = best[1].min(start.elapsed().as_secs_f64());
            let start = std::time::Instant::now();
            for _ in 0..CALLS / 16 {
                let calls = (0..16).map(|i| client.add(i, 1));
                std::hint::black_box(futures_util::future::join_all(calls).await);
            }
            best[2] = best[2].min(start.elapsed().as_secs_f64());
            let start = std::time::Instant::now();
            for _ in 0..CALLS / 16 {
                let calls = (0..16).map(|i| json.add(i, 1));
                std::hint::black_box(futures_util::future::join_all(calls).await);
            }
            best[3] = best[3].min(start.elapsed().as_secs_f64());
        }
        let rate = |secs: f64| f64::from(CALLS) / secs;
        println!(
            "summary: sequential indigo BasicHttp {:.0} calls/s, axum JSON {:.0} calls/s (indigo/axum {:.2})",
            rate(best[0]),
            rate(best[1]),
            best[1] / best[0]
        );
        println!(
            "summary: 16 in flight indigo BasicHttp {:.0} calls/s, axum JSON {:.0} calls/s (indigo/axum {:.2})",
            rate(best[2]),
            rate(best[3]),
            best[3] / best[2]
        );
    });

    runtime.block_on(async move {
        drop(client);
        server.abort();
        host.shutdown().await;
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
