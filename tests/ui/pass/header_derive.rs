//! Every `#[header(…)]` form derives `Header` (structs, enums, generic types), and a derived header goes into `Headers` and back.
use indigo::message::{Header, Headers};
use serde::{Deserialize, Serialize};

/// Defaults: the element's name is the type's, not `mustUnderstand`.
#[derive(Debug, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:ui")]
struct Tenant {
    #[serde(rename = "Id")]
    id: u32,
}

/// An explicit name, and the `must_understand` flag alone.
#[derive(Debug, PartialEq, Serialize, Deserialize, Header)]
#[header(
    namespace = "urn:indigo:ui",
    name = "Trace-Context.v1",
    must_understand
)]
struct Trace {
    #[serde(rename = "Span")]
    span: String,
}

/// `must_understand = false`, keys spread over several `#[header]` attributes.
#[derive(Debug, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:ui")]
#[header(name = "_quiet", must_understand = false)]
struct Quiet {
    #[serde(rename = "Level")]
    level: u8,
}

/// An enum, with `must_understand = true`.
#[derive(Debug, PartialEq, Serialize, Deserialize, Header)]
#[header(must_understand = true, namespace = "urn:indigo:ui", name = "Priority")]
enum Priority {
    Low,
    High,
}

/// A generic type: a header for the arguments that make it a serde data contract.
#[derive(Debug, PartialEq, Serialize, Deserialize, Header)]
#[header(namespace = "urn:indigo:ui")]
struct Tagged<T> {
    #[serde(rename = "Value")]
    value: T,
}

const _: () = {
    assert!(!Tenant::MUST_UNDERSTAND);
    assert!(Trace::MUST_UNDERSTAND);
    assert!(!Quiet::MUST_UNDERSTAND);
    assert!(Priority::MUST_UNDERSTAND);
    assert!(!<Tagged<u32>>::MUST_UNDERSTAND);
};

fn main() -> Result<(), indigo::xml::XmlError> {
    assert_eq!(
        (Tenant::NAMESPACE, Tenant::NAME),
        ("urn:indigo:ui", "Tenant")
    );
    assert_eq!(Trace::NAME, "Trace-Context.v1");
    assert_eq!(Quiet::NAME, "_quiet");
    assert_eq!(Priority::NAME, "Priority");
    assert_eq!(<Tagged<String>>::NAME, "Tagged");

    let mut headers = Headers::default();
    assert!(!headers.insert(&Tenant { id: 7 })?.must_understand);
    assert!(
        headers
            .insert(&Trace { span: "a1".into() })?
            .must_understand
    );
    assert!(!headers.insert(&Quiet { level: 3 })?.must_understand);
    assert!(headers.insert(&Priority::High)?.must_understand);
    let block = headers.insert(&Tagged {
        value: "blue".to_owned(),
    })?;
    assert_eq!(block.name(), ("urn:indigo:ui", "Tagged"));
    assert_eq!(headers.get::<Tenant>()?, Some(Tenant { id: 7 }));
    assert_eq!(headers.get::<Trace>()?, Some(Trace { span: "a1".into() }));
    assert_eq!(headers.get::<Quiet>()?, Some(Quiet { level: 3 }));
    assert_eq!(headers.get::<Priority>()?, Some(Priority::High));
    assert_eq!(
        headers.get::<Tagged<String>>()?,
        Some(Tagged {
            value: "blue".to_owned()
        })
    );
    Ok(())
}
