//! WSDL for net.tcp endpoints, published by the host over HTTP GET
//! (`ServiceHostBuilder::metadata_http`, WCF's `ServiceMetadataBehavior.HttpGetUrl`), with the
//! bindings' WS-Policy assertions as WCF writes them; and Mono's `svcutil` importing it, when
//! installed (`scripts/setup-mono`; under `CI=true` a missing `svcutil` fails the test).

mod common;

use std::path::PathBuf;

use common::*;
use indigo::binding::{BasicHttpBinding, WsHttpBinding};
use indigo::prelude::*;

fn assert_has(wsdl: &str, part: &str) {
    assert!(wsdl.contains(part), "{part}\nnot in\n{wsdl}");
}

async fn calculator_host() -> ServiceHost {
    let probe = Probe::default();
    ServiceHost::builder()
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&probe)),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/calc",
        )
        .metadata_http("http://127.0.0.1:0/calc/mex")
        .open()
        .await
        .expect("host opens")
}

#[tokio::test]
async fn net_tcp_endpoint_has_wcf_wsdl_over_http_get() {
    let host = calculator_host().await;
    let tcp = host.address().to_owned();
    let mex = host
        .metadata_address()
        .expect("a metadata address")
        .to_owned();
    assert!(
        mex.starts_with("http://127.0.0.1:") && mex.ends_with("/calc/mex"),
        "{mex}"
    );
    let wsdl = wsdl(&mex).await;

    // The binding's policy, first in the document, as WCF's NetTcpBinding(SecurityMode.None).
    assert_has(
        &wsdl,
        concat!(
            r#"<wsp:Policy wsu:Id="NetTcpBinding_ICalculatorSession_policy"><wsp:ExactlyOne><wsp:All>"#,
            r#"<msb:BinaryEncoding xmlns:msb="http://schemas.microsoft.com/ws/06/2004/mspolicy/netbinary1"/>"#,
            r#"<wsaw:UsingAddressing/>"#,
            r#"</wsp:All></wsp:ExactlyOne></wsp:Policy><wsdl:types>"#
        ),
    );
    for (prefix, ns) in [
        ("wsp", "http://schemas.xmlsoap.org/ws/2004/09/policy"),
        (
            "wsu",
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
        ),
        (
            "msc",
            "http://schemas.microsoft.com/ws/2005/12/wsdl/contract",
        ),
        ("wsaw", "http://www.w3.org/2006/05/addressing/wsdl"),
        ("wsa10", "http://www.w3.org/2005/08/addressing"),
        ("soap12", "http://schemas.xmlsoap.org/wsdl/soap12/"),
    ] {
        assert_has(&wsdl, &format!(r#"xmlns:{prefix}="{ns}""#));
    }
    // The binding: the policy reference, SOAP 1.2 over WCF's TCP transport URI.
    assert_has(
        &wsdl,
        concat!(
            r#"<wsdl:binding name="NetTcpBinding_ICalculatorSession" type="tns:ICalculatorSession">"#,
            r##"<wsp:PolicyReference URI="#NetTcpBinding_ICalculatorSession_policy"/>"##,
            r#"<soap12:binding transport="http://schemas.microsoft.com/soap/tcp"/>"#
        ),
    );
    assert_has(
        &wsdl,
        r#"<soap12:operation soapAction="http://peers.test/calc/ICalculatorSession/AddTo" style="document"/>"#,
    );
    // The session contract: msc:usingSession on the port type, initiating and terminating on
    // every operation.
    assert_has(
        &wsdl,
        r#"<wsdl:portType msc:usingSession="true" name="ICalculatorSession">"#,
    );
    for (op, initiating, terminating) in [
        ("Clear", true, false),
        ("AddTo", false, false),
        ("SubtractFrom", false, false),
        ("MultiplyBy", false, false),
        ("DivideBy", false, false),
        ("Equals", false, true),
    ] {
        assert_has(
            &wsdl,
            &format!(
                r#"<wsdl:operation msc:isInitiating="{initiating}" msc:isTerminating="{terminating}" name="{op}"><wsdl:input"#
            ),
        );
    }
    // The port: the net.tcp address as bound, and its endpoint reference.
    assert!(tcp.starts_with("net.tcp://127.0.0.1:") && !tcp.ends_with(":0/calc"));
    assert_has(
        &wsdl,
        &format!(
            concat!(
                r#"<wsdl:service name="ICalculatorSessionService">"#,
                r#"<wsdl:port name="NetTcpBinding_ICalculatorSession" binding="tns:NetTcpBinding_ICalculatorSession">"#,
                r#"<soap12:address location="{tcp}"/>"#,
                r#"<wsa10:EndpointReference><wsa10:Address>{tcp}</wsa10:Address></wsa10:EndpointReference>"#,
                r#"</wsdl:port></wsdl:service>"#
            ),
            tcp = tcp
        ),
    );

    // The metadata address answers nothing else; the service still works over net.tcp.
    let (status, _) = http("POST", &mex, "").await;
    assert_eq!(status, 405);
    let (status, _) = http("GET", &mex, "").await;
    assert_eq!(status, 405);
    let client = CalculatorSessionClient::connect(NetTcpBinding::new(), &tcp)
        .await
        .expect("connect");
    let (calc, ()) = client.clear().await.expect("clear");
    calc.add_to(2.5).await.expect("add");
    assert_eq!(calc.equals().await.expect("equals"), 2.5);
    host.shutdown().await;
}

#[tokio::test]
async fn one_document_describes_every_endpoint_of_the_contract() {
    let probe = Probe::default();
    let (p1, p2, p3) = (probe.clone(), probe.clone(), probe.clone());
    let host = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(move || Echoer::new(&p1)),
            NetTcpBinding::new().text_encoding(),
            "net.tcp://127.0.0.1:0/echo",
        )
        .endpoint(
            EchoContract::per_call(move || Echoer::new(&p2)),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/echo2",
        )
        .endpoint(
            EchoContract::per_call(move || Echoer::new(&p3)),
            WsHttpBinding::new(),
            "http://127.0.0.1:0/echo",
        )
        .endpoint(
            EchoContract::per_call(move || Echoer::new(&probe)),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/echo-basic",
        )
        .metadata_http("http://127.0.0.1:0/mex")
        .open()
        .await
        .expect("host opens");
    let wsdl = wsdl(host.metadata_address().expect("metadata")).await;
    let addresses = host.addresses();

    // A contract with session mode Allowed has no msc attributes.
    assert_has(&wsdl, r#"<wsdl:portType name="Echo">"#);
    assert!(!wsdl.contains("msc:is"), "{wsdl}");
    // Text encoding: no binary assertion; the second NetTcp binding's name is made unique.
    assert_has(
        &wsdl,
        r#"<wsp:Policy wsu:Id="NetTcpBinding_Echo_policy"><wsp:ExactlyOne><wsp:All><wsaw:UsingAddressing/></wsp:All>"#,
    );
    assert_has(
        &wsdl,
        r#"<wsp:Policy wsu:Id="NetTcpBinding_Echo1_policy"><wsp:ExactlyOne><wsp:All><msb:BinaryEncoding"#,
    );
    // WSHttp: addressing in its policy; BasicHttp: no policy and no endpoint reference.
    assert_has(
        &wsdl,
        r#"<wsp:Policy wsu:Id="WSHttpBinding_Echo_policy"><wsp:ExactlyOne><wsp:All><wsaw:UsingAddressing/></wsp:All>"#,
    );
    assert!(!wsdl.contains("BasicHttpBinding_Echo_policy"), "{wsdl}");
    assert_has(
        &wsdl,
        concat!(
            r#"<wsdl:binding name="WSHttpBinding_Echo" type="tns:Echo">"#,
            r##"<wsp:PolicyReference URI="#WSHttpBinding_Echo_policy"/>"##,
            r#"<soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/>"#
        ),
    );
    assert_has(
        &wsdl,
        concat!(
            r#"<wsdl:binding name="BasicHttpBinding_Echo" type="tns:Echo">"#,
            r#"<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>"#
        ),
    );
    for (port, address) in [
        ("NetTcpBinding_Echo", &addresses[0]),
        ("NetTcpBinding_Echo1", &addresses[1]),
        ("WSHttpBinding_Echo", &addresses[2]),
    ] {
        assert_has(
            &wsdl,
            &format!(
                r#"<wsdl:port name="{port}" binding="tns:{port}"><soap12:address location="{address}"/><wsa10:EndpointReference><wsa10:Address>{address}</wsa10:Address></wsa10:EndpointReference></wsdl:port>"#
            ),
        );
    }
    assert_has(
        &wsdl,
        &format!(
            r#"<wsdl:port name="BasicHttpBinding_Echo" binding="tns:BasicHttpBinding_Echo"><soap:address location="{}"/></wsdl:port>"#,
            addresses[3]
        ),
    );
    host.shutdown().await;
}

#[tokio::test]
async fn http_endpoints_own_wsdl_carries_policy_and_endpoint_reference() {
    let probe = Probe::default();
    let host = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(move || Echoer::new(&probe)),
            WsHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/echo",
        )
        .open()
        .await
        .expect("host opens");
    assert_eq!(host.metadata_address(), None);
    let address = host.address();
    let wsdl = wsdl(address).await;
    assert_has(
        &wsdl,
        r#"<wsp:Policy wsu:Id="WSHttpBinding_Echo_policy"><wsp:ExactlyOne><wsp:All><wsaw:UsingAddressing/></wsp:All></wsp:ExactlyOne></wsp:Policy><wsdl:types>"#,
    );
    assert_has(
        &wsdl,
        &format!(
            r#"<soap12:address location="{address}"/><wsa10:EndpointReference><wsa10:Address>{address}</wsa10:Address></wsa10:EndpointReference>"#
        ),
    );
    host.shutdown().await;
}

#[tokio::test]
async fn metadata_of_two_contracts_or_none_is_refused_at_open() {
    let probe = Probe::default();
    let p = probe.clone();
    let two = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(move || Echoer::new(&p)),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/echo",
        )
        .endpoint(
            CalculatorSessionContract::per_session(move || Calculator::new(&probe)),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/calc",
        )
        .metadata_http("http://127.0.0.1:0/mex")
        .open()
        .await;
    let error = two
        .expect_err("two contracts cannot share a WSDL")
        .to_string();
    assert!(error.contains("`Echo` and `ICalculatorSession`"), "{error}");

    let none = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(|| Echoer::new(&Probe::default())),
            MemoryBinding::new(),
            &unique("wsdl"),
        )
        .metadata_http("http://127.0.0.1:0/mex")
        .open()
        .await;
    let error = none.expect_err("memory endpoints have no WSDL").to_string();
    assert!(error.contains("no endpoint"), "{error}");

    let bad = ServiceHost::builder()
        .endpoint(
            EchoContract::per_call(|| Echoer::new(&Probe::default())),
            NetTcpBinding::new(),
            "net.tcp://127.0.0.1:0/echo",
        )
        .metadata_http("net.tcp://127.0.0.1:0/mex")
        .open()
        .await;
    assert!(bad.is_err(), "metadata needs an http address");
}

/// Mono's `svcutil`, pointed at the `?wsdl` URL as a WCF user would, imports the WSDL and
/// generates the contract and its client class. (Mono's svcutil imports contracts only: it
/// writes no configuration, so the binding is checked by the next test, with Mono's
/// `WsdlImporter`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svcutil_imports_the_net_tcp_wsdl() {
    let svcutil = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("svcutil"))
            .find(|path| path.is_file())
    });
    let Some(svcutil) = svcutil else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI=true but Mono's svcutil is missing: run scripts/setup-mono first"
        );
        eprintln!(
            "\n==== SKIP svcutil import test: svcutil is missing; run scripts/setup-mono ====\n"
        );
        return;
    };
    let host = calculator_host().await;
    let url = format!("{}?wsdl", host.metadata_address().expect("metadata"));
    let dir: PathBuf = std::env::temp_dir().join(format!("indigo-svcutil-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let run_dir = dir.clone();
    // From the URL, as a WCF user runs it: svcutil reads the WSDL there (its DISCO client).
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(svcutil)
            .current_dir(&run_dir)
            .args(["--noLogo", "--noConfig", "--out=Calc.cs", &url])
            .output()
    })
    .await
    .expect("join")
    .expect("svcutil runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "svcutil failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let code = std::fs::read_to_string(dir.join("Calc.cs")).expect("svcutil wrote Calc.cs");
    // Mono's importer reads neither msc:usingSession nor msc:isInitiating (WCF's does), so the
    // session attributes are checked on the WSDL text (net_tcp_endpoint_has_wcf_wsdl_over_http_get).
    for part in [
        "interface ICalculatorSession",
        "Action=\"http://peers.test/calc/ICalculatorSession/AddTo\"",
        "double Equals()",
        "class CalculatorSessionClient",
    ] {
        assert!(
            code.contains(part),
            "{part} not in\n{code}\n{stdout}\n{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    host.shutdown().await;
}

/// `tests/mono/WsdlImport.cs` compiled, or `None` (after saying why) where Mono is missing
/// outside CI.
fn wsdl_importer() -> Option<PathBuf> {
    compile_mono(
        "WsdlImport",
        &["System.ServiceModel.dll", "System.Web.Services.dll"],
        "its WSDL importer",
    )
}

/// Mono's `WsdlImporter` (what WCF's tools and `MetadataResolver` use) imports the net.tcp
/// endpoint from the WSDL, policy included: a TCP transport with binary encoding and SOAP 1.2 +
/// WS-Addressing 1.0; and a Mono client calls the session contract over the imported binding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mono_imports_the_net_tcp_endpoint_and_calls_it() {
    let Some(exe) = tokio::task::spawn_blocking(wsdl_importer)
        .await
        .expect("join")
    else {
        return;
    };
    let host = calculator_host().await;
    let url = format!("{}?wsdl", host.metadata_address().expect("metadata"));
    let output = tokio::process::Command::new("mono")
        .arg(&exe)
        .arg(&url)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), output)
        .await
        .expect("mono ends within a minute")
        .expect("mono runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the import failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("error ")),
        "import errors:\n{stdout}"
    );
    let endpoint = stdout
        .lines()
        .find(|l| l.starts_with("endpoint "))
        .unwrap_or_else(|| panic!("no endpoint imported:\n{stdout}\n{stderr}"));
    assert!(
        endpoint.starts_with(&format!("endpoint {} ICalculatorSession ", host.address())),
        "{endpoint}"
    );
    for element in [
        "BinaryMessageEncodingBindingElement",
        "TcpTransportBindingElement",
    ] {
        assert!(endpoint.contains(element), "{element} not in {endpoint}");
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("version Soap12") && l.contains("Addressing10")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l == "equals 2.5"),
        "{stdout}\n{stderr}"
    );
    host.shutdown().await;
}
