//! Tests of the .NET primitives: texts as .NET writes them, tolerant reading, errors, and round
//! trips through the XML body format and the schema tracer.

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;
use crate::xml::schema::{Definition, Shape, TypeRegistry, trace};
use crate::xml::{XmlFragment, from_fragment, from_infoset, from_str, to_infoset, to_string};

const NS: &str = "http://peers.test/data";

fn parse<T: std::str::FromStr<Err = DataError>>(text: &str) -> T {
    match text.parse() {
        Ok(v) => v,
        Err(e) => panic!("`{text}`: {e}"),
    }
}

fn fails<T: std::str::FromStr<Err = DataError> + std::fmt::Debug>(text: &str) -> DataError {
    match text.parse::<T>() {
        Ok(v) => panic!("`{text}` parsed as {v:?}"),
        Err(e) => e,
    }
}

fn is_range(e: &DataError) -> bool {
    matches!(e, DataError::OutOfRange { .. })
}

/// `value` written as the element `<v>` and read back from the text.
fn xml_round_trip<T>(value: &T) -> (String, T)
where
    T: Serialize + serde::de::DeserializeOwned,
{
    let text = to_string(value, "v", NS).expect("write");
    let back = from_fragment(&XmlFragment::new(text.clone())).expect("read");
    (text, back)
}

fn element(content: &str) -> String {
    format!(r#"<v xmlns="{NS}">{content}</v>"#)
}

// -- Guid ------------------------------------------------------------------------------------

const GUID: &str = "6f9619ff-8b86-d011-b42d-00c04fc964ff";

#[test]
fn guid_text_is_lower_case_and_reading_takes_every_dotnet_form() {
    let id: Guid = parse(GUID);
    assert_eq!(id.to_string(), GUID);
    for text in [
        "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        "{6f9619ff-8b86-d011-b42d-00c04fc964ff}",
        "(6F9619FF-8B86-D011-B42D-00C04FC964FF)",
        "6f9619ff8b86d011b42d00c04fc964ff",
        "urn:uuid:6f9619ff-8b86-d011-b42d-00c04fc964ff",
        " \t6f9619ff-8b86-d011-b42d-00c04fc964ff\r\n",
    ] {
        assert_eq!(parse::<Guid>(text), id, "{text}");
    }
    assert_eq!(
        Guid::NIL.to_string(),
        "00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(
        Guid::from(uuid::Uuid::from(id)),
        id,
        "uuid::Uuid round trip"
    );
}

#[test]
fn guid_bytes_in_dotnet_order() {
    let id: Guid = parse(GUID);
    // `new Guid("6f9619ff-…").ToByteArray()` in .NET.
    let dotnet = [
        0xff, 0x19, 0x96, 0x6f, 0x86, 0x8b, 0x11, 0xd0, 0xb4, 0x2d, 0x00, 0xc0, 0x4f, 0xc9, 0x64,
        0xff,
    ];
    assert_eq!(id.to_dotnet_bytes(), dotnet);
    assert_eq!(Guid::from_dotnet_bytes(dotnet), id);
    assert_eq!(id.as_bytes()[0], 0x6f);
}

#[test]
fn bad_guids_are_errors() {
    for text in [
        "",
        "6f9619ff-8b86-d011-b42d-00c04fc964f",
        "6f9619ff-8b86-d011-b42d-00c04fc964fff",
        "6f9619ff-8b86-d011-b42d-00c04fc964fg",
        "6f9619ff8b86-d011-b42d-00c04fc964ff-",
        "{6f9619ff-8b86-d011-b42d-00c04fc964ff)",
        "6f9619ff8b86d011b42d00c04fc964f+",
        "6f9619ff8b86d011b42d00c04fc96é",
        "6f9619ff-8b86-d011-b42d-00c04fc96éf",
    ] {
        assert!(
            matches!(fails::<Guid>(text), DataError::Syntax { .. }),
            "{text}"
        );
    }
}

// -- TimeSpan --------------------------------------------------------------------------------

const SECOND: i64 = 10_000_000;
const HOUR: i64 = 3600 * SECOND;

#[test]
fn timespan_text_as_xmlconvert_writes_it() {
    for (ticks, text) in [
        (HOUR + 2 * 60 * SECOND + 35 * SECOND / 10, "PT1H2M3.5S"),
        (-(26 * HOUR), "-P1DT2H"),
        (0, "PT0S"),
        (1, "PT0.0000001S"),
        (-1, "-PT0.0000001S"),
        (24 * HOUR, "P1D"),
        (60 * SECOND, "PT1M"),
        (24 * HOUR + SECOND / 2, "P1DT0.5S"),
        (i64::MAX, "P10675199DT2H48M5.4775807S"),
        (i64::MIN, "-P10675199DT2H48M5.4775808S"),
    ] {
        let span = TimeSpan::from_ticks(ticks);
        assert_eq!(span.to_string(), text);
        assert_eq!(parse::<TimeSpan>(text), span, "{text}");
    }
    assert_eq!(TimeSpan::MAX.ticks(), i64::MAX);
    assert_eq!(TimeSpan::MIN.ticks(), i64::MIN);
}

#[test]
fn timespan_reads_general_durations() {
    for (text, ticks) in [
        ("PT36H", 36 * HOUR),
        ("P0D", 0),
        ("PT0H0M0S", 0),
        ("-PT0S", 0),
        ("P2DT0H", 48 * HOUR),
        ("PT90M", 90 * 60 * SECOND),
        ("PT100000S", 100_000 * SECOND),
        ("PT1.123456789S", SECOND + 1_234_567),
        ("PT0.5S", SECOND / 2),
        ("  PT1S\n", SECOND),
        ("P0001D", 24 * HOUR),
        ("-P10675199DT2H48M5.4775808S", i64::MIN),
    ] {
        assert_eq!(parse::<TimeSpan>(text).ticks(), ticks, "{text}");
    }
}

#[test]
fn bad_durations_are_errors() {
    for text in [
        "", "P", "PT", "P1DT", "-P", "1D", "+PT1S", "P-1D", "PT1H1H", "PT1S1M", "PT1M1H", "P1D1D",
        "PT1.S", "PT.5S", "P1.5D", "PT1.5M", "PT1", "P1H", "PT1D", "PTS", "P 1D", "PT1S x", "P1Y",
        "P1M", "P1Y2M3D", "PT1Sé",
    ] {
        let e = fails::<TimeSpan>(text);
        assert!(matches!(e, DataError::Syntax { .. }), "{text}: {e}");
    }
    for text in [
        "P10675199DT2H48M5.4775808S",
        "-P10675199DT2H48M5.4775809S",
        "P99999999999999999999D",
        "PT18446744073709551615H",
        "P10675200D",
    ] {
        assert!(is_range(&fails::<TimeSpan>(text)), "{text}");
    }
}

#[test]
fn timespan_converts_to_and_from_std_durations() {
    use std::time::Duration;
    let span = TimeSpan::try_from(Duration::from_millis(1500)).unwrap();
    assert_eq!(span.ticks(), 15 * SECOND / 10);
    assert_eq!(
        Duration::try_from(span).unwrap(),
        Duration::from_millis(1500)
    );
    // Below a tick is dropped.
    assert_eq!(
        TimeSpan::try_from(Duration::from_nanos(199))
            .unwrap()
            .ticks(),
        1
    );
    assert!(is_range(&TimeSpan::try_from(Duration::MAX).unwrap_err()));
    assert!(is_range(
        &Duration::try_from(TimeSpan::from_ticks(-1)).unwrap_err()
    ));
    assert_eq!(
        Duration::try_from(TimeSpan::MAX).unwrap(),
        Duration::new(922_337_203_685, 477_580_700)
    );
    // The time crate's signed durations.
    for ticks in [0, 1, -1, i64::MAX, i64::MIN, -15 * SECOND / 10] {
        let d = ::time::Duration::from(TimeSpan::from_ticks(ticks));
        assert_eq!(TimeSpan::try_from(d).unwrap().ticks(), ticks);
    }
    assert!(TimeSpan::try_from(::time::Duration::MAX).is_err());
}

// -- DateTime --------------------------------------------------------------------------------

#[test]
fn datetime_text_as_the_data_contract_serializer_writes_it() {
    for (text, kind) in [
        ("2024-05-06T07:08:09.1234567Z", DateTimeKind::Utc),
        (
            "2024-05-06T07:08:09.1234567+02:00",
            DateTimeKind::Local {
                offset_minutes: 120,
            },
        ),
        (
            "2024-05-06T07:08:09.1234567-05:30",
            DateTimeKind::Local {
                offset_minutes: -330,
            },
        ),
        (
            "2024-05-06T07:08:09+00:00",
            DateTimeKind::Local { offset_minutes: 0 },
        ),
        ("2024-05-06T07:08:09.1234567", DateTimeKind::Unspecified),
        ("2024-05-06T07:08:09.5", DateTimeKind::Unspecified),
        ("2024-05-06T07:08:09.12Z", DateTimeKind::Utc),
        ("2024-05-06T00:00:00", DateTimeKind::Unspecified),
        ("2024-02-29T23:59:59.0000001Z", DateTimeKind::Utc),
        ("0001-01-01T00:00:00", DateTimeKind::Unspecified),
        ("9999-12-31T23:59:59.9999999", DateTimeKind::Unspecified),
        (
            "9999-12-31T23:59:59.9999999+14:00",
            DateTimeKind::Local {
                offset_minutes: 840,
            },
        ),
    ] {
        let t: DateTime = parse(text);
        assert_eq!(t.kind(), kind, "{text}");
        assert_eq!(t.to_string(), text);
    }
    assert_eq!(DateTime::MIN.to_string(), "0001-01-01T00:00:00");
    assert_eq!(DateTime::MAX.to_string(), "9999-12-31T23:59:59.9999999");
    assert_eq!(DateTime::MAX.ticks(), 3_155_378_975_999_999_999);
    assert_eq!(
        parse::<DateTime>("2024-05-06T07:08:09.1234567Z").ticks(),
        638_505_760_891_234_567
    );
    assert_eq!(
        DateTime::from_date(2024, 5, 6).unwrap().to_string(),
        "2024-05-06T00:00:00"
    );
    assert!(is_range(&DateTime::from_date(2023, 2, 29).unwrap_err()));
    assert!(is_range(&DateTime::from_date(0, 1, 1).unwrap_err()));
}

#[test]
fn datetime_reads_what_xmlconvert_reads() {
    let day = |text: &str| parse::<DateTime>(text).to_string();
    assert_eq!(day("2024-05-06"), "2024-05-06T00:00:00");
    assert_eq!(day("2024-05-06Z"), "2024-05-06T00:00:00Z");
    assert_eq!(day("2024-05-06-03:00"), "2024-05-06T00:00:00-03:00");
    assert_eq!(day(" 2024-05-06T07:08:09Z\n"), "2024-05-06T07:08:09Z");
    assert_eq!(day("2024-05-06T24:00:00"), "2024-05-07T00:00:00");
    assert_eq!(day("2024-12-31T24:00:00.000Z"), "2025-01-01T00:00:00Z");
    assert_eq!(day("2024-05-06T07:08:09.1000000"), "2024-05-06T07:08:09.1");
    // Past seven digits: rounded half to even.
    assert_eq!(
        day("2024-05-06T07:08:09.12345675"),
        "2024-05-06T07:08:09.1234568"
    );
    assert_eq!(
        day("2024-05-06T07:08:09.12345665"),
        "2024-05-06T07:08:09.1234566"
    );
    assert_eq!(
        day("2024-05-06T07:08:09.123456651"),
        "2024-05-06T07:08:09.1234567"
    );
    assert_eq!(
        day("2024-05-06T07:08:09.12345674999"),
        "2024-05-06T07:08:09.1234567"
    );
    assert_eq!(day("2024-05-06T07:08:59.99999999"), "2024-05-06T07:09:00");
}

#[test]
fn bad_datetimes_are_errors() {
    for text in [
        "",
        "2024",
        "2024-05",
        "2024-5-06T07:08:09",
        "24-05-06T07:08:09",
        "2024-05-06T07:08",
        "2024-05-06T7:08:09",
        "2024-05-06 07:08:09",
        "2024-05-06T07:08:09.",
        "2024-05-06T07:08:09.Z",
        "2024-05-06T07:08:09ZZ",
        "2024-05-06T07:08:09+0200",
        "2024-05-06T07:08:09+2:00",
        "2024-05-06T07:08:09 x",
        "02024-05-06T07:08:09",
        "2024-05-06T07:08:09é",
    ] {
        assert!(
            matches!(fails::<DateTime>(text), DataError::Syntax { .. }),
            "{text}"
        );
    }
    for text in [
        "0000-01-01T00:00:00",
        "-0001-01-01T00:00:00",
        "10000-01-01T00:00:00",
        "2023-02-29T00:00:00",
        "2024-04-31T00:00:00",
        "2024-13-01T00:00:00",
        "2024-00-01T00:00:00",
        "2024-05-06T25:00:00",
        "2024-05-06T24:00:01",
        "2024-05-06T24:00:00.5",
        "2024-05-06T07:60:00",
        "2024-05-06T07:08:60",
        "2024-05-06T07:08:09+14:01",
        "2024-05-06T07:08:09-15:00",
        "2024-05-06T07:08:09+02:60",
        "9999-12-31T24:00:00",
        "9999-12-31T23:59:59.99999999",
    ] {
        assert!(is_range(&fails::<DateTime>(text)), "{text}");
    }
    assert!(is_range(&DateTime::new(-1, DateTimeKind::Utc).unwrap_err()));
    assert!(is_range(
        &DateTime::new(
            0,
            DateTimeKind::Local {
                offset_minutes: 841
            }
        )
        .unwrap_err()
    ));
    assert_eq!(
        DateTime::MIN.to_utc().unwrap_err(),
        DataError::NoOffset,
        "an unspecified time is no instant"
    );
    let early: DateTime = parse("0001-01-01T00:00:00+01:00");
    assert!(is_range(&early.to_utc().unwrap_err()));
}

#[test]
fn datetime_converts_with_the_time_crate() {
    use ::time::{OffsetDateTime, PrimitiveDateTime};
    for text in [
        "2024-05-06T07:08:09.1234567Z",
        "2024-05-06T07:08:09.1234567+02:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9999999-14:00",
    ] {
        let t: DateTime = parse(text);
        let odt = OffsetDateTime::try_from(t).unwrap();
        assert_eq!(DateTime::try_from(odt).unwrap(), t, "{text}");
    }
    for t in [DateTime::MIN, DateTime::MAX, parse("2000-02-29T12:34:56.7")] {
        let pdt = PrimitiveDateTime::from(t);
        assert_eq!(DateTime::try_from(pdt).unwrap(), t);
    }
    let pdt = PrimitiveDateTime::from(DateTime::MAX);
    assert_eq!(pdt.nanosecond(), 999_999_900);
    assert_eq!(
        OffsetDateTime::try_from(DateTime::MIN).unwrap_err(),
        DataError::NoOffset
    );
    let before = ::time::PrimitiveDateTime::new(
        ::time::Date::from_calendar_date(0, ::time::Month::December, 31).unwrap(),
        ::time::Time::MIDNIGHT,
    );
    assert!(is_range(&DateTime::try_from(before).unwrap_err()));
    let odd =
        OffsetDateTime::UNIX_EPOCH.to_offset(::time::UtcOffset::from_whole_seconds(30).unwrap());
    assert!(is_range(&DateTime::try_from(odd).unwrap_err()));
    // Nanoseconds below a tick are dropped.
    let fine = OffsetDateTime::UNIX_EPOCH + ::time::Duration::nanoseconds(199);
    assert_eq!(
        DateTime::try_from(fine).unwrap().to_string(),
        "1970-01-01T00:00:00.0000001Z"
    );
}

// -- DateTimeOffset --------------------------------------------------------------------------

#[test]
fn datetimeoffset_travels_as_dcs_writes_it() {
    let t: DateTimeOffset = parse("2024-05-06T07:08:09.1234567+02:00");
    assert_eq!(t.offset_minutes(), 120);
    assert_eq!(t.utc().to_string(), "2024-05-06T05:08:09.1234567Z");
    assert_eq!(t.to_string(), "2024-05-06T07:08:09.1234567+02:00");
    let (text, back) = xml_round_trip(&t);
    assert_eq!(back, t);
    // The children in .NET's order, the instant in UTC.
    let date = text
        .find(">2024-05-06T05:08:09.1234567Z</")
        .expect("DateTime in UTC");
    let offset = text.find(">120</").expect("OffsetMinutes");
    assert!(date < offset, "{text}");
    assert!(
        text.contains("DateTime") && text.contains("OffsetMinutes"),
        "{text}"
    );
}

#[test]
fn datetimeoffset_reads_dotnet_forms() {
    let read = |children: &str| -> Result<DateTimeOffset, crate::xml::XmlError> {
        from_str(&format!(
            r#"<v xmlns="{NS}" xmlns:a="{SYSTEM_NS}">{children}</v>"#
        ))
    };
    let expect: DateTimeOffset = parse("2024-05-06T07:08:09.1234567+02:00");
    // What the DataContractSerializer writes.
    let dcs = "<a:DateTime>2024-05-06T05:08:09.1234567Z</a:DateTime><a:OffsetMinutes>120</a:OffsetMinutes>";
    assert_eq!(read(dcs).unwrap(), expect);
    // In the other order, with an unknown child: read by name.
    let swapped = "<a:OffsetMinutes>120</a:OffsetMinutes><a:Extra/><a:DateTime>2024-05-06T05:08:09.1234567Z</a:DateTime>";
    assert_eq!(read(swapped).unwrap(), expect);
    // An unspecified DateTime is the clock time at the offset; a local one, its instant.
    let clock = "<a:DateTime>2024-05-06T07:08:09.1234567</a:DateTime><a:OffsetMinutes>120</a:OffsetMinutes>";
    assert_eq!(read(clock).unwrap(), expect);
    let local = "<a:DateTime>2024-05-06T06:08:09.1234567+01:00</a:DateTime><a:OffsetMinutes>120</a:OffsetMinutes>";
    assert_eq!(read(local).unwrap(), expect);
    for bad in [
        "<a:DateTime>2024-05-06T05:08:09Z</a:DateTime>",
        "<a:OffsetMinutes>120</a:OffsetMinutes>",
        "<a:DateTime>2024-05-06T05:08:09Z</a:DateTime><a:OffsetMinutes>841</a:OffsetMinutes>",
        "<a:DateTime>9999-12-31T23:59:59Z</a:DateTime><a:OffsetMinutes>60</a:OffsetMinutes>",
        "<a:DateTime>0001-01-01T00:00:00Z</a:DateTime><a:OffsetMinutes>-60</a:OffsetMinutes>",
        "<a:DateTime>yesterday</a:DateTime><a:OffsetMinutes>0</a:OffsetMinutes>",
        "<a:DateTime>2024-05-06T05:08:09Z</a:DateTime><a:OffsetMinutes>99999</a:OffsetMinutes>",
    ] {
        assert!(read(bad).is_err(), "{bad}");
    }
    assert!(is_range(
        &DateTimeOffset::from_utc_ticks(DateTime::MAX.ticks(), 1).unwrap_err()
    ));
    assert!(is_range(
        &DateTimeOffset::from_local_ticks(i64::MIN, 1).unwrap_err()
    ));
    assert_eq!(
        DateTimeOffset::try_from(DateTime::MIN).unwrap_err(),
        DataError::NoOffset
    );
    let odt = ::time::OffsetDateTime::from(expect);
    assert_eq!(odt.offset().whole_minutes(), 120);
    assert_eq!(DateTimeOffset::try_from(odt).unwrap(), expect);
}

// -- Decimal ---------------------------------------------------------------------------------

#[test]
fn decimal_text_keeps_the_scale() {
    for (text, mantissa, scale) in [
        ("-12.3400", -123_400, 4),
        ("0", 0, 0),
        ("0.0005", 5, 4),
        ("1.5", 15, 1),
        ("-0.1", -1, 1),
        (
            "79228162514264337593543950335",
            79_228_162_514_264_337_593_543_950_335,
            0,
        ),
        (
            "-79228162514264337593543950335",
            -79_228_162_514_264_337_593_543_950_335,
            0,
        ),
        (
            "7.9228162514264337593543950335",
            79_228_162_514_264_337_593_543_950_335,
            28,
        ),
        ("0.0000000000000000000000000001", 1, 28),
    ] {
        let d: Decimal = parse(text);
        assert_eq!((d.mantissa(), d.scale()), (mantissa, scale), "{text}");
        assert_eq!(d.to_string(), text);
        assert_eq!(Decimal::new(mantissa, scale).unwrap(), d);
    }
    assert_eq!(Decimal::MAX.to_string(), "79228162514264337593543950335");
    assert_eq!(Decimal::MIN.to_string(), "-79228162514264337593543950335");
    assert_eq!(Decimal::from(-7i64).to_string(), "-7");
    assert_eq!(Decimal::from(u64::MAX).to_string(), "18446744073709551615");
}

#[test]
fn decimal_reads_tolerantly_and_rejects_out_of_range() {
    for (text, shown) in [
        ("+5", "5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("-0.00", "0.00"),
        ("  007.10 ", "7.10"),
        (
            "1.00000000000000000000000000000000",
            "1.0000000000000000000000000000",
        ),
    ] {
        assert_eq!(parse::<Decimal>(text).to_string(), shown, "{text}");
    }
    for text in [
        "", "-", "+", ".", "1e5", "1,5", "1 2", "--1", "+-1", "0x10", "١", "NaN", "1.5.", "INF",
    ] {
        assert!(
            matches!(fails::<Decimal>(text), DataError::Syntax { .. }),
            "{text}"
        );
    }
    for text in [
        "79228162514264337593543950336",
        "-79228162514264337593543950336",
        "100000000000000000000000000000000000000000000000000000000000",
        "7922816251426433759354395033.6",
        "0.00000000000000000000000000001",
        "1.00000000000000000000000000001",
    ] {
        let e = fails::<Decimal>(text);
        assert!(is_range(&e), "{text}: {e}");
    }
    assert!(
        fails::<Decimal>("79228162514264337593543950336")
            .to_string()
            .contains("MaxValue")
    );
    assert!(is_range(&Decimal::new(1 << 96, 0).unwrap_err()));
    assert!(is_range(&Decimal::new(1, 29).unwrap_err()));
}

// -- Char ------------------------------------------------------------------------------------

#[test]
fn char_is_its_utf16_code_unit() {
    let a = Char::try_from('A').unwrap();
    assert_eq!(a.to_string(), "65");
    assert_eq!(
        to_string(&a, "c", NS).unwrap(),
        format!(r#"<c xmlns="{NS}">65</c>"#)
    );
    assert_eq!(char::try_from(a).unwrap(), 'A');
    assert_eq!(Char::try_from('\u{FFFF}').unwrap().code_unit(), 0xFFFF);
    assert_eq!(Char::try_from('😀').unwrap_err(), DataError::NotBmp('😀'));
    assert_eq!(
        char::try_from(Char::new(0xD800)).unwrap_err(),
        DataError::Surrogate(0xD800)
    );
    for (text, unit) in [
        (" 65 ", 65),
        ("+65", 65),
        ("0", 0),
        ("-0", 0),
        ("65535", 65535),
    ] {
        assert_eq!(parse::<Char>(text).code_unit(), unit, "{text}");
    }
    // A lone surrogate is a .NET char like any other.
    let (_, back) = xml_round_trip(&Char::new(0xDC00));
    assert_eq!(back.code_unit(), 0xDC00);
    for text in ["65536", "-1", "99999999999"] {
        assert!(is_range(&fails::<Char>(text)), "{text}");
    }
    for text in ["", "A", "1.0", "0x41", "6 5"] {
        assert!(
            matches!(fails::<Char>(text), DataError::Syntax { .. }),
            "{text}"
        );
    }
}

// -- Through the XML body format and the schema tracer -----------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(non_snake_case)]
struct Everything {
    Id: Guid,
    Elapsed: TimeSpan,
    At: DateTime,
    Seen: DateTimeOffset,
    Price: Decimal,
    Initial: Char,
    #[serde(with = "crate::xml::bytes")]
    Blob: Vec<u8>,
    Maybe: Option<Guid>,
}

fn everything() -> Everything {
    Everything {
        Id: parse(GUID),
        Elapsed: parse("-P1DT2H"),
        At: parse("2024-05-06T07:08:09.1234567Z"),
        Seen: parse("2024-05-06T07:08:09.1234567+02:00"),
        Price: parse("-12.3400"),
        Initial: Char::try_from('A').unwrap(),
        Blob: vec![1, 2, 3],
        Maybe: None,
    }
}

#[test]
fn every_type_round_trips_through_the_xml_format() {
    let value = everything();
    let (text, back) = xml_round_trip(&value);
    assert_eq!(back, value);
    for part in [
        "<Id>6f9619ff-8b86-d011-b42d-00c04fc964ff</Id>",
        "<Elapsed>-P1DT2H</Elapsed>",
        "<At>2024-05-06T07:08:09.1234567Z</At>",
        "<Price>-12.3400</Price>",
        "<Initial>65</Initial>",
        "<Blob>AQID</Blob>",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let infoset = to_infoset(&value, "v", NS).unwrap();
    assert_eq!(from_infoset::<Everything>(&infoset).unwrap(), value);

    // Each alone, as a whole element.
    let (text, _) = xml_round_trip(&parse::<Guid>(GUID));
    assert_eq!(text, element(GUID));
    let (text, _) = xml_round_trip(&TimeSpan::MIN);
    assert_eq!(text, element("-P10675199DT2H48M5.4775808S"));
    let (text, _) = xml_round_trip(&DateTime::MAX);
    assert_eq!(text, element("9999-12-31T23:59:59.9999999"));
    let (text, _) = xml_round_trip(&Decimal::MIN);
    assert_eq!(text, element("-79228162514264337593543950335"));
}

#[test]
fn bad_text_in_xml_is_an_error_naming_the_element() {
    let good = to_string(&everything(), "v", NS).unwrap();
    for (from, to) in [
        (GUID, "not-a-guid"),
        ("-P1DT2H", "P1Y"),
        ("2024-05-06T07:08:09.1234567Z", "2024-02-30T00:00:00"),
        ("-12.3400", "79228162514264337593543950336"),
        ("<Initial>65</Initial>", "<Initial>65536</Initial>"),
    ] {
        let text = good.replacen(from, to, 1);
        let e = from_fragment::<Everything>(&XmlFragment::new(text)).unwrap_err();
        let message = e.to_string();
        assert!(message.starts_with("in <"), "{message}");
        assert!(
            message.contains(
                to.trim_start_matches("<Initial>")
                    .trim_end_matches("</Initial>")
            ),
            "{message}"
        );
    }
}

#[test]
fn the_schema_tracer_names_the_schema_types() {
    let mut registry = TypeRegistry::default();
    assert_eq!(
        trace::<Everything>(&mut registry).unwrap(),
        Shape::Struct("Everything")
    );
    let Some(Definition::Struct(fields)) = registry.types.get("Everything") else {
        panic!("{registry:?}");
    };
    let ser = |name| Shape::Qualified {
        namespace: SERIALIZATION_NS,
        name,
    };
    let offset = "{http://schemas.datacontract.org/2004/07/System}DateTimeOffset";
    let expect = [
        ("Id", ser("guid")),
        ("Elapsed", ser("duration")),
        ("At", Shape::Primitive("dateTime")),
        ("Seen", Shape::Struct(offset)),
        ("Price", Shape::Primitive("decimal")),
        ("Initial", ser("char")),
        ("Blob", Shape::Primitive("base64Binary")),
        ("Maybe", Shape::Option(Box::new(ser("guid")))),
    ];
    let fields: Vec<(&str, Shape)> = fields.iter().map(|f| (f.name, f.shape.clone())).collect();
    assert_eq!(fields.as_slice(), expect.as_slice());
    // Both members of DateTimeOffset are required, as in .NET's schema.
    let Some(Definition::Struct(offset_fields)) = registry.types.get(offset) else {
        panic!("{registry:?}");
    };
    let offset_fields: Vec<(&str, Shape, bool)> = offset_fields
        .iter()
        .map(|f| (f.name, f.shape.clone(), f.required))
        .collect();
    assert_eq!(
        offset_fields,
        [
            ("DateTime", Shape::Primitive("dateTime"), true),
            ("OffsetMinutes", Shape::Primitive("short"), true),
        ]
    );
    assert_eq!(ser("guid").xs_base(), Some("string"));
    assert_eq!(ser("char").xs_base(), Some("int"));
    assert_eq!(Shape::Seq(Box::new(ser("guid"))).item_name(), "ArrayOfguid");
}

// -- Round trips of every value --------------------------------------------------------------

proptest! {
    #[test]
    fn timespans_round_trip(ticks in any::<i64>()) {
        let span = TimeSpan::from_ticks(ticks);
        prop_assert_eq!(span.to_string().parse::<TimeSpan>(), Ok(span));
    }

    #[test]
    fn datetimes_round_trip(
        ticks in 0..=DateTime::MAX.ticks(),
        kind in prop_oneof![
            Just(DateTimeKind::Unspecified),
            Just(DateTimeKind::Utc),
            (-840i16..=840).prop_map(|offset_minutes| DateTimeKind::Local { offset_minutes }),
        ],
    ) {
        let t = DateTime::new(ticks, kind).unwrap();
        prop_assert_eq!(t.to_string().parse::<DateTime>(), Ok(t));
        let pdt = ::time::PrimitiveDateTime::from(t);
        prop_assert_eq!(DateTime::try_from(pdt).map(|u| u.ticks()), Ok(ticks));
    }

    #[test]
    fn decimals_round_trip(mantissa in -((1i128 << 96) - 1)..(1i128 << 96), scale in 0u8..=28) {
        let d = Decimal::new(mantissa, scale).unwrap();
        prop_assert_eq!(d.to_string().parse::<Decimal>(), Ok(d));
    }

    #[test]
    fn guids_round_trip(bytes in any::<[u8; 16]>()) {
        let id = Guid::from_bytes(bytes);
        prop_assert_eq!(id.to_string().parse::<Guid>(), Ok(id));
        prop_assert_eq!(id.to_string().to_uppercase().parse::<Guid>(), Ok(id));
    }

    #[test]
    fn any_text_is_a_value_or_an_error(text in "\\PC{0,40}") {
        let _ = text.parse::<Guid>();
        let _ = text.parse::<TimeSpan>();
        let _ = text.parse::<DateTime>();
        let _ = text.parse::<DateTimeOffset>();
        let _ = text.parse::<Decimal>();
        let _ = text.parse::<Char>();
    }

    #[test]
    fn near_miss_texts_are_a_value_or_an_error(text in "[-+PTDHMS0-9.:Z ]{0,30}") {
        let _ = text.parse::<TimeSpan>();
        let _ = text.parse::<DateTime>();
        let _ = text.parse::<Decimal>();
    }
}
