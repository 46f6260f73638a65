//! `indigo::data`'s .NET primitives as operation parameters and results: a call over HTTP with
//! each of them, and the schema types the WSDL gives them.

mod common;

use indigo::binding::BasicHttpBinding;
use indigo::data::{Char, DateTime, DateTimeOffset, Decimal, Guid, TimeSpan};
use indigo::prelude::*;

#[service_contract(name = "IStamps", namespace = "http://peers.test/data")]
trait Stamps {
    async fn stamp(
        &self,
        id: Guid,
        at: DateTime,
        seen: DateTimeOffset,
        price: Decimal,
        initial: Char,
    ) -> TimeSpan;
    async fn echo_time(&self, at: DateTimeOffset) -> DateTimeOffset;
}

struct Stamper;

impl Stamps for Stamper {
    async fn stamp(
        &self,
        id: Guid,
        at: DateTime,
        seen: DateTimeOffset,
        price: Decimal,
        initial: Char,
    ) -> TimeSpan {
        // Everything arrived intact, or the answer says which did not.
        let ok = id.to_string() == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
            && at.to_string() == "2024-05-06T07:08:09.1234567Z"
            && seen.to_string() == "2024-05-06T07:08:09.1234567+02:00"
            && price.to_string() == "-12.3400"
            && initial.code_unit() == 65;
        if ok { TimeSpan::MIN } else { TimeSpan::ZERO }
    }

    async fn echo_time(&self, at: DateTimeOffset) -> DateTimeOffset {
        at
    }
}

fn parse<T: std::str::FromStr<Err = indigo::data::DataError>>(text: &str) -> T {
    text.parse().unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

#[tokio::test]
async fn primitives_travel_as_parameters_and_results_and_have_schema_types() {
    let host = ServiceHost::builder()
        .endpoint(
            StampsContract::single(Stamper),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/stamps",
        )
        .open()
        .await
        .expect("host opens");
    let client = StampsClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .expect("connect");
    let seen: DateTimeOffset = parse("2024-05-06T07:08:09.1234567+02:00");
    let answer = client
        .stamp(
            parse("6F9619FF-8B86-D011-B42D-00C04FC964FF"),
            parse("2024-05-06T07:08:09.1234567Z"),
            seen,
            parse("-12.3400"),
            Char::try_from('A').expect("a BMP char"),
        )
        .await
        .expect("call");
    assert_eq!(answer, TimeSpan::MIN);
    assert_eq!(client.echo_time(seen).await.expect("call"), seen);
    client.close().await.expect("close");

    let wsdl = common::wsdl(host.address()).await;
    for part in [
        // The DataContractSerializer's own simple types, in their namespace, as WCF's schema.
        r#"<xs:element minOccurs="0" name="id" type="q1:guid"/>"#,
        r#"xmlns:q1="http://schemas.microsoft.com/2003/10/Serialization/""#,
        r#"<xs:simpleType name="guid"><xs:restriction base="xs:string"/></xs:simpleType>"#,
        // DateTimeOffset: the struct of .NET's System namespace (a value type: a parameter of it
        // is not nillable), both members required.
        r#"<xs:element minOccurs="0" name="seen" type="q2:DateTimeOffset"/>"#,
        r#"<xs:complexType name="DateTimeOffset"><xs:sequence><xs:element name="DateTime" type="xs:dateTime"/><xs:element name="OffsetMinutes" type="xs:short"/></xs:sequence></xs:complexType>"#,
        r#"<xs:element minOccurs="0" name="at" type="xs:dateTime"/>"#,
        r#"<xs:element minOccurs="0" name="price" type="xs:decimal"/>"#,
        r#"<xs:element minOccurs="0" name="initial" type="q1:char"/>"#,
        r#"<xs:element minOccurs="0" name="StampResult" type="q1:duration"/>"#,
    ] {
        assert!(wsdl.contains(part), "{part}\nnot in\n{wsdl}");
    }
    host.shutdown().await;
}

#[test]
fn sequences_of_serialization_types_name_their_items_as_dotnet_does() {
    let ids = vec![
        Guid::from_bytes(1u128.to_be_bytes()),
        Guid::from_bytes(2u128.to_be_bytes()),
    ];
    let text = indigo::xml::to_string(&ids, "Ids", "http://peers.test/data").expect("write");
    let arrays = indigo::xml::ARRAYS_NS;
    assert_eq!(
        text,
        format!(
            concat!(
                r#"<Ids xmlns="http://peers.test/data">"#,
                r#"<guid xmlns="{a}">00000000-0000-0000-0000-000000000001</guid>"#,
                r#"<guid xmlns="{a}">00000000-0000-0000-0000-000000000002</guid></Ids>"#
            ),
            a = arrays
        )
    );
    let back: Vec<Guid> = indigo::xml::from_str(&text).expect("read");
    assert_eq!(back, ids);
}
