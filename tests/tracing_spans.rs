//! The spans a host opens, as an operator's subscriber sees them: one per listener, one per
//! session (with its id), one per call (with its action and outcome).

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use indigo::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// A span's name and fields, as recorded.
type Seen = Arc<Mutex<Vec<(String, BTreeMap<String, String>)>>>;

/// Records every span's fields, including those recorded after it opened.
struct Spans(Seen);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        fields.insert("#id".into(), id.into_u64().to_string());
        self.0
            .lock()
            .unwrap()
            .push((attrs.metadata().name().to_owned(), fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        let key = id.into_u64().to_string();
        if let Some((_, fields)) = seen.iter_mut().rev().find(|(_, f)| f["#id"] == key) {
            values.record(&mut Fields(fields));
        }
    }
}

#[test]
fn listeners_sessions_and_calls_have_spans_with_their_ids_actions_and_outcomes() {
    let seen = Seen::default();
    let subscriber = tracing_subscriber::registry().with(Spans(seen.clone()));
    let _default = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let probe = Probe::default();
        let factory = probe.clone();
        let host = host(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/calc",
        )
        .await;
        let client = CalculatorSessionClient::connect(NetTcpBinding::new(), host.address())
            .await
            .unwrap();
        let (calc, ()) = client.clear().await.unwrap();
        assert_eq!(calc.equals().await.unwrap(), 0.0);
        probe.wait_dropped(1).await;
        host.shutdown().await;
    });
    let seen = seen.lock().unwrap();
    let named = |name: &str| {
        seen.iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect::<Vec<_>>()
    };
    let listeners = named("listener");
    assert!(
        listeners
            .iter()
            .any(|f| f.get("address").is_some_and(|a| a.ends_with("/calc"))),
        "{listeners:?}"
    );
    let sessions = named("session");
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["contract"], "ICalculatorSession");
    assert!(sessions[0]["id"].starts_with("uuid:"), "{sessions:?}");
    let calls = named("call");
    let actions: Vec<_> = calls.iter().map(|f| f["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "http://peers.test/calc/ICalculatorSession/Clear",
            "http://peers.test/calc/ICalculatorSession/Equals"
        ]
    );
    assert!(
        calls
            .iter()
            .all(|f| f.get("outcome").map(String::as_str) == Some("reply")),
        "{calls:?}"
    );
}
