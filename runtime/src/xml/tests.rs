//! Round-trip, exact-output, interop and malformed-input tests of the XML data format.

use std::collections::BTreeMap;
use std::fmt::Debug;

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::*;

const NS: &str = "http://tempuri.org/";

fn read<T: DeserializeOwned>(xml: &str) -> Result<T, XmlError> {
    from_fragment(&XmlFragment::new(xml))
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) -> String {
    let xml = to_string(value, "root", NS).unwrap();
    let back: T = read(&xml).unwrap_or_else(|e| panic!("reading {xml}: {e}"));
    assert_eq!(&back, value, "{xml}");
    let infoset = to_infoset(value, "root", NS).unwrap();
    let back: T = from_infoset(&infoset).unwrap_or_else(|e| panic!("reading events {xml}: {e}"));
    assert_eq!(&back, value, "from events: {xml}");
    xml
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct AddTo {
    n: f64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct EqualsResponse {
    #[serde(rename = "EqualsResult")]
    r: f64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct ClearResponse {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Point {
    #[serde(rename = "X")]
    x: i32,
    #[serde(rename = "Y")]
    y: i32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Shape {
    name: String,
    origin: Point,
    points: Vec<Point>,
    weights: Vec<f64>,
    tag: Option<String>,
    parent: Option<Box<Shape>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Color {
    Red,
    Green,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Op {
    Clear,
    Add(f64),
    Move(i32, i32),
    Scale { x: f64, y: f64 },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Unit;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(f64);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Blob {
    #[serde(with = "crate::xml::bytes")]
    data: Vec<u8>,
}

/// `xml` with every primitive sequence item put in the arrays namespace, as the writer puts them.
fn arrays(xml: &str) -> String {
    let mut out = xml.to_owned();
    for tag in [
        "int",
        "long",
        "short",
        "byte",
        "unsignedByte",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "float",
        "double",
        "boolean",
        "string",
        "char",
    ] {
        out = out.replace(
            &format!("<{tag}>"),
            &format!("<{tag} xmlns=\"{}\">", super::ARRAYS_NS),
        );
    }
    out
}

#[test]
fn exact_output_of_wrapper_elements() {
    assert_eq!(
        to_string(&AddTo { n: 5.0 }, "AddTo", NS).unwrap(),
        r#"<AddTo xmlns="http://tempuri.org/"><n>5</n></AddTo>"#
    );
    assert_eq!(
        to_string(&EqualsResponse { r: 441.25 }, "EqualsResponse", NS).unwrap(),
        r#"<EqualsResponse xmlns="http://tempuri.org/"><EqualsResult>441.25</EqualsResult></EqualsResponse>"#
    );
    assert_eq!(
        to_string(&ClearResponse {}, "ClearResponse", NS).unwrap(),
        r#"<ClearResponse xmlns="http://tempuri.org/"/>"#
    );
}

#[test]
fn write_element_without_namespace() {
    let mut out = Infoset::new();
    out.start("", "Body");
    write_element(&mut out, &AddTo { n: -1.5 }, "AddTo", None).unwrap();
    let text = |out: &Infoset| {
        let mut s = String::new();
        let mut with_end = out.clone();
        with_end.end();
        with_end.write_text(&mut s).unwrap();
        s
    };
    assert_eq!(text(&out), "<Body><AddTo><n>-1.5</n></AddTo></Body>");
    assert!(write_element(&mut out, &"\u{1}", "s", None).is_err());
    assert_eq!(text(&out), "<Body><AddTo><n>-1.5</n></AddTo></Body>");
}

#[test]
fn primitives_text() {
    #[derive(Serialize)]
    struct P<'a> {
        b: bool,
        i: i32,
        u: u64,
        f: f64,
        g: f32,
        c: char,
        s: &'a str,
        e: &'a str,
        inf: f64,
        ninf: f64,
        nan: f64,
        big: f64,
        small: f64,
    }
    let p = P {
        b: true,
        i: -7,
        u: u64::MAX,
        f: 0.1,
        g: 0.1,
        c: '<',
        s: "a<b&c>d\"e'",
        e: "",
        inf: f64::INFINITY,
        ninf: f64::NEG_INFINITY,
        nan: f64::NAN,
        big: 1e300,
        small: 1.5e-7,
    };
    // An empty string is an element without content, written `<e/>` (empty text is not written,
    // by any sink; it reads back as "").
    assert_eq!(
        to_string(&p, "P", NS).unwrap(),
        concat!(
            r#"<P xmlns="http://tempuri.org/"><b>true</b><i>-7</i><u>18446744073709551615</u>"#,
            r#"<f>0.1</f><g>0.1</g><c>&lt;</c><s>a&lt;b&amp;c&gt;d"e'</s><e/>"#,
            r#"<inf>INF</inf><ninf>-INF</ninf><nan>NaN</nan><big>1E300</big><small>1.5E-7</small></P>"#
        )
    );
}

#[test]
fn option_none_is_nil() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct O {
        a: Option<i32>,
        b: Option<i32>,
    }
    let xml = round_trip(&O {
        a: None,
        b: Some(3),
    });
    assert_eq!(
        xml,
        r#"<root xmlns="http://tempuri.org/"><a i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/><b>3</b></root>"#
    );
    // Any prefix bound to the XSI namespace; `1` is true too.
    let o: O = read(
        r#"<O xmlns:x="http://www.w3.org/2001/XMLSchema-instance"><a x:nil="1"/><b>4</b></O>"#,
    )
    .unwrap();
    assert_eq!(
        o,
        O {
            a: None,
            b: Some(4)
        }
    );
    // A missing element is None.
    let o: O = read("<O><b>4</b></O>").unwrap();
    assert_eq!(
        o,
        O {
            a: None,
            b: Some(4)
        }
    );
    // A `nil` attribute in no namespace means nothing.
    let o: O = read("<O><a nil=\"true\">5</a></O>").unwrap();
    assert_eq!(
        o,
        O {
            a: Some(5),
            b: None
        }
    );
    // Root None.
    let xml = to_string(&None::<i32>, "r", NS).unwrap();
    assert_eq!(
        xml,
        r#"<r xmlns="http://tempuri.org/" i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>"#
    );
    assert_eq!(read::<Option<i32>>(&xml).unwrap(), None);
}

#[test]
fn nested_structs_vecs_options() {
    let shape = Shape {
        name: "tri <1> & \"two\" 'three' héllo ✓".into(),
        origin: Point { x: 1, y: -2 },
        points: vec![Point { x: 3, y: 4 }, Point { x: 5, y: 6 }],
        weights: vec![1.5, 2.0, -0.25],
        tag: None,
        parent: Some(Box::new(Shape {
            name: String::new(),
            origin: Point { x: 0, y: 0 },
            points: vec![],
            weights: vec![],
            tag: Some("p".into()),
            parent: None,
        })),
    };
    let xml = round_trip(&shape);
    assert!(
        xml.contains(
            "<points><Point><X>3</X><Y>4</Y></Point><Point><X>5</X><Y>6</Y></Point></points>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(&arrays(
            "<weights><double>1.5</double><double>2</double><double>-0.25</double></weights>"
        )),
        "{xml}"
    );
    assert!(xml.contains("<points/><weights/>"), "{xml}");
}

#[test]
fn sequence_item_names() {
    #[derive(Serialize)]
    struct S {
        i: Vec<i32>,
        l: Vec<i64>,
        h: Vec<i16>,
        sb: Vec<i8>,
        b: Vec<u8>,
        ui: Vec<u32>,
        ul: Vec<u64>,
        us: Vec<u16>,
        f: Vec<f32>,
        z: Vec<bool>,
        s: Vec<String>,
        c: Vec<char>,
        t: (i32, String),
        n: Vec<Vec<i32>>,
        e: Vec<Color>,
    }
    let s = S {
        i: vec![1],
        l: vec![2],
        h: vec![3],
        sb: vec![-4],
        b: vec![5],
        ui: vec![6],
        ul: vec![7],
        us: vec![8],
        f: vec![9.5],
        z: vec![false],
        s: vec!["x".into()],
        c: vec!['y'],
        t: (1, "a".into()),
        n: vec![vec![1, 2], vec![]],
        e: vec![Color::Green],
    };
    let xml = to_string(&s, "S", NS).unwrap();
    for part in [
        "<i><int>1</int></i>",
        "<l><long>2</long></l>",
        "<h><short>3</short></h>",
        "<sb><byte>-4</byte></sb>",
        "<b><unsignedByte>5</unsignedByte></b>",
        "<ui><unsignedInt>6</unsignedInt></ui>",
        "<ul><unsignedLong>7</unsignedLong></ul>",
        "<us><unsignedShort>8</unsignedShort></us>",
        "<f><float>9.5</float></f>",
        "<z><boolean>false</boolean></z>",
        "<s><string>x</string></s>",
        "<c><char>y</char></c>",
        "<t><int>1</int><string>a</string></t>",
        "<e><Color>Green</Color></e>",
    ] {
        assert!(xml.contains(&arrays(part)), "{part} not in {xml}");
    }
    // A nested array of primitives is itself in the arrays namespace, with its items.
    let nested = format!(
        r#"<n><ArrayOfint xmlns="{ARRAYS_NS}"><int>1</int><int>2</int></ArrayOfint><ArrayOfanyType/></n>"#
    );
    assert!(xml.contains(&nested), "{nested} not in {xml}");
}

#[test]
fn nested_sequences_round_trip() {
    round_trip(&vec![vec![1, 2], vec![], vec![3]]);
    round_trip(&vec![vec![Point { x: 1, y: 2 }]]);
    round_trip(&(1u8, "two".to_string(), vec![3.5f32]));
}

#[test]
fn enums_of_each_kind() {
    assert_eq!(
        to_string(&Color::Red, "c", NS).unwrap(),
        r#"<c xmlns="http://tempuri.org/">Red</c>"#
    );
    for op in [
        Op::Clear,
        Op::Add(2.5),
        Op::Move(1, -1),
        Op::Scale { x: 2.0, y: 0.5 },
    ] {
        round_trip(&op);
    }
    assert_eq!(
        to_string(&Op::Add(2.5), "op", NS).unwrap(),
        r#"<op xmlns="http://tempuri.org/"><Add>2.5</Add></op>"#
    );
    assert_eq!(
        to_string(&Op::Move(1, 2), "op", NS).unwrap(),
        arrays(r#"<op xmlns="http://tempuri.org/"><Move><int>1</int><int>2</int></Move></op>"#)
    );
    assert_eq!(
        to_string(&Op::Scale { x: 1.0, y: 2.0 }, "op", NS).unwrap(),
        r#"<op xmlns="http://tempuri.org/"><Scale><x>1</x><y>2</y></Scale></op>"#
    );
    round_trip(&vec![Op::Clear, Op::Add(1.0), Op::Scale { x: 0.0, y: 1.0 }]);
    round_trip(&vec![Color::Red, Color::Green]);
    // Whitespace around a unit variant; a unit variant written as an element.
    assert_eq!(read::<Color>("<c> Green\n</c>").unwrap(), Color::Green);
    assert_eq!(read::<Op>("<op><Clear/></op>").unwrap(), Op::Clear);
    assert!(read::<Color>("<c>Blue</c>").is_err());
    assert!(read::<Op>("<op>Add</op>").is_err());
}

#[test]
fn unit_newtype_maps() {
    assert_eq!(
        to_string(&Unit, "u", NS).unwrap(),
        r#"<u xmlns="http://tempuri.org/"/>"#
    );
    round_trip(&Unit);
    round_trip(&());
    assert_eq!(
        to_string(&Meters(2.5), "m", NS).unwrap(),
        r#"<m xmlns="http://tempuri.org/">2.5</m>"#
    );
    round_trip(&Meters(2.5));

    let mut map = BTreeMap::new();
    map.insert("a".to_string(), 1);
    map.insert("b<".to_string(), 2);
    let xml = round_trip(&map);
    assert_eq!(
        xml,
        concat!(
            r#"<root xmlns="http://tempuri.org/" xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays">"#,
            r#"<b:KeyValueOfstringint><b:Key>a</b:Key><b:Value>1</b:Value></b:KeyValueOfstringint>"#,
            r#"<b:KeyValueOfstringint><b:Key>b&lt;</b:Key><b:Value>2</b:Value></b:KeyValueOfstringint></root>"#
        )
    );
    // The form indigo wrote before, `KeyValue` entries in the element's namespace, still reads.
    let old: BTreeMap<String, i32> = from_str(concat!(
        r#"<root xmlns="http://tempuri.org/"><KeyValue><Key>a</Key><Value>1</Value></KeyValue>"#,
        r#"<KeyValue><Key>b&lt;</Key><Value>2</Value></KeyValue></root>"#
    ))
    .unwrap();
    assert_eq!(old, map);
    round_trip(&BTreeMap::<i32, Point>::new());
    let mut nested = BTreeMap::new();
    nested.insert(1, Some(Point { x: 1, y: 1 }));
    nested.insert(2, None);
    round_trip(&nested);
}

#[test]
fn strings_round_trip() {
    for s in [
        "",
        " ",
        "  padded  ",
        "<&>\"'",
        "héllo wörld ✓ 𝄞",
        "line\nbreak\r\nand\rcr\ttab",
        "]]>",
        "&amp; literally",
    ] {
        round_trip(&s.to_string());
    }
    round_trip(&'é');
    round_trip(&' ');
}

#[test]
fn bytes_as_base64() {
    let blob = Blob {
        data: vec![0, 1, 2, 253, 254, 255],
    };
    let xml = round_trip(&blob);
    assert_eq!(
        xml,
        r#"<root xmlns="http://tempuri.org/"><data>AAEC/f7/</data></root>"#
    );
    round_trip(&Blob { data: vec![] });
    // A plain Vec<u8> reads .NET's base64 byte[] as well as unsignedByte items.
    assert_eq!(read::<Vec<u8>>("<b>AAEC</b>").unwrap(), vec![0, 1, 2]);
    assert_eq!(
        round_trip(&vec![7u8]),
        arrays(r#"<root xmlns="http://tempuri.org/"><unsignedByte>7</unsignedByte></root>"#)
    );
    assert!(read::<Blob>("<b><data>!!</data></b>").is_err());
}

#[test]
fn numbers_in_xsd_lexical_forms() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct N {
        a: f64,
        b: f64,
        c: i32,
        d: f32,
        e: f64,
        f: f64,
        g: bool,
        h: u8,
    }
    let n: N = read(
        "<N><a>1E+20</a><b>12</b><c> 5 </c><d>-INF</d><e>NaN</e><f>.5e-3</f><g>1</g><h>+7</h></N>",
    )
    .unwrap();
    assert_eq!(n.a, 1e20);
    assert_eq!(n.b, 12.0);
    assert_eq!(n.c, 5);
    assert_eq!(n.d, f32::NEG_INFINITY);
    assert!(n.e.is_nan());
    assert_eq!(n.f, 0.0005);
    assert!(n.g);
    assert_eq!(n.h, 7);
    assert!(read::<f64>("<x>inf</x>").is_err());
    assert!(read::<f64>("<x>infinity</x>").is_err());
    assert!(read::<u8>("<x>256</x>").is_err());
    assert!(read::<bool>("<x>yes</x>").is_err());
}

#[test]
fn floats_round_trip_exactly() {
    for v in [
        0.0,
        -0.0,
        0.1,
        1.0 / 3.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1e15,
        123456789012345.6,
        f64::INFINITY,
    ] {
        let xml = to_string(&v, "d", NS).unwrap();
        let back: f64 = read(&xml).unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{xml}");
    }
    for v in [0.1f32, f32::MAX, f32::MIN_POSITIVE, 1e-30] {
        let back: f32 = read(&to_string(&v, "f", NS).unwrap()).unwrap();
        assert_eq!(back.to_bits(), v.to_bits());
    }
}

#[test]
fn reads_dotnet_peer_output() {
    assert_eq!(
        read::<AddTo>(r#"<AddTo xmlns="http://peers.test/calc"><n>5</n></AddTo>"#).unwrap(),
        AddTo { n: 5.0 }
    );
    assert_eq!(
        read::<Point>(
            r#"<p:Point xmlns:p="http://schemas.datacontract.org/2004/07/X"><p:X>1</p:X><p:Y>2</p:Y></p:Point>"#
        )
        .unwrap(),
        Point { x: 1, y: 2 }
    );
    assert_eq!(
        read::<Vec<f64>>(
            r#"<nums xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><a:double>1.5</a:double><a:double>2</a:double></nums>"#
        )
        .unwrap(),
        vec![1.5, 2.0]
    );
    // A .NET Dictionary<string, int>.
    let map: BTreeMap<String, i32> = read(concat!(
        r#"<d xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays">"#,
        r#"<a:KeyValueOfstringint><a:Key>k</a:Key><a:Value>1</a:Value></a:KeyValueOfstringint>"#,
        r#"<a:KeyValueOfstringint><a:Key>l</a:Key><a:Value>2</a:Value></a:KeyValueOfstringint></d>"#
    ))
    .unwrap();
    assert_eq!(
        map.into_iter().collect::<Vec<_>>(),
        [("k".into(), 1), ("l".into(), 2)]
    );
    // Inherited scope.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Foo {
        a: i32,
    }
    let fragment = XmlFragment {
        text: "<x:Foo><x:a>1</x:a></x:Foo>".into(),
        scope: vec![("x".into(), "urn:x".into())],
    };
    assert_eq!(from_fragment::<Foo>(&fragment).unwrap(), Foo { a: 1 });
    assert_eq!(
        root_element(&fragment).unwrap(),
        ("urn:x".to_string(), "Foo".to_string())
    );
    // Without the scope, the prefix is undeclared.
    assert!(from_fragment::<Foo>(&XmlFragment::new(fragment.text.clone())).is_err());
    // Inherited default namespace.
    let fragment = XmlFragment {
        text: "<Foo><a>1</a></Foo>".into(),
        scope: vec![(String::new(), "urn:d".into())],
    };
    assert_eq!(
        root_element(&fragment).unwrap(),
        ("urn:d".to_string(), "Foo".to_string())
    );
    assert_eq!(
        root_element(&XmlFragment::new(
            r#"<?xml version="1.0"?><!-- c --><a:B xmlns:a="urn:a"/>"#
        ))
        .unwrap(),
        ("urn:a".to_string(), "B".to_string())
    );
    assert_eq!(
        root_element(&XmlFragment::new("<B/>")).unwrap(),
        (String::new(), "B".to_string())
    );
}

#[test]
fn struct_fields_any_order_unknown_ignored() {
    let shape: Shape = read(
        r#"<Shape xmlns="urn:s">
            <extra><deep><deeper>1</deeper></deep></extra>
            <weights/>
            <points><Point><Y>2</Y><Z>9</Z><X>1</X></Point></points>
            <origin><X>0</X><Y>0</Y></origin>
            <name>n</name>
            <unknown i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>
        </Shape>"#,
    )
    .unwrap();
    assert_eq!(shape.points, vec![Point { x: 1, y: 2 }]);
    assert_eq!(shape.tag, None);
    assert_eq!(shape.parent, None);
}

#[test]
fn missing_field_is_named() {
    let err = read::<Point>("<Point><X>1</X></Point>").unwrap_err();
    assert!(
        matches!(err.innermost(), XmlError::MissingField("Y")),
        "{err}"
    );
    assert_eq!(err.to_string(), "in <Point>: missing field `Y`");
    let err = read::<Shape>("<Shape><name>n</name><origin><X>a</X></origin></Shape>").unwrap_err();
    assert_eq!(
        err.to_string(),
        "in <Shape/origin/X>: invalid int value `a`"
    );
}

#[test]
fn text_forms() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct T {
        s: String,
        n: i32,
    }
    let t: T = read(
        "<T><!-- c --><s>a<![CDATA[<b>&]]>&lt;&#x41;&#65;<?pi x?>z<!--c-->&amp;&quot;&apos;&gt;</s>\n<?pi?><n><!--x-->4<!--y--></n></T>",
    )
    .unwrap();
    assert_eq!(
        t,
        T {
            s: "a<b>&<AAz&\"'>".into(),
            n: 4
        }
    );
    // Empty element forms of a string.
    assert_eq!(read::<String>("<s/>").unwrap(), "");
    assert_eq!(read::<String>("<s></s>").unwrap(), "");
    // XML declaration and surrounding whitespace.
    assert_eq!(
        read::<i32>("<?xml version=\"1.0\"?>\n <x>3</x>\n").unwrap(),
        3
    );
}

#[test]
fn borrows_from_input() {
    #[derive(Deserialize)]
    struct B<'a> {
        #[serde(borrow)]
        s: &'a str,
    }
    let b: B = from_str("<B><s>plain</s></B>").unwrap();
    assert_eq!(b.s, "plain");
    // Escaped text cannot be borrowed.
    assert!(from_str::<B>("<B><s>a&amp;b</s></B>").is_err());
}

#[test]
fn malformed_input_is_an_error() {
    let cases = [
        "",
        "   ",
        "<AddTo><n>5</n>",
        "<AddTo><n>5</m></AddTo>",
        "<AddTo><n>5</n></AddTo><AddTo/>",
        "<AddTo><n>5</n></AddTo>trailing",
        "text<AddTo/>",
        "<AddTo>text</AddTo>",
        "<AddTo><n>abc</n></AddTo>",
        "<AddTo><n><m>1</m></n></AddTo>",
        "<AddTo><n i:nil=\"true\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"/></AddTo>",
        "<AddTo><n>&bogus;</n></AddTo>",
        "<AddTo><n>5&#xZZ;</n></AddTo>",
        "<AddTo><n>5</n><</AddTo>",
        "<AddTo a=\"1\" a=\"2\"><n>5</n></AddTo>",
        "<AddTo><n attr=unquoted>5</n></AddTo>",
        "<p:AddTo><n>5</n></p:AddTo>",
        "<!DOCTYPE AddTo [<!ENTITY a \"aaaa\">]><AddTo><n>5</n></AddTo>",
        "<!DOCTYPE AddTo><AddTo><n>5</n></AddTo>",
        "<!ENTITY a \"b\"><AddTo><n>5</n></AddTo>",
        "<AddTo><!DOCTYPE x><n>5</n></AddTo>",
        "</AddTo>",
        "<AddTo><n>5</n></AddTo></AddTo>",
    ];
    for xml in cases {
        assert!(read::<AddTo>(xml).is_err(), "{xml:?} was accepted");
    }
    assert!(matches!(
        read::<AddTo>("<!DOCTYPE x [<!ENTITY a \"b\">]><AddTo><n>5</n></AddTo>"),
        Err(XmlError::Doctype)
    ));
    let err = read::<AddTo>("<AddTo><n>5</m></AddTo>").unwrap_err();
    assert!(
        matches!(err.innermost(), XmlError::Syntax { offset, .. } if *offset > 0),
        "{err}"
    );
    assert!(err.to_string().contains("malformed XML at byte"), "{err}");
    assert!(read::<Vec<Point>>("<v>text</v>").is_err());
    assert!(read::<Point>("<p>just text</p>").is_err());
    assert!(matches!(read::<AddTo>("  "), Err(XmlError::NoRoot)));
    assert!(root_element(&XmlFragment::new("")).is_err());
    assert!(root_element(&XmlFragment::new("<!DOCTYPE a><a/>")).is_err());
    assert!(root_element(&XmlFragment::new("<p:a/>")).is_err());
}

#[test]
fn depth_limit() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Node {
        next: Option<Box<Node>>,
    }
    fn chain(n: usize) -> Node {
        let mut node = Node { next: None };
        for _ in 1..n {
            node = Node {
                next: Some(Box::new(node)),
            };
        }
        node
    }
    // 63 nodes: the root, 62 nested `next` elements and a nil `next`: 64 levels.
    round_trip(&chain(63));
    assert!(matches!(
        to_string(&chain(64), "n", NS).unwrap_err().innermost(),
        XmlError::TooDeep
    ));
    // Deeply nested input, known or unknown elements, never overflows the stack.
    let deep = format!("{}{}", "<next>".repeat(100_000), "</next>".repeat(100_000));
    assert!(matches!(
        read::<Node>(&deep).unwrap_err().innermost(),
        XmlError::TooDeep
    ));
    let deep = format!(
        "<Node><x>{}{}</x></Node>",
        "<a>".repeat(1000),
        "</a>".repeat(1000)
    );
    assert!(matches!(
        read::<Node>(&deep).unwrap_err().innermost(),
        XmlError::TooDeep
    ));
    // A recursive type with unclosed input.
    assert!(read::<Node>(&"<next>".repeat(70)).is_err());
}

#[test]
fn writer_errors() {
    assert!(matches!(
        to_string(&"a\u{1}b", "s", NS),
        Err(XmlError::At { .. })
    ));
    assert!(matches!(
        to_string(&1, "bad name", NS),
        Err(XmlError::At { .. })
    ));
    #[derive(Serialize)]
    struct Renamed {
        #[serde(rename = "a<b")]
        x: i32,
    }
    assert!(to_string(&Renamed { x: 1 }, "r", NS).is_err());
    assert_eq!(
        to_string(&1, "r", "urn:\"q\"&").unwrap(),
        r#"<r xmlns="urn:&quot;q&quot;&amp;">1</r>"#
    );
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Many {
    b: bool,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    f32_: f32,
    f64_: f64,
    c: char,
    s: String,
    o: Option<String>,
    oi: Option<i64>,
    v: Vec<String>,
    vf: Vec<f64>,
    p: Point,
    vp: Vec<Point>,
    e: Op,
    ce: Color,
    t: (u16, String),
    m: BTreeMap<String, i32>,
    #[serde(with = "crate::xml::bytes")]
    bytes: Vec<u8>,
}

/// Any string XML 1.0 can hold.
fn xml_string() -> impl Strategy<Value = String> {
    "[\\t\\n\\r\\u{20}-\\u{D7FF}\\u{E000}-\\u{FFFD}\\u{10000}-\\u{10FFFF}]{0,24}"
}

fn xml_char() -> impl Strategy<Value = char> {
    xml_string().prop_filter_map("one char", |s| s.chars().next())
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
        Just(0.0),
        Just(-0.0),
        Just(f64::INFINITY),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Clear),
        finite_f64().prop_map(Op::Add),
        (any::<i32>(), any::<i32>()).prop_map(|(a, b)| Op::Move(a, b)),
        (finite_f64(), finite_f64()).prop_map(|(x, y)| Op::Scale { x, y }),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Point { x, y })
}

prop_compose! {
    fn many()(
        (b, i8_, i16_, i32_, i64_, u8_, u16_, u32_, u64_) in (
            any::<bool>(), any::<i8>(), any::<i16>(), any::<i32>(), any::<i64>(),
            any::<u8>(), any::<u16>(), any::<u32>(), any::<u64>(),
        ),
        (f32_, f64_, c, s, o, oi) in (
            any::<f32>().prop_filter("not NaN", |f| !f.is_nan()),
            finite_f64(),
            xml_char(),
            xml_string(),
            proptest::option::of(xml_string()),
            proptest::option::of(any::<i64>()),
        ),
        (v, vf, p, vp, e, ce, t, m, bytes) in (
            proptest::collection::vec(xml_string(), 0..4),
            proptest::collection::vec(finite_f64(), 0..4),
            point(),
            proptest::collection::vec(point(), 0..3),
            op(),
            prop_oneof![Just(Color::Red), Just(Color::Green)],
            (any::<u16>(), xml_string()),
            proptest::collection::btree_map(xml_string(), any::<i32>(), 0..3),
            proptest::collection::vec(any::<u8>(), 0..20),
        ),
    ) -> Many {
        Many { b, i8_, i16_, i32_, i64_, u8_, u16_, u32_, u64_, f32_, f64_, c, s, o, oi, v, vf, p, vp, e, ce, t, m, bytes }
    }
}

proptest! {
    #[test]
    fn proptest_round_trip(value in many()) {
        let xml = to_string(&value, "Many", NS).unwrap();
        let back: Many = read(&xml).map_err(|e| TestCaseError::fail(format!("{e}: {xml}")))?;
        prop_assert_eq!(&back, &value);
        let infoset = to_infoset(&value, "Many", NS).unwrap();
        let back: Many = from_infoset(&infoset).map_err(|e| TestCaseError::fail(format!("{e}: {xml}")))?;
        prop_assert_eq!(back, value);
    }

    #[test]
    fn arbitrary_input_never_panics(text in "\\PC{0,64}") {
        let _ = read::<Many>(&text);
        let _ = read::<Shape>(&text);
        let _ = root_element(&XmlFragment::new(text));
    }

    #[test]
    fn mangled_output_never_panics(value in many(), cut in 0usize..2000, junk in "[<>/&;a-z\"= ]{0,4}") {
        let xml = to_string(&value, "Many", NS).unwrap();
        let mut at = cut.min(xml.len());
        while !xml.is_char_boundary(at) {
            at -= 1;
        }
        let mangled = format!("{}{}{}", &xml[..at], junk, &xml[at..]);
        let _ = read::<Many>(&mangled);
    }
}

#[test]
fn byte_payloads_stay_bytes_in_the_infoset() {
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Echo {
        #[serde(with = "crate::xml::bytes")]
        data: Vec<u8>,
    }
    let value = Echo {
        data: (0..=255u8).collect(),
    };
    let infoset = to_infoset(&value, "Echo", NS).unwrap();
    let payloads: Vec<&[u8]> = infoset
        .events()
        .filter_map(|event| match event {
            InfosetEvent::Bytes(bytes) => Some(bytes),
            _ => None,
        })
        .collect();
    assert_eq!(payloads, [value.data.as_slice()]);
    // Read back as bytes, as base64 text, and as a sequence of bytes.
    assert_eq!(from_infoset::<Echo>(&infoset).unwrap(), value);
    assert!(
        to_string(&value, "Echo", NS)
            .unwrap()
            .contains("<data>AAECAwQF")
    );
    #[derive(Deserialize)]
    struct AsText {
        data: String,
    }
    let text: AsText = from_infoset(&infoset).unwrap();
    assert!(text.data.starts_with("AAECAwQF"));
    #[derive(Deserialize)]
    struct AsSeq {
        data: Vec<u8>,
    }
    let seq: AsSeq = from_infoset(&infoset).unwrap();
    assert_eq!(seq.data, value.data);
}

#[test]
fn infoset_reader_checks_prefixes_and_nil() {
    let mut infoset = Infoset::new();
    infoset.start("", "root");
    infoset.xmlns("x", XSI_NS);
    infoset.start("", "a");
    infoset.attribute("x", "nil", "true").unwrap();
    infoset.end();
    infoset.end();
    #[derive(Deserialize, PartialEq, Debug)]
    struct Root {
        a: Option<i32>,
    }
    assert_eq!(from_infoset::<Root>(&infoset).unwrap(), Root { a: None });

    let mut unbound = Infoset::new();
    unbound.start("p", "root");
    unbound.end();
    assert!(matches!(
        from_infoset::<Root>(&unbound),
        Err(XmlError::UnknownPrefix(p)) if p == "p"
    ));
    assert!(matches!(
        unbound.root_element(),
        Err(XmlError::UnknownPrefix(_))
    ));

    let mut bad = Infoset::new();
    bad.start("", "root");
    assert!(bad.text("\u{1}").is_err());
    bad.end();
    assert_eq!(bad.to_fragment().unwrap().text, "<root/>");
}

#[test]
fn infoset_reader_joins_text_around_comments_and_resolves_every_nil() {
    #[derive(Deserialize, PartialEq, Debug)]
    struct Root {
        s: String,
        v: Option<i32>,
        w: Option<i32>,
    }
    let mut infoset = Infoset::new();
    infoset.start("", "root");
    infoset.xmlns("i", XSI_NS);
    infoset.xmlns("x", "urn:other");
    infoset.start("", "s");
    infoset.text("a").unwrap();
    infoset.comment("c").unwrap();
    infoset.text("b").unwrap();
    infoset.end();
    // Two `nil` attributes; only the one in the XSI namespace counts.
    infoset.start("", "v");
    infoset.attribute("x", "nil", "false").unwrap();
    infoset.attribute("i", "nil", "true").unwrap();
    infoset.end();
    // `nil="false"` in the XSI namespace: the value is read.
    infoset.start("", "w");
    infoset.attribute("i", "nil", "false").unwrap();
    infoset.text("7").unwrap();
    infoset.end();
    infoset.end();
    let root: Root = from_infoset(&infoset).unwrap();
    assert_eq!(
        root,
        Root {
            s: "ab".into(),
            v: None,
            w: Some(7)
        }
    );
    let text = infoset.to_fragment().unwrap().text;
    let from_text: Root = from_str(&text).unwrap();
    assert_eq!(from_text, root);
}

#[test]
fn infoset_refuses_attributes_after_content() {
    let mut infoset = Infoset::new();
    infoset.start("", "a");
    infoset.text("x").unwrap();
    infoset.attribute("", "k", "v").unwrap();
    infoset.end();
    assert!(matches!(
        infoset.to_fragment(),
        Err(XmlError::Unsupported(_))
    ));
}

#[test]
fn parsing_keeps_undeclarations_of_the_default_namespace() {
    let text = r#"<a xmlns="urn:a"><b xmlns=""><c/></b><d/></a>"#;
    let infoset = Infoset::parse(text).unwrap();
    assert!(infoset.events().any(|e| e
        == InfosetEvent::Xmlns {
            prefix: "",
            uri: ""
        }));
    let mut reader = infoset.reader();
    let mut names = Vec::new();
    loop {
        match reader.next().unwrap() {
            stream::Event::Start(name) => {
                names.push((name.local.to_owned(), name.namespace.to_owned()))
            }
            stream::Event::Eof => break,
            _ => {}
        }
    }
    let expected = [("a", "urn:a"), ("b", ""), ("c", ""), ("d", "urn:a")];
    assert_eq!(names, expected.map(|(l, n)| (l.to_owned(), n.to_owned())));
    let mut out = String::new();
    infoset.write_text(&mut out).unwrap();
    assert_eq!(out, text);
}
