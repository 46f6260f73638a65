//! Interoperability with a real WCF implementation: Mono's System.ServiceModel, over net.tcp and
//! over HTTP (`BasicHttpBinding`, `WSHttpBinding(SecurityMode.None)`), both ways.
//!
//! The C# peer is `tests/mono/Interop.cs`, compiled with `mcs` on first use. Where Mono is not
//! installed the tests say so loudly and pass, except under `CI=true`, where a missing Mono is a
//! failure (so CI can never pass without running them). `scripts/setup-mono` installs it.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use common::*;
use indigo::DataContract;
use indigo::message::{FaultException, FaultKind};
use indigo::prelude::*;
use indigo::service::OperationContext;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MathFault {
    operation: String,
    problem: String,
}

/// The C# peer's `Person`: an ordinary .NET data contract (no namespace, no `Order` on most
/// members), declared here in Rust field order unlike .NET's member order.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Peers")]
struct Person {
    name: String,
    age: i32,
    city: Option<String>,
    #[data_member(emit_default = false)]
    nickname: Option<String>,
    #[data_member(required)]
    id: i64,
    zeta: i32,
    #[data_member(name = "alpha")]
    alpha: i32,
    #[data_member(order = 1)]
    tags: Vec<String>,
    #[data_member(order = 2)]
    home: Option<PostalAddress>,
    #[data_member(order = 2)]
    mood: Mood,
}

impl Person {
    /// As the C# `Person.Older`: every member changed.
    fn older(self) -> Person {
        let mut tags = self.tags;
        tags.push("seen".into());
        Person {
            name: format!("{}!", self.name),
            age: self.age + 1,
            city: Some(self.city.map_or("nowhere".into(), |c| c.to_uppercase())),
            nickname: if self.nickname.is_none() {
                Some("new".into())
            } else {
                None
            },
            id: self.id * 2,
            zeta: self.zeta + 10,
            alpha: self.alpha + 20,
            tags,
            home: self.home.map(|home| PostalAddress {
                zip: format!("{}-1", home.zip),
                street: home.street.to_uppercase(),
            }),
            mood: match self.mood {
                Mood::Happy => Mood::Grumpy,
                Mood::Grumpy => Mood::Happy,
            },
        }
    }
}

fn ann() -> Person {
    Person {
        name: "Ann".into(),
        age: 41,
        city: Some("Oslo".into()),
        nickname: None,
        id: 7,
        zeta: 1,
        alpha: 2,
        tags: vec!["a".into(), "b".into()],
        home: Some(PostalAddress {
            zip: "0150".into(),
            street: "Main St".into(),
        }),
        mood: Mood::Grumpy,
    }
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://peers.test/geo")]
struct PostalAddress {
    #[data_member(order = 1)]
    street: String,
    #[data_member(order = 0)]
    zip: String,
}

#[derive(DataContract, Debug, Clone, Copy, PartialEq, Default)]
#[data_contract(namespace = "http://peers.test/geo")]
enum Mood {
    #[default]
    #[enum_member(value = "Glad")]
    Happy,
    Grumpy,
}

/// The C# peer's `Staff`, with its known type `Employee` (in another namespace).
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:people")]
struct Staff {
    name: String,
    #[data_member(required)]
    id: i64,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:hr")]
struct Employee {
    #[data_member(base)]
    staff: Staff,
    salary: f64,
}

#[derive(DataContract, Debug, Clone, PartialEq)]
#[data_contract(known_types)]
enum AnyStaff {
    Staff(Staff),
    Employee(Employee),
}

/// As the C# `Promote`: always an `Employee`.
fn promote(staff: AnyStaff) -> AnyStaff {
    let (staff, salary) = match staff {
        AnyStaff::Staff(staff) => (staff, 1.0),
        AnyStaff::Employee(e) => (e.staff, e.salary * 2.0),
    };
    AnyStaff::Employee(Employee {
        staff: Staff {
            name: format!("{}*", staff.name),
            id: staff.id,
        },
        salary,
    })
}

/// The C# peer's `Member` (`IsReference`) and `Team`.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:people", is_reference)]
struct Member {
    name: String,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:people")]
struct Team {
    lead: Member,
    deputy: Member,
}

/// A fault detail in the default data-contract namespace.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Peers")]
struct LookupFault {
    id: i64,
    why: String,
}

/// The C# peer's `IDataTypes`.
#[service_contract(name = "IDataTypes", namespace = "http://peers.test/calc")]
trait DataTypes {
    async fn older(&self, person: Person) -> Person;
    async fn find(&self, id: i64) -> Result<Person, FaultException<LookupFault>>;
    async fn promote(&self, staff: AnyStaff) -> AnyStaff;
    async fn pair(&self, team: Team) -> Team;
    async fn greet(&self, name: String) -> String;
    async fn mirror(&self, point: Point) -> Point;
    async fn sum(&self, values: Vec<i32>) -> i32;
    async fn divide(&self, a: f64, b: f64) -> Result<f64, FaultException<MathFault>>;
    async fn shut(&self, reason: String) -> Result<(), FaultException>;
}

struct Types;

impl DataTypes for Types {
    async fn promote(&self, staff: AnyStaff) -> AnyStaff {
        promote(staff)
    }
    async fn pair(&self, team: Team) -> Team {
        let both = Member {
            name: format!("{}&{}", team.lead.name, team.deputy.name),
        };
        Team {
            lead: both.clone(),
            deputy: both,
        }
    }
    async fn older(&self, person: Person) -> Person {
        person.older()
    }
    async fn find(&self, id: i64) -> Result<Person, FaultException<LookupFault>> {
        if id < 0 {
            let detail = LookupFault {
                id,
                why: "no such person".into(),
            };
            return Err(FaultException::new(detail, "not found"));
        }
        Ok(Person {
            name: format!("P{id}"),
            id,
            home: Some(PostalAddress {
                zip: "z".into(),
                street: "s".into(),
            }),
            ..Person::default()
        })
    }
    async fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
    async fn mirror(&self, point: Point) -> Point {
        Point {
            x: point.y,
            y: point.x,
        }
    }
    async fn sum(&self, values: Vec<i32>) -> i32 {
        values.iter().sum()
    }
    async fn divide(&self, a: f64, b: f64) -> Result<f64, FaultException<MathFault>> {
        if b == 0.0 {
            let detail = MathFault {
                operation: "Divide".into(),
                problem: "division by zero".into(),
            };
            return Err(FaultException::new(detail, "cannot divide by zero"));
        }
        Ok(a / b)
    }
    async fn shut(&self, reason: String) -> Result<(), FaultException> {
        Err(FaultException::untyped(format!("shut: {reason}")).with_code(FaultKind::Receiver))
    }
}

/// The C# peer's `IRecycler`: every operation answers "<instance number>:<calls on that
/// instance>", each with its own release mode (WCF's `ReleaseInstanceMode`); `release` asks for
/// the instance to be released after it (WCF's `InstanceContext.ReleaseServiceInstance`).
#[service_contract(name = "IRecycler", namespace = "http://peers.test/calc", session = Required)]
trait Recycler {
    async fn next(&mut self) -> String;
    #[operation(release_instance = AfterCall)]
    async fn next_after(&mut self) -> String;
    #[operation(release_instance = BeforeCall)]
    async fn next_before(&mut self) -> String;
    #[operation(release_instance = BeforeAndAfterCall)]
    async fn next_both(&mut self) -> String;
    async fn release(&mut self) -> String;
}

/// What happened to the recycled instances, in order, and the sessions their calls came in.
#[derive(Clone, Default)]
struct Timeline {
    numbers: Arc<AtomicUsize>,
    events: Arc<Mutex<Vec<String>>>,
    sessions: Arc<Mutex<BTreeSet<String>>>,
}

impl Timeline {
    fn note(&self, event: String) {
        self.events.lock().unwrap().push(event);
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    fn sessions(&self) -> BTreeSet<String> {
        self.sessions.lock().unwrap().clone()
    }
}

/// A numbered instance: counted by the probe (built, dropped), its life noted on the timeline.
struct Recycled {
    number: usize,
    calls: usize,
    timeline: Timeline,
    _tracked: Tracked,
}

impl Recycled {
    fn new(timeline: &Timeline, probe: &Probe) -> Self {
        let number = timeline.numbers.fetch_add(1, Ordering::SeqCst) + 1;
        timeline.note(format!("build {number}"));
        Recycled {
            number,
            calls: 0,
            timeline: timeline.clone(),
            _tracked: Tracked::new(probe),
        }
    }

    /// Counts a call of `operation` and answers "<instance number>:<calls on this instance>".
    fn count(&mut self, operation: &str) -> String {
        self.calls += 1;
        let answer = format!("{}:{}", self.number, self.calls);
        self.timeline.note(format!("{operation} {answer}"));
        let session = OperationContext::with(|cx| cx.call().session_id().map(ToString::to_string))
            .expect("inside an operation")
            .expect("a net.tcp session");
        self.timeline.sessions.lock().unwrap().insert(session);
        answer
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        self.timeline.note(format!("drop {}", self.number));
    }
}

impl Recycler for Recycled {
    async fn next(&mut self) -> String {
        self.count("next")
    }
    async fn next_after(&mut self) -> String {
        self.count("next_after")
    }
    async fn next_before(&mut self) -> String {
        self.count("next_before")
    }
    async fn next_both(&mut self) -> String {
        self.count("next_both")
    }
    async fn release(&mut self) -> String {
        OperationContext::with(|cx| cx.release_service_instance()).expect("inside an operation");
        self.count("release")
    }
    async fn on_release(&mut self) {
        self.timeline.note(format!("on_release {}", self.number));
    }
}

/// The compiled C# peer, or `None` (after saying why) where Mono is missing outside CI.
fn peer() -> Option<&'static PathBuf> {
    static PEER: OnceLock<Option<PathBuf>> = OnceLock::new();
    PEER.get_or_init(|| {
        compile_mono(
            "Interop",
            &[
                "System.ServiceModel.dll",
                "System.Runtime.Serialization.dll",
            ],
            "the WCF interop tests",
        )
    })
    .as_ref()
}

/// What a Mono program printed, after it ended successfully.
struct Printed {
    stdout: String,
    stderr: String,
}

impl Printed {
    /// Runs `mono exe args…` to its end (within two minutes) and checks that it succeeded.
    async fn run(exe: &std::path::Path, args: &[&str]) -> Printed {
        let output = Command::new("mono").arg(exe).args(args).output();
        let output = tokio::time::timeout(std::time::Duration::from_secs(120), output)
            .await
            .expect("the Mono program ends within two minutes")
            .expect("mono runs");
        let printed = Printed {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            output.status.success(),
            "the Mono program {args:?} failed:\n{}\n{}",
            printed.stdout,
            printed.stderr
        );
        printed
    }

    /// The rest of the first line that starts with `prefix`.
    fn line(&self, prefix: &str) -> &str {
        self.stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{}\n{}", self.stdout, self.stderr))
    }
}

/// Hosts both contracts with indigo on loopback; returns (calculator address, types address).
async fn indigo_host(probe: &Probe, binding: NetTcpBinding) -> (ServiceHost, String, String) {
    let factory = probe.clone();
    let host = ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&factory)),
            binding.clone(),
            "net.tcp://127.0.0.1:0/calc",
        )
        .endpoint(
            DataTypesContract::single(Types),
            binding,
            "net.tcp://127.0.0.1:0/types",
        )
        .open()
        .await
        .expect("host opens");
    let calc = host.addresses()[0].clone();
    let types = host.addresses()[1].clone();
    (host, calc, types)
}

/// Checks the lines the C# peer's `CallTypes` prints (every IDataTypes operation). `soap11`: the
/// client used BasicHttpBinding, whose SOAP 1.1 faults carry no action (there is no addressing)
/// and SOAP 1.1's codes (`Client`, `Server`), which Mono's `FaultCode` does not take for Sender
/// and Receiver (.NET's does), so it prints their names.
fn assert_types_lines<'a>(expect: &impl Fn(&str) -> &'a str, soap11: bool) {
    let (sender, receiver) = if soap11 {
        ("Client", "Server")
    } else {
        ("sender", "receiver")
    };
    let action = |action: &str| {
        if soap11 {
            String::new()
        } else {
            format!("http://peers.test/calc/IDataTypes/{action}")
        }
    };
    assert_eq!(expect("greet "), "hello wörld <&>");
    assert_eq!(expect("mirror "), "-4 3");
    assert_eq!(expect("sum "), "46");
    assert_eq!(expect("divide "), "0.25");
    assert_eq!(expect("fault "), "Divide: division by zero");
    // The typed fault as WCF shapes it: code Sender, the action the WSDL advertises.
    assert_eq!(
        expect("fault-shape "),
        format!("{sender} {}", action("DivideMathFaultFault"))
    );
    assert_eq!(expect("fault-reason "), "cannot divide by zero");
    assert_eq!(expect("shut "), format!("{receiver} shut: now"));
    // Data contracts: every member arrives both ways, whatever the Rust field order.
    assert_eq!(
        expect("older "),
        "Ann!|42|OSLO|new|14|11|22|a,b,seen|0150-1|MAIN ST|Happy"
    );
    assert_eq!(
        expect("older-again "),
        "Ann!!|43|OSLO|null|28|21|42|a,b,seen,seen|0150-1-1|MAIN ST|Grumpy"
    );
    assert_eq!(expect("find "), "P5|0|null|null|5|0|0||z|s|Happy");
    // A base type from another namespace, and a known type where the base is declared.
    // One object sent as Lead and Deputy: `z:Id`, then `z:Ref`, read as the same value.
    assert_eq!(expect("pair "), "Bo&Bo Bo&Bo");
    assert_eq!(expect("promote "), "Employee Bo* 1 1");
    assert_eq!(expect("promote-again "), "Employee Al* 2 6");
    // A typed fault whose detail lives in the default data-contract namespace.
    assert_eq!(
        expect("find-fault "),
        format!(
            "-5 no such person not found {}",
            action("FindLookupFaultFault")
        )
    );
    assert_eq!(expect("find-fault-code "), sender);
}

async fn wcf_client_against_indigo(encoding: &str, binding: NetTcpBinding) {
    let Some(peer) = peer() else { return };
    let probe = Probe::default();
    let (_host, calc, types) = indigo_host(&probe, binding).await;
    let printed = Printed::run(peer, &["client", &calc, &types, encoding]).await;
    let expect = |prefix: &str| printed.line(prefix);
    assert_eq!(expect("total "), "441.25");
    assert_eq!(expect("second "), "42");
    assert_types_lines(&expect, false);
    // WCF turns the ActionNotSupported fault into its own exception type.
    let first = expect("first ");
    assert!(first.starts_with("ActionNotSupportedException"), "{first}");
    assert!(first.contains("not initiating"), "{first}");
    let after = expect("after ");
    assert!(after.contains("code=SessionTerminated"), "{after}");
    assert_eq!(expect("equals "), "5");
    assert_eq!(expect("again "), "2");
}

#[tokio::test]
async fn a_wcf_text_client_calls_an_indigo_host() {
    wcf_client_against_indigo("text", NetTcpBinding::new().text_encoding()).await;
}

#[tokio::test]
async fn a_wcf_net_tcp_binding_client_calls_an_indigo_host() {
    wcf_client_against_indigo("binary", NetTcpBinding::new()).await;
}

/// What the Mono client's `recycle` sequence prints, as WCF defines it (one session throughout;
/// instances are built lazily, at the first call that needs one):
const RECYCLED: [&str; 11] = [
    // The session's first call builds instance 1; calls without a release mode keep it.
    "next 1:1",
    "next 1:2",
    // AfterCall: runs on instance 1, which is released once the call has completed.
    "next_after 1:3",
    // BeforeCall with no instance in place: nothing to release; the call builds instance 2.
    "next_before 2:1",
    "next 2:2",
    // BeforeCall: instance 2 is released before the call, which runs on a fresh instance 3.
    "next_before 3:1",
    // BeforeAndAfterCall: 3 released before, the call runs on a fresh 4, released after it.
    "next_both 4:1",
    // Again, with nothing in place: a fresh 5, released after the call.
    "next_both 5:1",
    "next 6:1",
    // ReleaseServiceInstance: the call completes on instance 6, which is then released.
    "release 6:2",
    "next 7:1",
];

async fn wcf_client_recycles_indigo_instances(encoding: &str, binding: NetTcpBinding) {
    let Some(peer) = peer() else { return };
    let probe = Probe::default();
    let timeline = Timeline::default();
    let factory = (timeline.clone(), probe.clone());
    let host = ServiceHost::builder()
        .endpoint(
            RecyclerContract::per_session(move || Recycled::new(&factory.0, &factory.1)),
            binding,
            "net.tcp://127.0.0.1:0/recycler",
        )
        .open()
        .await
        .expect("host opens");
    let printed = Printed::run(peer, &["recycle", host.address(), encoding]).await;
    assert_eq!(
        printed.stdout.lines().collect::<Vec<_>>(),
        RECYCLED,
        "the WCF client saw another sequence:\n{}",
        printed.stderr
    );
    // The client's Close ends the session, which releases the last instance (7).
    probe.wait_dropped(7).await;
    assert_eq!((probe.built(), probe.dropped()), (7, 7));
    // Where each instance was built and released (`on_release`, then Drop), between the calls.
    #[rustfmt::skip]
    let expected = [
        "build 1", "next 1:1",
        "next 1:2",
        "next_after 1:3", "on_release 1", "drop 1",
        "build 2", "next_before 2:1",
        "next 2:2",
        "on_release 2", "drop 2", "build 3", "next_before 3:1",
        "on_release 3", "drop 3", "build 4", "next_both 4:1", "on_release 4", "drop 4",
        "build 5", "next_both 5:1", "on_release 5", "drop 5",
        "build 6", "next 6:1",
        "release 6:2", "on_release 6", "drop 6",
        "build 7", "next 7:1",
        "on_release 7", "drop 7",
    ];
    assert_eq!(timeline.events(), expected);
    // The session went on throughout: every call came in on the same one.
    assert_eq!(timeline.sessions().len(), 1, "{:?}", timeline.sessions());
}

#[tokio::test]
async fn a_wcf_text_client_sees_indigo_recycle_instances_by_release_mode() {
    wcf_client_recycles_indigo_instances("text", NetTcpBinding::new().text_encoding()).await;
}

#[tokio::test]
async fn a_wcf_net_tcp_binding_client_sees_indigo_recycle_instances_by_release_mode() {
    wcf_client_recycles_indigo_instances("binary", NetTcpBinding::new()).await;
}

/// Mono ServiceHosts on free loopback ports, serving until dropped.
struct MonoHost {
    child: tokio::process::Child,
    calc_port: u16,
    types_port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Runs the C# peer with `args` (a hosting mode) until it prints "ready"; it serves until its
/// standard input closes or the child is dropped.
async fn serve(args: &[&str]) -> Option<tokio::process::Child> {
    let peer = peer()?;
    let mut child = Command::new("mono")
        .arg(peer)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("mono starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
        .await
        .expect("the Mono host starts within a minute")
        .expect("stdout readable");
    assert_eq!(
        ready.as_deref(),
        Some("ready"),
        "the Mono host did not start"
    );
    Some(child)
}

impl MonoHost {
    async fn start(encoding: &str) -> Option<Self> {
        let (calc_port, types_port) = (free_port(), free_port());
        let child = serve(&[
            "service",
            &calc_port.to_string(),
            &types_port.to_string(),
            encoding,
        ])
        .await?;
        Some(MonoHost {
            child,
            calc_port,
            types_port,
        })
    }

    fn calc(&self) -> String {
        format!("net.tcp://127.0.0.1:{}/calc", self.calc_port)
    }

    fn types(&self) -> String {
        format!("net.tcp://127.0.0.1:{}/types", self.types_port)
    }
}

/// Calls every operation of a Mono-hosted IDataTypes and checks what comes back.
async fn call_wcf_types(types: &DataTypesClient) {
    assert_eq!(
        types.greet("wörld <&>".into()).await.unwrap(),
        "hello wörld <&>"
    );
    assert_eq!(
        types.mirror(Point { x: 3, y: -4 }).await.unwrap(),
        Point { x: -4, y: 3 }
    );
    assert_eq!(types.sum(vec![1, 2, 3, 40]).await.unwrap(), 46);
    assert_eq!(types.divide(1.0, 4.0).await.unwrap(), Ok(0.25));
    // WCF's FaultException<MathFault>(detail, "division by zero"): its reason and code arrive.
    let fault = types.divide(1.0, 0.0).await.unwrap().unwrap_err();
    assert_eq!(
        fault.detail,
        MathFault {
            operation: "Divide".into(),
            problem: "division by zero".into()
        }
    );
    assert_eq!(
        (fault.reason.as_str(), fault.code),
        ("division by zero", FaultKind::Sender)
    );
    // An untyped FaultException: Mono's WCF answers it as an internal error (code
    // `a:InternalServiceFault`, outside SOAP 1.2's five; .NET's WCF sends it as thrown). It
    // still arrives as the operation's untyped fault, read as a Receiver fault.
    let fault = types.shut("now".into()).await.unwrap().unwrap_err();
    assert_eq!(fault.code, FaultKind::Receiver);
    assert!(fault.reason.contains("internal error"), "{fault}");
    // Data contracts both ways: .NET's member order and namespaces, every value back.
    assert_eq!(types.older(ann()).await.unwrap(), ann().older());
    assert_eq!(
        types.older(ann().older()).await.unwrap(),
        ann().older().older()
    );
    let found = types.find(5).await.unwrap().unwrap();
    assert_eq!(
        found,
        Person {
            name: "P5".into(),
            id: 5,
            home: Some(PostalAddress {
                zip: "z".into(),
                street: "s".into()
            }),
            ..Person::default()
        }
    );
    // The WCF service answers one Member as Lead and Deputy (`z:Ref` for the second).
    let team = Team {
        lead: Member { name: "Bo".into() },
        deputy: Member { name: "Al".into() },
    };
    let both = Member {
        name: "Bo&Al".into(),
    };
    assert_eq!(
        types.pair(team).await.unwrap(),
        Team {
            lead: both.clone(),
            deputy: both
        }
    );
    let staff = Staff {
        name: "Bo".into(),
        id: 1,
    };
    let employee = AnyStaff::Employee(Employee {
        staff: Staff {
            name: "Al".into(),
            id: 2,
        },
        salary: 3.0,
    });
    assert_eq!(
        types.promote(AnyStaff::Staff(staff.clone())).await.unwrap(),
        promote(AnyStaff::Staff(staff))
    );
    assert_eq!(
        types.promote(employee.clone()).await.unwrap(),
        promote(employee)
    );
    let fault = types.find(-5).await.unwrap().unwrap_err();
    assert_eq!(
        fault.detail,
        LookupFault {
            id: -5,
            why: "no such person".into()
        }
    );
    assert_eq!(fault.reason, "not found");
}

async fn indigo_client_against_wcf(encoding: &str, binding: NetTcpBinding) {
    let Some(mut mono) = MonoHost::start(encoding).await else {
        return;
    };
    let client = CalculatorSessionClient::connect(binding.clone(), &mono.calc())
        .await
        .unwrap();
    let (calc, ()) = client.clear().await.unwrap();
    calc.add_to(100.0).await.unwrap();
    calc.subtract_from(50.0).await.unwrap();
    calc.multiply_by(17.65).await.unwrap();
    calc.divide_by(2.0).await.unwrap();
    let total = calc.equals().await.unwrap();
    assert!((total - 441.25).abs() < 1e-9, "{total}");

    let types = DataTypesClient::connect(binding, &mono.types())
        .await
        .unwrap();
    call_wcf_types(&types).await;
    drop(mono.child.stdin.take());
    let _ = mono.child.wait().await;
}

#[tokio::test]
async fn an_indigo_client_calls_a_wcf_text_host() {
    indigo_client_against_wcf("text", NetTcpBinding::new().text_encoding()).await;
}

#[tokio::test]
async fn an_indigo_client_calls_a_wcf_net_tcp_binding_host() {
    indigo_client_against_wcf("binary", NetTcpBinding::new()).await;
}

/// Hosts IDataTypes over BasicHttpBinding (`…/types-basic`) and WsHttpBinding (`…/types-ws`).
async fn indigo_http_host() -> ServiceHost {
    ServiceHost::builder()
        .endpoint(
            DataTypesContract::single(Types),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/types-basic",
        )
        .endpoint(
            DataTypesContract::single(Types),
            WsHttpBinding::new(),
            "http://127.0.0.1:0/types-ws",
        )
        .open()
        .await
        .expect("host opens")
}

/// Mono's client over `BasicHttpBinding` (`basic`) or `WSHttpBinding(SecurityMode.None)` (`ws`)
/// calls every IDataTypes operation of an indigo host.
async fn wcf_http_client_against_indigo(kind: &str) {
    let Some(peer) = peer() else { return };
    let host = indigo_http_host().await;
    let address = match kind {
        "basic" => &host.addresses()[0],
        _ => &host.addresses()[1],
    };
    let printed = Printed::run(peer, &["http-client", address, kind]).await;
    let expect = |prefix: &str| printed.line(prefix);
    assert_types_lines(&expect, kind == "basic");
    host.shutdown().await;
}

#[tokio::test]
async fn a_wcf_basic_http_client_calls_an_indigo_host() {
    wcf_http_client_against_indigo("basic").await;
}

#[tokio::test]
async fn a_wcf_ws_http_client_calls_an_indigo_host() {
    wcf_http_client_against_indigo("ws").await;
}

/// indigo's client calls IDataTypes hosted by Mono's `ServiceHost` over HTTP.
async fn indigo_client_against_wcf_http<B>(kind: &str, binding: B)
where
    B: indigo::binding::Binding,
    <DataTypesContract as Contract>::Session:
        indigo::contract::SessionCompatible<DataTypesContract, B>,
{
    let port = free_port();
    let Some(mut child) = serve(&["http-service", &port.to_string(), kind]).await else {
        return;
    };
    let address = format!("http://127.0.0.1:{port}/types");
    let types = DataTypesClient::connect(binding, &address).await.unwrap();
    call_wcf_types(&types).await;
    drop(child.stdin.take());
    let _ = child.wait().await;
}

#[tokio::test]
async fn an_indigo_client_calls_a_wcf_basic_http_host() {
    indigo_client_against_wcf_http("basic", BasicHttpBinding::new()).await;
}

#[tokio::test]
async fn an_indigo_client_calls_a_wcf_ws_http_host() {
    indigo_client_against_wcf_http("ws", WsHttpBinding::new()).await;
}

/// Mono's `svcutil`, or `None` (after saying why) where it is missing outside CI.
fn svcutil() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("svcutil"))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Mono's svcutil is missing under CI=true: run scripts/setup-mono"
        );
        eprintln!(
            "\n*** SKIPPED: Mono's svcutil is not installed, so the generated client did not \
             run. Run scripts/setup-mono. ***\n"
        );
    }
    found
}

/// Mono's `svcutil` generates a client from the WSDL of an indigo HTTP endpoint with data
/// contracts in three namespaces (the default data-contract namespace, a custom one, the
/// contract's), a list, an enum with an explicit value, a required and an emit-default member;
/// compiled with `tests/mono/SvcutilClient.cs`, it calls the service over both HTTP bindings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svcutil_generates_a_working_client_from_an_http_wsdl_with_data_contracts() {
    let Some(svcutil) = svcutil() else { return };
    if peer().is_none() {
        return;
    }
    let host = ServiceHost::builder()
        .endpoint(
            DataTypesContract::single(Types),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/types-basic",
        )
        .endpoint(
            DataTypesContract::single(Types),
            WsHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/types-ws",
        )
        .open()
        .await
        .expect("host opens");
    let url = format!("{}?wsdl", host.addresses()[0]);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("svcutil-http");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let run_dir = dir.clone();
    let generated = tokio::task::spawn_blocking(move || {
        std::process::Command::new(svcutil)
            .current_dir(&run_dir)
            .args(["--noLogo", "--noConfig", "--out=Types.cs", &url])
            .output()
    })
    .await
    .expect("join")
    .expect("svcutil runs");
    assert!(
        generated.status.success(),
        "svcutil failed:\n{}\n{}",
        String::from_utf8_lossy(&generated.stdout),
        String::from_utf8_lossy(&generated.stderr)
    );
    let code = std::fs::read_to_string(dir.join("Types.cs")).expect("svcutil wrote Types.cs");
    // Every operation with the DataContractSerializer, none as an XmlSerializer message contract.
    assert!(!code.contains("XmlSerializerFormat"), "{code}");
    for part in [
        "Peers.Person Older(Peers.Person person);",
        "[System.Runtime.Serialization.DataContractAttribute(Name=\"Person\", Namespace=\"http://schemas.datacontract.org/2004/07/Peers\")]",
        "[System.Runtime.Serialization.DataContractAttribute(Name=\"PostalAddress\", Namespace=\"http://peers.test/geo\")]",
        "[System.Runtime.Serialization.DataMemberAttribute(IsRequired=true)]\n        public long Id",
        "int Sum(int[] values);",
        // IsReference, from the WSDL's annotation.
        "[System.Runtime.Serialization.DataContractAttribute(Name=\"Member\", Namespace=\"urn:people\", IsReference=true)]",
    ] {
        assert!(code.contains(part), "{part}\nnot in\n{code}");
    }
    let exe = dir.join("SvcutilClient.exe");
    let status = std::process::Command::new("mcs")
        .args([
            "-nowarn:109",
            "-r:System.ServiceModel.dll",
            "-r:System.Runtime.Serialization.dll",
        ])
        .arg(format!("-out:{}", exe.display()))
        .arg(dir.join("Types.cs"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/mono/SvcutilClient.cs"
        ))
        .status()
        .expect("mcs runs");
    assert!(status.success(), "mcs failed to compile svcutil's code");

    for (address, kind) in [
        (&host.addresses()[0], "basic"),
        (&host.addresses()[1], "ws"),
    ] {
        let printed = Printed::run(&exe, &[address, kind]).await;
        let expect = |prefix: &str| printed.line(prefix);
        assert_eq!(expect("greet "), "hello wörld <&>");
        assert_eq!(expect("mirror "), "-4 3");
        assert_eq!(expect("sum "), "46");
        assert_eq!(expect("divide "), "0.25");
        // The generated enum names its members by their values: Mood.Happy travels as `Glad`.
        assert_eq!(
            expect("older "),
            "Ann!|42|OSLO|new|14|11|22|a,b,seen|0150-1|MAIN ST|Glad"
        );
        assert_eq!(
            expect("older-again "),
            "Ann!!|43|OSLO|null|28|21|42|a,b,seen,seen|0150-1-1|MAIN ST|Grumpy"
        );
        assert_eq!(expect("find "), "P5|0|null|null|5|0|0||z|s|Glad");
        // The typed fault arrives with its detail in the default data-contract namespace; Mono's
        // svcutil declares no fault contracts, so its client cannot read it (see SvcutilClient.cs).
        let fault = expect("find-fault ");
        assert!(
            fault.starts_with("undeclared ")
                && fault.contains(
                    "'LookupFault', namespace 'http://schemas.datacontract.org/2004/07/Peers'"
                ),
            "{fault}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    host.shutdown().await;
}
