//! `#[derive(DataContract)]` needs nothing else in scope (serde is reached through indigo), and
//! accepts raw identifiers, unit structs, required members without `Default`, and skipped fields.
#[derive(Debug, PartialEq)]
struct NoDefault(u8);

impl serde::Serialize for NoDefault {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for NoDefault {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <u8 as serde::Deserialize>::deserialize(d).map(NoDefault)
    }
}

#[derive(indigo::DataContract, Debug, PartialEq)]
#[data_contract(name = "Item", namespace = "urn:shop")]
struct r#Item {
    r#type: String,
    #[data_member(required)]
    code: NoDefault,
    #[data_member(skip)]
    cached: Option<u32>,
}

#[derive(indigo::DataContract)]
struct Marker;

#[derive(indigo::DataContract, Clone, Copy)]
enum r#Kind {
    r#Loop,
    #[enum_member(value = "with space")]
    Spaced,
}

fn main() {
    let item = Item {
        r#type: "book".into(),
        code: NoDefault(7),
        cached: Some(1),
    };
    let text = indigo::xml::to_string(&item, "I", "urn:shop").unwrap();
    assert_eq!(text, r#"<I xmlns="urn:shop"><Code>7</Code><Type>book</Type></I>"#);
    let back: Item = indigo::xml::from_str(&text).unwrap();
    assert_eq!((back.code, back.cached), (NoDefault(7), None));
    let _ = indigo::xml::to_string(&Marker, "M", "urn:shop").unwrap();
    let _ = (Kind::Loop, Kind::Spaced);
}
