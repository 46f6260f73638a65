//! `#[derive(DataContract)]` through the XML body format: the DataContractSerializer's member
//! order and namespaces on writing, tolerant reading with required members, enum values,
//! `emit_default = false`, and the schema the WSDL generator gets from the same declarations.

mod common;

use indigo::DataContract;
use indigo::binding::BasicHttpBinding;
use indigo::prelude::*;
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

/// A base type, as .NET's class inheritance: `Employee : Person`.
#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(name = "Person", namespace = "urn:people")]
struct BasePerson {
    name: String,
    #[data_member(required)]
    id: i64,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:hr")]
struct Employee {
    #[data_member(base)]
    person: BasePerson,
    salary: f64,
    #[data_member(order = 1)]
    boss: Option<String>,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
#[data_contract(namespace = "urn:hr")]
struct Manager {
    #[data_member(base)]
    employee: Employee,
    reports: i32,
}

fn manager() -> Manager {
    Manager {
        employee: Employee {
            person: BasePerson {
                name: "Kim".into(),
                id: 3,
            },
            salary: 10.5,
            boss: None,
        },
        reports: 4,
    }
}

#[test]
fn a_base_types_members_come_first_in_its_namespace() {
    let text = xml::to_string(&manager(), "M", "http://tempuri.org/").unwrap();
    assert_eq!(
        text,
        concat!(
            r#"<M xmlns="http://tempuri.org/" xmlns:b="urn:hr">"#,
            // Person's members (base of the base) first, in Person's namespace, then Employee's
            // (no Order, then Order 1), then Manager's own.
            r#"<Id xmlns="urn:people">3</Id><Name xmlns="urn:people">Kim</Name>"#,
            r#"<b:Salary>10.5</b:Salary>"#,
            r#"<b:Boss i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>"#,
            r#"<b:Reports>4</b:Reports></M>"#
        )
    );
    let back: Manager = xml::from_str(&text).unwrap();
    assert_eq!(back, manager());
}

#[test]
fn a_base_types_required_member_is_checked_when_reading_a_derived_one() {
    let text = r#"<M xmlns="urn:hr"><Name>Kim</Name><Salary>1</Salary></M>"#;
    let error = xml::from_str::<Manager>(text).unwrap_err().to_string();
    assert!(
        error.contains("the required data member `Id` of `Person` is missing"),
        "{error}"
    );
    // Members in any order, from any level.
    let text = r#"<M xmlns="urn:hr"><Reports>2</Reports><Id>9</Id><Salary>1</Salary></M>"#;
    let back: Manager = xml::from_str(text).unwrap();
    assert_eq!((back.reports, back.employee.person.id), (2, 9));
}

/// A contract with data contracts from four namespaces and a derived type.
#[service_contract(name = "IPeople", namespace = "http://peers.test/people")]
trait People {
    async fn older(&self, person: Person) -> Person;
    async fn promote(&self, employee: Employee) -> Manager;
    async fn pair(&self, team: Team) -> Team;
}

struct Registry;

impl People for Registry {
    async fn older(&self, mut person: Person) -> Person {
        person.age += 1;
        person
    }
    async fn promote(&self, employee: Employee) -> Manager {
        Manager {
            employee,
            reports: 1,
        }
    }
    async fn pair(&self, team: Team) -> Team {
        team
    }
}

#[tokio::test]
async fn data_contracts_travel_over_http_and_describe_themselves_in_their_namespaces() {
    let host = ServiceHost::builder()
        .endpoint(
            PeopleContract::single(Registry),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/people",
        )
        .open()
        .await
        .expect("host opens");
    let client = PeopleClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .expect("connect");
    let mut expected = ann();
    expected.age += 1;
    expected.cache = 0;
    assert_eq!(client.older(ann()).await.unwrap(), expected);
    assert_eq!(
        client.promote(manager().employee).await.unwrap(),
        Manager {
            reports: 1,
            ..manager()
        }
    );

    let wsdl = common::wsdl(host.address()).await;
    let schema_of = |ns: &str| -> String {
        let start = wsdl
            .find(&format!(r#"targetNamespace="{ns}""#))
            .unwrap_or_else(|| panic!("no schema for {ns} in\n{wsdl}"));
        let end = wsdl[start..]
            .find("</xs:schema>")
            .map_or(wsdl.len(), |e| start + e);
        wsdl[start..end].to_owned()
    };
    let peers = schema_of(PEERS);
    // Members in serializer order; optional unless required; nillable as .NET's reference types.
    let person = concat!(
        r#"<xs:complexType name="Person"><xs:sequence>"#,
        r#"<xs:element minOccurs="0" name="Age" type="xs:int"/>"#,
        r#"<xs:element minOccurs="0" name="City" nillable="true" type="xs:string"/>"#,
        r#"<xs:element name="Id" type="xs:long"/>"#,
        r#"<xs:element minOccurs="0" name="Name" nillable="true" type="xs:string"/>"#,
        r#"<xs:element minOccurs="0" name="Nickname" nillable="true" type="xs:string"/>"#,
        r#"<xs:element minOccurs="0" name="Zeta" type="xs:int"/>"#,
        r#"<xs:element minOccurs="0" name="alpha" type="xs:int"/>"#,
        r#"<xs:element minOccurs="0" name="Tags" nillable="true" type="arr:ArrayOfstring"/>"#,
    );
    assert!(peers.contains(person), "{person}\nnot in\n{peers}");
    let geo = schema_of(GEO);
    for part in [
        r#"<xs:complexType name="PostalAddress"><xs:sequence><xs:element minOccurs="0" name="Zip" nillable="true" type="xs:string"/><xs:element minOccurs="0" name="Street" nillable="true" type="xs:string"/></xs:sequence></xs:complexType>"#,
        r#"<xs:simpleType name="Mood"><xs:restriction base="xs:string"><xs:enumeration value="Glad"/><xs:enumeration value="Grumpy"/></xs:restriction></xs:simpleType>"#,
    ] {
        assert!(geo.contains(part), "{part}\nnot in\n{geo}");
    }
    // The derived type extends its base, which lives in its own namespace.
    let hr = schema_of("urn:hr");
    assert!(
        hr.contains(r#"<xs:complexType name="Employee"><xs:complexContent mixed="false"><xs:extension base="q"#),
        "{hr}"
    );
    assert!(
        hr.contains(r#":Person"><xs:sequence><xs:element minOccurs="0" name="Salary" type="xs:double"/><xs:element minOccurs="0" name="Boss" nillable="true" type="xs:string"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>"#),
        "{hr}"
    );
    let people = schema_of("urn:people");
    assert!(
        people.contains(r#"<xs:element name="Id" type="xs:long"/>"#),
        "{people}"
    );
    host.shutdown().await;
}

/// A plain serde type and a data contract without a namespace of its own.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
struct Coupon {
    code: String,
}

#[derive(DataContract, Debug, Clone, PartialEq, Default)]
struct Basket {
    items: Vec<String>,
}

/// WCF's habit: the contract in one namespace, the data types in `schemas.datacontract.org`.
#[service_contract(
    name = "IShop",
    namespace = "http://peers.test/shop",
    data_namespace = "http://schemas.datacontract.org/2004/07/Shop"
)]
trait Shop {
    async fn check_out(&self, basket: Basket, coupon: Coupon) -> Basket;
}

struct Till;

impl Shop for Till {
    async fn check_out(&self, mut basket: Basket, coupon: Coupon) -> Basket {
        basket.items.push(coupon.code);
        basket
    }
}

const SHOP_DATA: &str = "http://schemas.datacontract.org/2004/07/Shop";

#[test]
fn a_contracts_data_namespace_holds_the_members_of_types_without_their_own() {
    let infoset = xml::to_infoset_with_data(
        &Coupon { code: "X".into() },
        "Coupon",
        "http://peers.test/shop",
        SHOP_DATA,
    )
    .unwrap();
    let mut text = String::new();
    infoset.write_text(&mut text).unwrap();
    assert_eq!(
        text,
        format!(
            r#"<Coupon xmlns="http://peers.test/shop" xmlns:b="{SHOP_DATA}"><b:code>X</b:code></Coupon>"#
        )
    );
}

#[tokio::test]
async fn a_contracts_data_namespace_is_used_on_the_wire_and_in_the_wsdl() {
    let host = ServiceHost::builder()
        .endpoint(
            ShopContract::single(Till),
            BasicHttpBinding::new().metadata(true),
            "http://127.0.0.1:0/shop",
        )
        .open()
        .await
        .expect("host opens");
    let client = ShopClient::connect(BasicHttpBinding::new(), host.address())
        .await
        .expect("connect");
    let basket = Basket {
        items: vec!["tea".into()],
    };
    let coupon = Coupon { code: "X".into() };
    assert_eq!(
        client.check_out(basket, coupon).await.unwrap().items,
        ["tea", "X"]
    );
    let wsdl = common::wsdl(host.address()).await;
    // The wrappers and parameters in the contract's namespace, the types in the data namespace.
    let shop = wsdl
        .split(r#"targetNamespace="http://peers.test/shop""#)
        .nth(2)
        .unwrap_or_else(|| panic!("no contract schema in\n{wsdl}"));
    assert!(
        shop.contains(
            r#"<xs:element minOccurs="0" name="basket" nillable="true" type="q1:Basket"/>"#
        ),
        "{wsdl}"
    );
    let data = wsdl
        .split(&format!(r#"targetNamespace="{SHOP_DATA}""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no data schema in\n{wsdl}"));
    for part in [
        r#"<xs:complexType name="Basket">"#,
        r#"<xs:complexType name="Coupon">"#,
    ] {
        assert!(data.contains(part), "{part} not in\n{wsdl}");
    }
    host.shutdown().await;
}

/// .NET's `[KnownType]`: a `Person` declared, an `Employee` or a `Manager` sent.
#[derive(DataContract, Debug, Clone, PartialEq)]
#[data_contract(known_types)]
enum AnyPerson {
    Person(BasePerson),
    Employee(Employee),
    Manager(Manager),
}

#[test]
fn a_known_type_is_written_with_its_xsi_type_and_read_back_by_it() {
    let text =
        xml::to_string(&AnyPerson::Manager(manager()), "Who", "http://tempuri.org/").unwrap();
    assert_eq!(
        text,
        concat!(
            r#"<Who xmlns="http://tempuri.org/" xmlns:b="urn:hr" i:type="b:Manager" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<Id xmlns="urn:people">3</Id><Name xmlns="urn:people">Kim</Name>"#,
            r#"<b:Salary>10.5</b:Salary><b:Boss i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>"#,
            r#"<b:Reports>4</b:Reports></Who>"#
        )
    );
    let back: AnyPerson = xml::from_str(&text).unwrap();
    assert_eq!(back, AnyPerson::Manager(manager()));
    // The declared type goes without xsi:type, and an element without one is the declared type.
    let person = manager().employee.person;
    let text = xml::to_string(&AnyPerson::Person(person.clone()), "Who", "urn:x").unwrap();
    assert!(!text.contains("type="), "{text}");
    assert_eq!(
        xml::from_str::<AnyPerson>(&text).unwrap(),
        AnyPerson::Person(person)
    );
    // Any prefix will do; an unknown type is an error naming the known ones.
    let text = r#"<Who xmlns:x="urn:hr" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x:Employee"><Id>1</Id><Salary>2</Salary></Who>"#;
    assert!(matches!(
        xml::from_str::<AnyPerson>(text).unwrap(),
        AnyPerson::Employee(e) if e.salary == 2.0
    ));
    let text = r#"<Who xmlns:x="urn:hr" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x:Robot"/>"#;
    let error = xml::from_str::<AnyPerson>(text).unwrap_err().to_string();
    assert!(
        error.contains("Robot") && error.contains("Manager"),
        "{error}"
    );
}

#[tokio::test]
async fn a_request_without_a_required_member_is_answered_with_a_fault_naming_it() {
    let host = ServiceHost::builder()
        .endpoint(
            PeopleContract::single(Registry),
            BasicHttpBinding::new(),
            "http://127.0.0.1:0/people",
        )
        .open()
        .await
        .expect("host opens");
    // A foreign client's `Older` whose person lacks the required `Id`.
    let envelope = format!(
        concat!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>"#,
            r#"<Older xmlns="http://peers.test/people"><person xmlns:a="{peers}">"#,
            r#"<a:Age>3</a:Age><a:Name>Bo</a:Name></person></Older></s:Body></s:Envelope>"#
        ),
        peers = PEERS
    );
    let (status, body) = common::soap11(
        host.address(),
        "http://peers.test/people/IPeople/Older",
        &envelope,
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("<faultcode"), "{body}");
    assert!(
        body.contains("the required data member `Id` of `Person` is missing"),
        "{body}"
    );
    host.shutdown().await;
}

/// .NET's `IsReference`: an object that others may refer to.
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

#[test]
fn objects_with_references_get_ids_and_references_read_as_the_object() {
    let team = Team {
        lead: Member { name: "Bo".into() },
        deputy: Member { name: "Al".into() },
    };
    let text = xml::to_string(&team, "T", "urn:x").unwrap();
    let z = "http://schemas.microsoft.com/2003/10/Serialization/";
    assert_eq!(
        text,
        format!(
            concat!(
                r#"<T xmlns="urn:x" xmlns:b="urn:people">"#,
                r#"<b:Deputy z:Id="i1" xmlns:z="{z}"><b:Name>Al</b:Name></b:Deputy>"#,
                r#"<b:Lead z:Id="i2" xmlns:z="{z}"><b:Name>Bo</b:Name></b:Lead></T>"#
            ),
            z = z
        )
    );
    assert_eq!(xml::from_str::<Team>(&text).unwrap(), team);
    // As .NET writes one object twice: the second time a nil element with `z:Ref`.
    let shared = format!(
        concat!(
            r#"<Team xmlns="urn:people" xmlns:z="{z}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<Deputy z:Id="i1"><Name>Bo</Name></Deputy><Lead z:Ref="i1" i:nil="true"/></Team>"#
        ),
        z = z
    );
    let team = xml::from_str::<Team>(&shared).unwrap();
    assert_eq!(
        (team.lead.name.as_str(), team.deputy.name.as_str()),
        ("Bo", "Bo")
    );
    // A reference to nothing read before is an error.
    let dangling = shared.replace(r#"z:Ref="i1""#, r#"z:Ref="i9""#);
    let error = xml::from_str::<Team>(&dangling).unwrap_err().to_string();
    assert!(error.contains("names no `Member`"), "{error}");
}
