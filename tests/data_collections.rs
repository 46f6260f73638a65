//! Dictionaries, collection data contracts and `[Flags]` enums against a real
//! DataContractSerializer: Mono's (`tests/mono/Collections.cs` prints its documents).
//!
//! indigo must write the same document as .NET for the same value (compared as XML infosets:
//! names resolved to namespaces, prefixes free) and read .NET's document back to the value.
//! Where Mono is not installed the comparisons say so loudly and pass, except under `CI=true`.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use indigo::DataContract;
use indigo::binding::BasicHttpBinding;
use indigo::data::Flags;
use indigo::prelude::*;
use indigo::xml::stream::{Event, XmlSource};
use indigo::xml::{self, ARRAYS_NS, TextSource, XmlFragment};
use serde::Serialize;
use serde::de::DeserializeOwned;

const GEO: &str = "http://peers.test/geo";
const COLL: &str = "http://peers.test/coll";
const PEERS: &str = "http://schemas.datacontract.org/2004/07/Peers";

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://peers.test/geo")]
struct Person {
    name: Option<String>,
    age: i32,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(
    collection,
    name = "Tags",
    namespace = "http://peers.test/coll",
    item = "Tag"
)]
struct Tags(Vec<String>);

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(
    collection,
    name = "Scores",
    namespace = "http://peers.test/coll",
    item = "Entry",
    key = "Name",
    value = "Points"
)]
struct Scores(BTreeMap<String, i32>);

#[derive(DataContract, Debug, Clone, Copy, PartialEq)]
#[data_contract(flags, namespace = "http://peers.test/geo")]
enum Perms {
    Read = 1,
    Write = 2,
    #[enum_member(value = "Run")]
    Exec = 4,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Peers")]
struct Holder {
    people: BTreeMap<String, Person>,
    perms: Flags<Perms>,
    scores: HashMap<String, i32>,
    tags: Tags,
}

/// The C# program's documents by name, or `None` where Mono is missing: compiled and run once
/// for all the tests of this file (which run in parallel, and would race on the executable).
fn dotnet_documents() -> Option<BTreeMap<String, String>> {
    static DOCS: std::sync::OnceLock<Option<BTreeMap<String, String>>> = std::sync::OnceLock::new();
    DOCS.get_or_init(run_dotnet).clone()
}

/// Compiles and runs the C# program.
fn run_dotnet() -> Option<BTreeMap<String, String>> {
    let exe = common::compile_mono(
        "Collections",
        &["System.Runtime.Serialization.dll"],
        "the DataContractSerializer comparison",
    )?;
    Some(common::mono_documents(&exe, &[]))
}

/// The document as resolved names, attributes (not namespace declarations) and text, one event
/// a line: what stays when prefixes are renamed.
fn infoset(doc: &str) -> String {
    let mut source = TextSource::new(doc);
    let mut out = String::new();
    loop {
        match source.next().expect("well-formed") {
            Event::Start(name) => {
                out.push_str(&format!("<{{{}}}{}", name.namespace, name.local));
                let mut attrs: Vec<String> = source
                    .attributes()
                    .map(|a| a.expect("attribute"))
                    .filter(|a| a.name.prefix != "xmlns" && a.name.local != "xmlns")
                    .map(|a| format!(" {{{}}}{}={}", a.name.namespace, a.name.local, a.value))
                    .collect();
                attrs.sort();
                out.push_str(&attrs.concat());
                out.push_str(">\n");
            }
            Event::Text(text) => {
                let mut s = String::new();
                text.push_to(&mut s);
                out.push_str(&format!("text {s}\n"));
            }
            Event::End => out.push_str("</>\n"),
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// indigo writes `value` as .NET's document `name` is, and reads that document back to it.
fn same_as_dotnet<T>(docs: &BTreeMap<String, String>, name: &str, value: &T) -> String
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let doc = docs
        .get(name)
        .unwrap_or_else(|| panic!("the C# program printed no `{name}`"));
    let read: T = xml::from_str(doc).unwrap_or_else(|e| panic!("{name}: reading {doc}: {e}"));
    assert_eq!(&read, value, "{name}: read from {doc}");
    let (namespace, root) = xml::root_element(&XmlFragment::new(doc.clone())).expect("root");
    let written = xml::to_string(value, &root, &namespace).expect("write");
    assert_eq!(
        infoset(&written),
        infoset(doc),
        "{name}: indigo's document {written} against .NET's {doc}"
    );
    written
}

fn ann() -> Person {
    Person {
        name: Some("Ann".into()),
        age: 41,
    }
}

#[test]
fn dictionaries_travel_as_the_data_contract_serializer_writes_them() {
    let Some(docs) = dotnet_documents() else {
        return;
    };
    let ints: BTreeMap<String, i32> = [("x".into(), 1), ("y".into(), 2)].into();
    let written = same_as_dotnet(&docs, "dict.int", &ints);
    // With no other namespace in play, the very bytes .NET writes (but its `xmlns:i`).
    assert_eq!(
        written,
        docs["dict.int"].replace(
            r#" xmlns:i="http://www.w3.org/2001/XMLSchema-instance""#,
            ""
        )
    );
    let people: BTreeMap<String, Person> = [("ann".into(), ann())].into();
    let written = same_as_dotnet(&docs, "dict.person", &people);
    // The entry's name carries .NET's digest of the parameters' namespaces.
    assert!(
        written.contains("<KeyValueOfstringPerson_S0hWBn0Y>"),
        "{written}"
    );
}

#[test]
fn collection_data_contracts_name_their_items() {
    let Some(docs) = dotnet_documents() else {
        return;
    };
    same_as_dotnet(&docs, "tags", &Tags(vec!["a".into(), "b".into()]));
    same_as_dotnet(
        &docs,
        "scores",
        &Scores([("x".into(), 1), ("y".into(), 2)].into()),
    );
}

#[test]
fn flags_travel_as_space_separated_member_names() {
    let Some(docs) = dotnet_documents() else {
        return;
    };
    same_as_dotnet(&docs, "flags.0", &Flags::<Perms>::empty());
    same_as_dotnet(&docs, "flags.1", &Flags::from(Perms::Read));
    same_as_dotnet(&docs, "flags.3", &(Flags::from(Perms::Read) | Perms::Write));
    let all = Flags::from(Perms::Read) | Perms::Write | Perms::Exec;
    same_as_dotnet(&docs, "flags.7", &all);
    // A single member alone reads and writes as itself.
    same_as_dotnet(&docs, "flags.1", &Perms::Read);
}

#[test]
fn a_data_contract_holding_all_of_them() {
    let Some(docs) = dotnet_documents() else {
        return;
    };
    let holder = Holder {
        people: [(
            "a".into(),
            Person {
                name: Some("A".into()),
                age: 0,
            },
        )]
        .into(),
        perms: Flags::from(Perms::Read) | Perms::Exec,
        scores: [("x".into(), 1)].into(),
        tags: Tags(vec!["a".into(), "b".into()]),
    };
    same_as_dotnet(&docs, "holder", &holder);
}

#[test]
fn round_trips_and_tolerant_reading() {
    let scores = Scores([("a".into(), 1), ("b".into(), -2)].into());
    let text = xml::to_string(&scores, "Scores", COLL).unwrap();
    assert_eq!(
        text,
        r#"<Scores xmlns="http://peers.test/coll"><Entry><Name>a</Name><Points>1</Points></Entry><Entry><Name>b</Name><Points>-2</Points></Entry></Scores>"#
    );
    assert_eq!(xml::from_str::<Scores>(&text).unwrap(), scores);
    // Entries of any name, keys and values by their names or .NET's defaults, in any order.
    let loose = r#"<S xmlns="urn:x"><KeyValue><Value>1</Value><Key>a</Key></KeyValue><E><Name>b</Name><Extra/><Points>-2</Points></E></S>"#;
    assert_eq!(xml::from_str::<Scores>(loose).unwrap(), scores);
    let missing = r#"<S xmlns="urn:x"><E><Name>b</Name></E></S>"#;
    let error = xml::from_str::<Scores>(missing).unwrap_err().to_string();
    assert!(error.contains("has no `Points`"), "{error}");

    // A list's items of any name.
    let tags: Tags =
        xml::from_str(r#"<T xmlns:a="urn:a"><a:string>x</a:string><Tag>y</Tag></T>"#).unwrap();
    assert_eq!(tags, Tags(vec!["x".into(), "y".into()]));

    // Maps: the form indigo wrote before (`KeyValue` in the element's namespace) still reads.
    let old = r#"<m xmlns="urn:x"><KeyValue><Key>k</Key><Value>3</Value></KeyValue></m>"#;
    let map: HashMap<String, i32> = xml::from_str(old).unwrap();
    assert_eq!(map, [("k".into(), 3)].into());
    let text = xml::to_string(&map, "m", "urn:x").unwrap();
    assert_eq!(
        text,
        format!(
            r#"<m xmlns="urn:x" xmlns:b="{ARRAYS_NS}"><b:KeyValueOfstringint><b:Key>k</b:Key><b:Value>3</b:Value></b:KeyValueOfstringint></m>"#
        )
    );

    // Flags: names in any order, any whitespace; an unknown name is an error naming it.
    let perms: Flags<Perms> =
        xml::from_str(&format!("<Perms xmlns=\"{GEO}\">\n Run\tRead </Perms>")).unwrap();
    assert_eq!(perms, Flags::from(Perms::Exec) | Perms::Read);
    let error = xml::from_str::<Flags<Perms>>(&format!("<Perms xmlns=\"{GEO}\">Read Exec</Perms>"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`Exec` is not a member"), "{error}");
    // Bits no member holds cannot be written.
    let odd = Flags::<Perms>::from_bits(8);
    assert!(odd.is_none());

    // A sequence of flags sets names its items after the contract, in its namespace.
    let list = vec![Flags::from(Perms::Read), Flags::empty()];
    let text = xml::to_string(&list, "L", PEERS).unwrap();
    assert_eq!(
        text,
        format!(
            r#"<L xmlns="{PEERS}"><Perms xmlns="{GEO}">Read</Perms><Perms xmlns="{GEO}"/></L>"#
        )
    );
    assert_eq!(xml::from_str::<Vec<Flags<Perms>>>(&text).unwrap(), list);
}

#[derive(DataContract, Debug, Clone, Copy, PartialEq)]
#[data_contract(flags, namespace = "http://peers.test/geo")]
enum Odd {
    None = 0,
    Read = 1,
    Write = 2,
}

#[service_contract(name = "IKeep", namespace = "http://peers.test/keep")]
trait Keep {
    async fn keep(&self, holder: Holder, odd: Flags<Odd>, scores: Scores) -> Holder;
}

struct Keeper;

impl Keep for Keeper {
    async fn keep(&self, holder: Holder, _odd: Flags<Odd>, _scores: Scores) -> Holder {
        holder
    }
}

#[tokio::test]
async fn the_wsdl_describes_them_as_wcf_does() {
    let host = ServiceHost::builder()
        .endpoint(
            KeepContract::single(Keeper),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/keep",
        )
        .open()
        .await
        .expect("host opens");
    let client = KeepClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .expect("connect");
    let holder = Holder {
        people: [("a".into(), ann())].into(),
        perms: Flags::from(Perms::Write),
        scores: [("x".into(), 1)].into(),
        tags: Tags(vec!["t".into()]),
    };
    let odd = Flags::from(Odd::Read) | Odd::Write;
    let back = client
        .keep(holder.clone(), odd, Scores::default())
        .await
        .expect("call");
    assert_eq!(back, holder);
    client.close().await.expect("close");

    let wsdl = common::wsdl(host.address()).await;
    let ser = "http://schemas.microsoft.com/2003/10/Serialization/";
    for part in [
        // Dictionaries in the arrays namespace, marked for svcutil (as Mono's
        // XsdDataContractExporter writes them, prefixes aside).
        r#"<xs:element minOccurs="0" name="Scores" nillable="true" type="arr:ArrayOfKeyValueOfstringint"/>"#,
        &format!(
            concat!(
                r#"<xs:complexType name="ArrayOfKeyValueOfstringint"><xs:annotation><xs:appinfo>"#,
                r#"<IsDictionary xmlns="{ser}">true</IsDictionary></xs:appinfo></xs:annotation>"#,
                r#"<xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="KeyValueOfstringint">"#,
                r#"<xs:complexType><xs:sequence><xs:element name="Key" nillable="true" type="xs:string"/>"#,
                r#"<xs:element name="Value" type="xs:int"/></xs:sequence></xs:complexType></xs:element>"#,
                r#"</xs:sequence></xs:complexType>"#
            ),
            ser = ser
        ),
        r#"<xs:element minOccurs="0" name="People" nillable="true" type="arr:ArrayOfKeyValueOfstringPerson_S0hWBn0Y"/>"#,
        r#"name="KeyValueOfstringPerson_S0hWBn0Y"><xs:complexType><xs:sequence><xs:element name="Key" nillable="true" type="xs:string"/><xs:element name="Value" nillable="true" type="q"#,
        // The collection data contracts in their namespace.
        r#"<xs:complexType name="Tags"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="Tag" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>"#,
        &format!(
            concat!(
                r#"<xs:complexType name="Scores"><xs:annotation><xs:appinfo>"#,
                r#"<IsDictionary xmlns="{ser}">true</IsDictionary></xs:appinfo></xs:annotation>"#,
                r#"<xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="Entry">"#,
                r#"<xs:complexType><xs:sequence><xs:element name="Name" nillable="true" type="xs:string"/>"#,
                r#"<xs:element name="Points" type="xs:int"/></xs:sequence></xs:complexType></xs:element>"#,
                r#"</xs:sequence></xs:complexType>"#
            ),
            ser = ser
        ),
        // [Flags]: a list of the enumeration; values other than 2^i annotated.
        r#"<xs:simpleType name="Perms"><xs:list><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="Read"/><xs:enumeration value="Write"/><xs:enumeration value="Run"/></xs:restriction></xs:simpleType></xs:list></xs:simpleType>"#,
        &format!(
            r#"<xs:enumeration value="None"><xs:annotation><xs:appinfo><EnumerationValue xmlns="{ser}">0</EnumerationValue></xs:appinfo></xs:annotation></xs:enumeration>"#
        ),
        &format!(
            r#"<xs:enumeration value="Read"><xs:annotation><xs:appinfo><EnumerationValue xmlns="{ser}">1</EnumerationValue></xs:appinfo></xs:annotation></xs:enumeration>"#
        ),
    ] {
        assert!(wsdl.contains(part), "{part}\nnot in\n{wsdl}");
    }
    host.shutdown().await;
}
