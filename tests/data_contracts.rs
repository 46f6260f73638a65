//! `#[derive(DataContract)]` through the XML body format: the DataContractSerializer's member
//! order and namespaces on writing, tolerant reading with required members, enum values,
//! `emit_default = false`, and the schema the WSDL generator gets from the same declarations.

use indigo::DataContract;
use indigo::xml::{self, ARRAYS_NS};

const PEERS: &str = "http://schemas.datacontract.org/2004/07/Peers";
const GEO: &str = "http://peers.test/geo";

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "http://schemas.datacontract.org/2004/07/Peers")]
struct Person {
    name: String,
    age: i32,
    city: Option<String>,
    #[data_member(emit_default = false)]
    nickname: String,
    #[data_member(required)]
    id: i64,
    #[data_member(name = "Zeta")]
    zeta: i32,
    #[data_member(name = "alpha")]
    alpha: i32,
    #[data_member(order = 1)]
    tags: Vec<String>,
    #[data_member(order = 2)]
    home: Address,
    #[data_member(order = 2)]
    mood: Mood,
    #[data_member(skip)]
    cache: u32,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(name = "PostalAddress", namespace = "http://peers.test/geo")]
struct Address {
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

fn ann() -> Person {
    Person {
        name: "Ann".into(),
        age: 41,
        city: Some("Oslo".into()),
        nickname: String::new(),
        id: 7,
        zeta: 1,
        alpha: 2,
        tags: vec!["a".into(), "b".into()],
        home: Address {
            street: "Main St".into(),
            zip: "0150".into(),
        },
        mood: Mood::Grumpy,
        cache: 99,
    }
}

#[test]
fn members_are_written_in_serializer_order_in_their_namespaces() {
    let text = xml::to_string(&ann(), "MirrorResult", "http://tempuri.org/").unwrap();
    let expected = format!(
        concat!(
            r#"<MirrorResult xmlns="http://tempuri.org/" xmlns:b="{peers}">"#,
            // No Order: ordinal by UTF-16 code unit (upper case first), `Nickname` left out.
            "<b:Age>41</b:Age><b:City>Oslo</b:City><b:Id>7</b:Id><b:Name>Ann</b:Name>",
            "<b:Zeta>1</b:Zeta><b:alpha>2</b:alpha>",
            // Order 1, then Order 2 by name.
            r#"<b:Tags><string xmlns="{arrays}">a</string><string xmlns="{arrays}">b</string></b:Tags>"#,
            r#"<b:Home xmlns:c="{geo}"><c:Zip>0150</c:Zip><c:Street>Main St</c:Street></b:Home>"#,
            "<b:Mood>Grumpy</b:Mood>",
            "</MirrorResult>"
        ),
        peers = PEERS,
        geo = GEO,
        arrays = ARRAYS_NS,
    );
    assert_eq!(text, expected);
}

#[test]
fn values_round_trip_except_skipped_fields() {
    let mut person = ann();
    person.nickname = "annie".into();
    let text = xml::to_string(&person, "P", "http://tempuri.org/").unwrap();
    assert!(text.contains("<b:Nickname>annie</b:Nickname>"), "{text}");
    let back: Person = xml::from_str(&text).unwrap();
    // A skipped field is not a data member: it comes back as its default.
    assert_eq!(back, Person { cache: 0, ..person });
}

#[test]
fn reading_accepts_any_order_unknown_members_and_missing_optional_ones() {
    let text = format!(
        r#"<P xmlns="http://tempuri.org/" xmlns:p="{PEERS}"><p:Name>Bo</p:Name><p:Unknown><x/></p:Unknown><p:Mood>Glad</p:Mood><p:Id>3</p:Id><p:Age>9</p:Age></P>"#
    );
    let person: Person = xml::from_str(&text).unwrap();
    assert_eq!(
        person,
        Person {
            name: "Bo".into(),
            age: 9,
            id: 3,
            mood: Mood::Happy,
            ..Person::default()
        }
    );
}

#[test]
fn a_missing_required_member_is_an_error_naming_it() {
    let text = r#"<P xmlns="http://tempuri.org/"><Name>Bo</Name></P>"#;
    let error = xml::from_str::<Person>(text).unwrap_err().to_string();
    assert!(
        error.contains("the required data member `Id` of `Person` is missing"),
        "{error}"
    );
}

#[test]
fn an_unknown_enum_value_is_an_error_listing_the_values() {
    let text = r#"<P xmlns="http://tempuri.org/"><Id>1</Id><Mood>Happy</Mood></P>"#;
    let error = xml::from_str::<Person>(text).unwrap_err().to_string();
    assert!(error.contains("Happy") && error.contains("Glad"), "{error}");
}

#[test]
fn a_sequence_of_data_contracts_names_items_in_their_namespace() {
    let homes = vec![Address::default(), Address::default()];
    let text = xml::to_string(&homes, "Homes", "http://tempuri.org/").unwrap();
    assert_eq!(
        text,
        format!(
            concat!(
                r#"<Homes xmlns="http://tempuri.org/">"#,
                r#"<PostalAddress xmlns="{geo}"><Zip/><Street/></PostalAddress>"#,
                r#"<PostalAddress xmlns="{geo}"><Zip/><Street/></PostalAddress>"#,
                "</Homes>"
            ),
            geo = GEO
        )
    );
    let back: Vec<Address> = xml::from_str(&text).unwrap();
    assert_eq!(back, homes);
}
