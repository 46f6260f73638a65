//! The .NET primitives of `indigo::data` against a real DataContractSerializer: Mono's.
//!
//! `tests/mono/DataContracts.cs` prints what the DataContractSerializer writes for each value;
//! indigo must write the same document for the same value and read .NET's document back to it,
//! so the expected texts come from .NET, not from memory. Where Mono is not installed the test
//! says so loudly and passes, except under `CI=true`, where a missing Mono is a failure.
//! `scripts/setup-mono` installs it.

mod common;

use std::collections::BTreeMap;
use std::fmt::Debug;

use indigo::data::{Char, DateTime, DateTimeKind, DateTimeOffset, Decimal, Guid, TimeSpan};
use indigo::xml::{self, XmlFragment};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Compiles and runs the C# program: its documents by name, or `None` where Mono is missing.
fn dotnet_documents() -> Option<BTreeMap<String, String>> {
    let exe = common::compile_mono(
        "DataContracts",
        &["System.Runtime.Serialization.dll"],
        "the DataContractSerializer comparison",
    )?;
    // A zone with a non-zero offset for the local DateTime (the program prints the offset it
    // used, so a machine without zone data still passes).
    Some(common::mono_documents(&exe, &[("TZ", "Asia/Kolkata")]))
}

/// indigo writes `value` as .NET's document `name` is, and reads that document back to it.
fn same_as_dotnet<T>(docs: &BTreeMap<String, String>, name: &str, value: T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let doc = docs
        .get(name)
        .unwrap_or_else(|| panic!("the C# program printed no `{name}`"));
    let read: T = xml::from_str(doc).unwrap_or_else(|e| panic!("{name}: reading {doc}: {e}"));
    assert_eq!(read, value, "{name}: read from {doc}");
    let (namespace, root) = xml::root_element(&XmlFragment::new(doc.clone())).expect("root");
    let written = xml::to_string(&value, &root, &namespace).expect("write");
    // The serializer declares `i` for nil values on every root; indigo only where it uses it.
    let expected = doc.replace(
        r#" xmlns:i="http://www.w3.org/2001/XMLSchema-instance""#,
        "",
    );
    assert_eq!(
        written, expected,
        "{name}: indigo's document against .NET's"
    );
}

fn parse<T: std::str::FromStr<Err = indigo::data::DataError>>(text: &str) -> T {
    text.parse().unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

#[test]
fn primitives_travel_as_the_data_contract_serializer_writes_them() {
    let Some(docs) = dotnet_documents() else {
        return;
    };
    let d = &docs;

    same_as_dotnet(
        d,
        "guid",
        parse::<Guid>("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
    );
    same_as_dotnet(d, "guid.empty", Guid::NIL);

    const SECOND: i64 = 10_000_000;
    const HOUR: i64 = 3600 * SECOND;
    same_as_dotnet(
        d,
        "timespan",
        TimeSpan::from_ticks(HOUR + 123 * SECOND + SECOND / 2),
    );
    same_as_dotnet(d, "timespan.negative", TimeSpan::from_ticks(-26 * HOUR));
    same_as_dotnet(d, "timespan.zero", TimeSpan::ZERO);
    same_as_dotnet(d, "timespan.tick", TimeSpan::from_ticks(1));
    same_as_dotnet(d, "timespan.max", TimeSpan::MAX);
    same_as_dotnet(d, "timespan.min", TimeSpan::MIN);

    let at = DateTime::from_date(2024, 5, 6).unwrap().ticks() + (7 * 3600 + 8 * 60 + 9) * SECOND;
    let at_kind = |ticks, kind| DateTime::new(ticks, kind).unwrap();
    same_as_dotnet(
        d,
        "datetime.utc",
        at_kind(at + 1_234_567, DateTimeKind::Utc),
    );
    same_as_dotnet(
        d,
        "datetime.unspecified",
        at_kind(at + 1_234_567, DateTimeKind::Unspecified),
    );
    let offset_minutes: i16 = parse_offset(&docs["datetime.local.offset"]);
    same_as_dotnet(
        d,
        "datetime.local",
        at_kind(at + 1_234_567, DateTimeKind::Local { offset_minutes }),
    );
    same_as_dotnet(
        d,
        "datetime.half",
        at_kind(at + SECOND / 2, DateTimeKind::Utc),
    );
    same_as_dotnet(d, "datetime.min", DateTime::MIN);
    same_as_dotnet(d, "datetime.max", DateTime::MAX);

    same_as_dotnet(
        d,
        "datetimeoffset",
        DateTimeOffset::from_local_ticks(at + 1_234_567, 120).unwrap(),
    );
    same_as_dotnet(
        d,
        "datetimeoffset.west",
        DateTimeOffset::from_local_ticks(at, -330).unwrap(),
    );

    same_as_dotnet(d, "decimal", Decimal::new(-123_400, 4).unwrap());
    same_as_dotnet(d, "decimal.small", Decimal::new(5, 4).unwrap());
    same_as_dotnet(d, "decimal.zero", Decimal::ZERO);
    same_as_dotnet(d, "decimal.max", Decimal::MAX);
    same_as_dotnet(d, "decimal.min", Decimal::MIN);
    same_as_dotnet(d, "decimal.tiny", Decimal::new(1, 28).unwrap());

    same_as_dotnet(d, "char", Char::try_from('A').unwrap());
    same_as_dotnet(d, "char.max", Char::new(0xFFFF));
    same_as_dotnet(d, "char.surrogate", Char::new(0xD800));
}

fn parse_offset(text: &str) -> i16 {
    text.trim().parse().expect("an offset in minutes")
}
