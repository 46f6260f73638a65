//! Interop with a standard SOAP client: Python's zeep loads the WSDL of a running indigo host and
//! calls every operation of a contract with structs, sequences, optional values, an enum, a typed
//! fault and a one-way operation (`tests/zeep/call_all.py` checks each result), and a contract of
//! data contracts in several namespaces with .NET's primitives (`tests/zeep/data_contracts.py`).
//!
//! Needs `.venv` (made by `scripts/setup-python`). Without it the test prints SKIP and passes,
//! unless `CI=true`, where a missing environment is a failure.

use std::path::Path;
use std::sync::Mutex;

use indigo::DataContract;
use indigo::binding::{BasicHttpBinding, WsHttpBinding};
use indigo::data::{DateTime, Decimal, Guid};
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

/// A point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// X.
    pub x: i32,
    /// Y.
    pub y: i32,
}

/// A colour: a unit-only enum (an `xs:string` enumeration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Color {
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
}

/// A shape with every kind of member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// Its name.
    pub name: String,
    /// Its corners.
    pub points: Vec<Point>,
    /// Its colour.
    pub color: Color,
    /// An optional note.
    pub note: Option<String>,
    /// An optional weight.
    pub weight: Option<f64>,
    /// Tags.
    pub tags: Vec<String>,
    /// Whether it is closed.
    pub closed: bool,
}

/// The typed fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invalid {
    /// Why.
    pub reason: String,
    /// A code.
    pub code: i32,
}

/// The contract zeep calls.
#[service_contract(name = "IGeometry", namespace = "http://peers.test/geometry")]
pub trait Geometry {
    /// `a + b`.
    async fn add(&self, a: i32, b: i32) -> i32;
    /// The sum of a sequence of longs.
    async fn total(&self, values: Vec<i64>) -> i64;
    /// The centroid of a sequence of structs.
    async fn centroid(&self, points: Vec<Point>) -> Point;
    /// A struct in, a string out.
    async fn describe(&self, shape: Shape) -> String;
    /// A struct out, with an optional parameter.
    async fn make_shape(&self, name: String, sides: u32, note: Option<String>) -> Shape;
    /// An optional result.
    async fn find(&self, name: Option<String>) -> Option<Point>;
    /// A typed fault.
    async fn scale(&self, factor: f64) -> Result<f64, Invalid>;
    /// One way.
    #[operation(one_way)]
    async fn log(&self, text: String);
    /// What was logged.
    async fn logged(&self) -> Vec<String>;
}

#[derive(Default)]
struct Geo {
    log: Mutex<Vec<String>>,
}

impl Geometry for Geo {
    async fn add(&self, a: i32, b: i32) -> i32 {
        a + b
    }
    async fn total(&self, values: Vec<i64>) -> i64 {
        values.iter().sum()
    }
    async fn centroid(&self, points: Vec<Point>) -> Point {
        let n = points.len().max(1) as i32;
        Point {
            x: points.iter().map(|p| p.x).sum::<i32>() / n,
            y: points.iter().map(|p| p.y).sum::<i32>() / n,
        }
    }
    async fn describe(&self, shape: Shape) -> String {
        format!(
            "{}: {} points, {:?}, note={}, weight={}, tags={}, closed={}",
            shape.name,
            shape.points.len(),
            shape.color,
            shape.note.as_deref().unwrap_or("-"),
            shape.weight.map_or("-".to_owned(), |w| w.to_string()),
            shape.tags.join("|"),
            shape.closed
        )
    }
    async fn make_shape(&self, name: String, sides: u32, note: Option<String>) -> Shape {
        Shape {
            name,
            points: (0..sides as i32).map(|i| Point { x: i, y: i }).collect(),
            color: if sides >= 3 { Color::Green } else { Color::Red },
            note,
            weight: None,
            tags: Vec::new(),
            closed: false,
        }
    }
    async fn find(&self, name: Option<String>) -> Option<Point> {
        (name.as_deref() == Some("origin")).then_some(Point { x: 0, y: 0 })
    }
    async fn scale(&self, factor: f64) -> Result<f64, Invalid> {
        if factor > 0.0 {
            Ok(factor * 2.0)
        } else {
            Err(Invalid {
                reason: "the factor must be positive".into(),
                code: 22,
            })
        }
    }
    async fn log(&self, text: String) {
        if let Ok(mut log) = self.log.lock() {
            log.push(text);
        }
    }
    async fn logged(&self) -> Vec<String> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }
}

/// The venv's Python, or `None` (after a loud SKIP) where it is missing outside CI.
fn python() -> Option<std::path::PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if !python.exists() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI=true but {} is missing: run scripts/setup-python first",
            python.display()
        );
        eprintln!(
            "\n==== SKIP zeep interop test: {} is missing; run scripts/setup-python ====\n",
            python.display()
        );
        return None;
    }
    Some(python)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeep_calls_every_operation_from_the_wsdl() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(python) = python() else { return };

    let host = ServiceHost::builder()
        .endpoint(
            GeometryContract::single(Geo::default()),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/geometry",
        )
        .open()
        .await
        .expect("host opens");
    let wsdl = format!("{}?wsdl", host.address());
    let script = root.join("tests/zeep/call_all.py");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(wsdl)
            .output()
    })
    .await
    .expect("join")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "zeep failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    for op in [
        "Add",
        "Total",
        "Centroid",
        "Describe",
        "MakeShape",
        "MakeShape(note=None)",
        "Find",
        "Find(None)",
        "Find(unknown)",
        "Scale",
        "Scale(fault)",
        "Log",
        "Logged",
    ] {
        assert!(
            stdout.lines().any(|line| line == format!("ok {op}")),
            "no `ok {op}` in:\n{stdout}\n{stderr}"
        );
    }
    assert!(stdout.lines().any(|line| line == "ALL OK"), "{stdout}");
    host.shutdown().await;
}

/// zeep reads the WSDL a host publishes for a net.tcp and a WSHttp endpoint (WS-Policy, WCF's
/// `msc:` attributes, a net.tcp port it cannot call) and finds the WSHttp port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeep_loads_the_wsdl_of_net_tcp_and_wshttp_endpoints() {
    let Some(python) = python() else { return };
    let host = ServiceHost::builder()
        .endpoint(
            GeometryContract::single(Geo::default()),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/geometry",
        )
        .endpoint(
            GeometryContract::single(Geo::default()),
            WsHttpBinding::new(),
            "http://127.0.0.1:0/geometry",
        )
        .metadata_http("http://127.0.0.1:0/geometry/mex")
        .open()
        .await
        .expect("host opens");
    let wsdl = format!("{}?wsdl", host.metadata_address().expect("metadata"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zeep/load.py");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(wsdl)
            .output()
    })
    .await
    .expect("join")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "zeep failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // zeep keeps the WSHttp port, and leaves out the net.tcp one: its SOAP bindings take only
    // the HTTP transport URI ("Ignoring binding: …" in its debug log).
    let line = format!(
        "port IGeometryService WSHttpBinding_IGeometry WSHttpBinding_IGeometry {}",
        host.addresses()[1]
    );
    assert!(
        stdout.lines().any(|l| l == line),
        "no `{line}` in:\n{stdout}\n{stderr}"
    );
    assert!(!stdout.contains("NetTcpBinding_IGeometry"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "LOADED"), "{stdout}");
    host.shutdown().await;
}

/// An order: a data contract in the default data-contract namespace, with a required `Guid`, a
/// `DateTime`, a `Decimal`, a list of data contracts of another namespace, a nested data contract
/// of a third, an enum, an `emit_default = false` member and a list of strings.
#[derive(DataContract, Debug, Clone, PartialEq)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Shop")]
pub struct Order {
    /// Required.
    #[data_member(required)]
    pub id: Guid,
    /// When.
    pub placed: DateTime,
    /// How much.
    pub total: Decimal,
    /// What.
    pub lines: Vec<Line>,
    /// Where to.
    pub ship_to: Option<Address>,
    /// Where it is.
    pub status: Status,
    /// Left out when `None`.
    #[data_member(emit_default = false)]
    pub note: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
}

/// An order line, in a custom namespace, members in explicit order.
#[derive(DataContract, Debug, Clone, PartialEq)]
#[data_contract(namespace = "http://peers.test/shop/lines")]
pub struct Line {
    /// The article.
    #[data_member(order = 0)]
    pub sku: String,
    /// How many.
    #[data_member(order = 1)]
    pub quantity: i32,
}

/// An address, in a third namespace.
#[derive(DataContract, Debug, Clone, PartialEq)]
#[data_contract(namespace = "http://peers.test/shop/geo")]
pub struct Address {
    /// The city.
    pub city: String,
    /// The postal code, if known.
    pub zip: Option<String>,
}

/// Where an order is; `Fresh` travels as `New`.
#[derive(DataContract, Debug, Clone, Copy, PartialEq, Default)]
#[data_contract(namespace = "http://peers.test/shop/lines")]
pub enum Status {
    /// Just placed.
    #[default]
    #[enum_member(value = "New")]
    Fresh,
    /// On its way.
    Shipped,
}

/// The data-contract contract zeep calls.
#[service_contract(name = "IShop", namespace = "http://peers.test/shop")]
pub trait Shop {
    /// What arrived, as text.
    async fn describe(&self, order: Order) -> String;
    /// The order, every member changed.
    async fn process(&self, order: Order) -> Order;
}

struct Shopkeeper;

impl Shop for Shopkeeper {
    async fn describe(&self, order: Order) -> String {
        let lines: Vec<String> = order
            .lines
            .iter()
            .map(|line| format!("{}x{}", line.quantity, line.sku))
            .collect();
        format!(
            "{} {} {} [{}] {} {:?} {} [{}]",
            order.id,
            order.placed,
            order.total,
            lines.join(","),
            order.ship_to.as_ref().map_or("-".to_owned(), |a| format!(
                "{}/{}",
                a.city,
                a.zip.as_deref().unwrap_or("-")
            )),
            order.status,
            order.note.as_deref().unwrap_or("-"),
            order.tags.join(",")
        )
    }

    async fn process(&self, order: Order) -> Order {
        let mut tags = order.tags;
        tags.push("seen".into());
        Order {
            id: order.id,
            placed: order.placed,
            total: order.total,
            lines: order
                .lines
                .into_iter()
                .rev()
                .map(|line| Line {
                    sku: line.sku.to_uppercase(),
                    quantity: line.quantity + 1,
                })
                .collect(),
            ship_to: order.ship_to.map(|a| Address {
                city: a.city.to_uppercase(),
                zip: Some(a.zip.unwrap_or_else(|| "0000".into())),
            }),
            status: match order.status {
                Status::Fresh => Status::Shipped,
                Status::Shipped => Status::Fresh,
            },
            note: if order.note.is_none() {
                Some("noted".into())
            } else {
                None
            },
            tags,
        }
    }
}

/// zeep loads a WSDL with data contracts in four namespaces (the default data-contract one, two
/// custom ones, the arrays namespace), a required member, an `emit_default = false` member, an
/// enum with an explicit value, lists, and `Guid`, `DateTime` and `Decimal`, and calls it both
/// ways (`tests/zeep/data_contracts.py` checks each value).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeep_calls_data_contracts_in_several_namespaces() {
    let host = ServiceHost::builder()
        .endpoint(
            ShopContract::single(Shopkeeper),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/shop",
        )
        .open()
        .await
        .expect("host opens");
    let wsdl_url = format!("{}?wsdl", host.address());

    // The schema as WCF writes it for these types (no peer needed to check this part).
    let wsdl = fetch(&wsdl_url).await;
    for part in [
        // A parameter and a result of a class: optional and nillable, as WCF describes them.
        r#"<xs:element name="Process"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="order" nillable="true" type="q1:Order"/></xs:sequence></xs:complexType></xs:element>"#,
        r#"<xs:element minOccurs="0" name="DescribeResult" nillable="true" type="xs:string"/>"#,
        // The required Guid (no minOccurs), the value types (not nillable), the reference types.
        r#"<xs:element name="Id" type="q2:guid"/>"#,
        r#"<xs:element minOccurs="0" name="Placed" type="xs:dateTime"/>"#,
        r#"<xs:element minOccurs="0" name="Total" type="xs:decimal"/>"#,
        r#"<xs:element minOccurs="0" name="Note" nillable="true" type="xs:string"/>"#,
        // Items of a reference type may be nil, as in WCF's ArrayOfstring and ArrayOf{class}.
        r#"<xs:complexType name="ArrayOfstring"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>"#,
        r#"<xs:complexType name="ArrayOfLine"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="Line" nillable="true" type="q3:Line"/></xs:sequence></xs:complexType>"#,
    ] {
        assert!(wsdl.contains(part), "{part}\nnot in\n{wsdl}");
    }

    let Some(python) = python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zeep/data_contracts.py");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(wsdl_url)
            .output()
    })
    .await
    .expect("join")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "zeep failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    for op in ["Describe", "Describe(minimal)", "Process", "Process(again)"] {
        assert!(
            stdout.lines().any(|line| line == format!("ok {op}")),
            "no `ok {op}` in:\n{stdout}\n{stderr}"
        );
    }
    assert!(stdout.lines().any(|line| line == "ALL OK"), "{stdout}");
    host.shutdown().await;
}

/// The body of `GET {url}` (HTTP/1.1, one request on a fresh connection).
async fn fetch(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8(response).expect("UTF-8");
    let (_, body) = response.split_once("\r\n\r\n").expect("a head");
    body.to_owned()
}
