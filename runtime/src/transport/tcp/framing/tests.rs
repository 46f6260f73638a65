//! Codec tests: captured Mono streams, round trips, property tests and hostile input.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;
use tokio_util::codec::{Decoder, Encoder};

use super::*;

/// Reads a captured stream from `tests/vectors/` at run time.
macro_rules! vector {
    ($name:literal) => {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/",
            $name
        ))
        .expect(concat!("cannot read tests/vectors/", $name))
    };
}

const VIA: &str = "net.tcp://127.0.0.1:8732/calc/session";

/// Decodes a whole stream at once; the stream must end on a record boundary.
fn decode_all(bytes: &[u8]) -> Vec<Record> {
    let mut codec = FramingCodec::new();
    let mut src = BytesMut::from(bytes);
    let mut records = Vec::new();
    while let Some(record) = codec.decode_eof(&mut src).unwrap() {
        records.push(record);
    }
    assert!(src.is_empty());
    records
}

/// Decodes a stream fed in pieces cut at `cuts` (sorted offsets), calling `decode` after each.
fn decode_split(bytes: &[u8], cuts: &[usize]) -> Vec<Record> {
    let mut codec = FramingCodec::new();
    let mut src = BytesMut::new();
    let mut records = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let end = end.clamp(start, bytes.len());
        src.extend_from_slice(&bytes[start..end]);
        start = end;
        while let Some(record) = codec.decode(&mut src).unwrap() {
            records.push(record);
        }
    }
    assert_eq!(codec.decode_eof(&mut src).unwrap(), None);
    records
}

fn decode_bytewise(bytes: &[u8]) -> Vec<Record> {
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    decode_split(bytes, &cuts)
}

fn preamble_records() -> Vec<Record> {
    vec![
        Record::Version { major: 1, minor: 0 },
        Record::Mode(Mode::Duplex),
        Record::Via(VIA.to_owned()),
        Record::KnownEncoding(known_encoding::BINARY_SESSION),
        Record::PreambleEnd,
    ]
}

fn envelope_sizes(records: &[Record]) -> Vec<usize> {
    records
        .iter()
        .filter_map(|record| match record {
            Record::SizedEnvelope(payload) => Some(payload.len()),
            _ => None,
        })
        .collect()
}

fn encode_all(records: &[Record]) -> BytesMut {
    let mut codec = FramingCodec::new();
    let mut out = BytesMut::new();
    for record in records {
        codec.encode(record, &mut out).unwrap();
    }
    out
}

#[test]
fn session_client_stream() {
    let stream = vector!("nettcp-mono-session.c2s.bin");
    assert_eq!(stream.len(), 532);
    let records = decode_all(&stream);
    assert_eq!(records.len(), 8);
    assert_eq!(records[..5], preamble_records()[..]);
    assert_eq!(
        records[5],
        Record::SizedEnvelope(Bytes::copy_from_slice(&stream[50..=288]))
    );
    assert_eq!(
        records[6],
        Record::SizedEnvelope(Bytes::copy_from_slice(&stream[292..=530]))
    );
    assert_eq!(envelope_sizes(&records), [239, 239]);
    assert_eq!(records[7], Record::End);
    assert_eq!(decode_bytewise(&stream), records);
    // Mono writes shortest-form sizes, so re-encoding reproduces the capture byte for byte.
    assert_eq!(encode_all(&records)[..], stream[..]);
}

#[test]
fn session_server_stream() {
    let stream = vector!("nettcp-mono-session.s2c.bin");
    assert_eq!(stream.len(), 467);
    let records = decode_all(&stream);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0], Record::PreambleAck);
    assert_eq!(
        records[1],
        Record::SizedEnvelope(Bytes::copy_from_slice(&stream[4..=242]))
    );
    assert_eq!(
        records[2],
        Record::SizedEnvelope(Bytes::copy_from_slice(&stream[246..=466]))
    );
    assert_eq!(envelope_sizes(&records), [239, 221]);
    assert_eq!(decode_bytewise(&stream), records);
    assert_eq!(encode_all(&records)[..], stream[..]);
}

#[test]
fn calc_session_client_stream() {
    let stream = vector!("nettcp-mono-calc-session.c2s.bin");
    assert_eq!(stream.len(), 1212);
    let records = decode_all(&stream);
    assert_eq!(records.len(), 10);
    assert_eq!(records[..5], preamble_records()[..]);
    assert_eq!(envelope_sizes(&records), [227, 233, 231, 229, 230]);
    // No End record: the client process exited.
    assert!(matches!(records.last(), Some(Record::SizedEnvelope(_))));
    assert_eq!(decode_bytewise(&stream), records);
    assert_eq!(encode_all(&records)[..], stream[..]);
}

#[test]
fn calc_session_server_stream() {
    let stream = vector!("nettcp-mono-calc-session.s2c.bin");
    assert_eq!(stream.len(), 730);
    let records = decode_all(&stream);
    assert_eq!(records.len(), 6);
    assert_eq!(records[0], Record::PreambleAck);
    assert_eq!(envelope_sizes(&records), [139, 139, 139, 158, 139]);
    assert_eq!(decode_bytewise(&stream), records);
    assert_eq!(encode_all(&records)[..], stream[..]);
}

#[test]
fn bytes_needed_never_overreads() {
    // Feeding exactly `bytes_needed` bytes at a time leaves nothing buffered after each record.
    for stream in [
        vector!("nettcp-mono-session.c2s.bin"),
        vector!("nettcp-mono-session.s2c.bin"),
        vector!("nettcp-mono-calc-session.c2s.bin"),
        vector!("nettcp-mono-calc-session.s2c.bin"),
    ] {
        let mut codec = FramingCodec::new();
        let mut src = BytesMut::new();
        let mut offset = 0;
        let mut count = 0;
        while offset < stream.len() {
            let want = codec.bytes_needed(&src);
            assert!(want >= 1);
            let end = (offset + want).min(stream.len());
            src.extend_from_slice(&stream[offset..end]);
            offset = end;
            if codec.decode(&mut src).unwrap().is_some() {
                count += 1;
                assert!(src.is_empty(), "over-read at offset {offset}");
            }
        }
        assert_eq!(count, decode_all(&stream).len());
    }
}

fn every_record_type() -> Vec<Record> {
    vec![
        Record::Version { major: 1, minor: 0 },
        Record::Mode(Mode::SingletonUnsized),
        Record::Mode(Mode::Duplex),
        Record::Mode(Mode::Simplex),
        Record::Mode(Mode::SingletonSized),
        Record::Via(VIA.to_owned()),
        Record::KnownEncoding(known_encoding::SOAP12_UTF8),
        Record::KnownEncoding(known_encoding::BINARY),
        Record::ExtensibleEncoding("application/soap+msbinsession1+gzip".to_owned()),
        Record::SizedEnvelope(Bytes::from(vec![0xAB; 300])),
        Record::UnsizedEnvelope(Bytes::from_static(b"streamed message")),
        Record::End,
        Record::Fault(fault::MAX_MESSAGE_SIZE_EXCEEDED.to_owned()),
        Record::UpgradeRequest("application/ssl-tls".to_owned()),
        Record::UpgradeResponse,
        Record::PreambleAck,
        Record::PreambleEnd,
    ]
}

#[test]
fn round_trip_every_record_type() {
    for record in every_record_type() {
        let encoded = encode_all(std::slice::from_ref(&record));
        assert_eq!(encoded[0], record.record_type());
        assert_eq!(
            decode_all(&encoded),
            std::slice::from_ref(&record),
            "{record:?}"
        );
        assert_eq!(
            decode_bytewise(&encoded),
            std::slice::from_ref(&record),
            "{record:?}"
        );
    }
    let all = every_record_type();
    assert_eq!(decode_all(&encode_all(&all)), all);
}

#[test]
fn encodings_of_simple_records() {
    let cases: [(Record, &[u8]); 8] = [
        (Record::Version { major: 1, minor: 0 }, &[0x00, 0x01, 0x00]),
        (Record::Mode(Mode::Duplex), &[0x01, 0x02]),
        (Record::KnownEncoding(8), &[0x03, 0x08]),
        (Record::Via("a".to_owned()), &[0x02, 0x01, b'a']),
        (Record::End, &[0x07]),
        (Record::PreambleAck, &[0x0B]),
        (Record::PreambleEnd, &[0x0C]),
        (
            Record::UnsizedEnvelope(Bytes::from_static(b"xy")),
            &[0x05, 0x02, b'x', b'y', 0x00],
        ),
    ];
    for (record, bytes) in cases {
        assert_eq!(&encode_all(std::slice::from_ref(&record))[..], bytes);
    }
}

#[test]
fn sized_envelope_header_matches_full_encoding() {
    let payload = vec![7u8; 239];
    let mut header = BytesMut::new();
    FramingCodec::encode_sized_envelope_header(payload.len(), &mut header).unwrap();
    assert_eq!(&header[..], &[0x06, 0xEF, 0x01]);
    header.extend_from_slice(&payload);
    let full = encode_all(&[Record::SizedEnvelope(Bytes::from(payload))]);
    assert_eq!(header, full);
    assert!(matches!(
        FramingCodec::encode_sized_envelope_header(0, &mut BytesMut::new()),
        Err(FramingError::ZeroSize(record_type::SIZED_ENVELOPE))
    ));
    assert!(matches!(
        FramingCodec::encode_sized_envelope_header(0x8000_0000, &mut BytesMut::new()),
        Err(FramingError::InvalidSize(VarintError::Overflow))
    ));
}

#[test]
fn encoder_refuses_empty_records_and_writes_nothing() {
    for record in [
        Record::Via(String::new()),
        Record::ExtensibleEncoding(String::new()),
        Record::Fault(String::new()),
        Record::UpgradeRequest(String::new()),
        Record::SizedEnvelope(Bytes::new()),
        Record::UnsizedEnvelope(Bytes::new()),
    ] {
        let mut out = BytesMut::new();
        let result = FramingCodec::new().encode(record.clone(), &mut out);
        assert!(matches!(result, Err(FramingError::ZeroSize(ty)) if ty == record.record_type()));
        assert!(out.is_empty());
    }
}

#[test]
fn unsized_envelope_chunks_are_joined() {
    let bytes = [
        0x05, 0x03, b'a', b'b', b'c', 0x02, b'd', b'e', 0x80, 0x00, 0x07,
    ];
    let expected = vec![
        Record::UnsizedEnvelope(Bytes::from_static(b"abcde")),
        Record::End,
    ];
    assert_eq!(decode_all(&bytes), expected);
    assert_eq!(decode_bytewise(&bytes), expected);
}

fn decode_err(codec: &mut FramingCodec, bytes: &[u8]) -> FramingError {
    let mut src = BytesMut::from(bytes);
    loop {
        match codec.decode(&mut src) {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error for {bytes:02X?}"),
            Err(error) => return error,
        }
    }
}

#[test]
fn hostile_varints() {
    let mut codec = FramingCodec::new();
    assert!(matches!(
        decode_err(&mut codec, &[0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        FramingError::InvalidSize(VarintError::TooLong)
    ));
    // A size of 2^31 or more is over every limit: the record's own over-limit error (and fault).
    let mut codec = FramingCodec::new();
    let error = decode_err(&mut codec, &[0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
    assert!(matches!(
        error,
        FramingError::ViaTooLong {
            size: 0x8000_0000,
            limit: 2048
        }
    ));
    assert_eq!(error.fault_uri(), Some(fault::VIA_TOO_LONG));
    let mut codec = FramingCodec::new();
    let error = decode_err(&mut codec, &[0x06, 0x80, 0x80, 0x80, 0x80, 0x08]);
    assert!(matches!(
        error,
        FramingError::MessageTooLarge {
            size: 0x8000_0000,
            limit: 65_536
        }
    ));
    assert_eq!(error.fault_uri(), Some(fault::MAX_MESSAGE_SIZE_EXCEEDED));
    let mut codec = FramingCodec::new();
    assert!(matches!(
        decode_err(
            &mut codec,
            &[0x05, 0x01, b'x', 0x80, 0x80, 0x80, 0x80, 0x7F]
        ),
        FramingError::MessageTooLarge {
            size: 0x8000_0001,
            ..
        }
    ));
    // Six bytes: not a MultiByteInt31 at all.
    assert_eq!(
        FramingError::InvalidSize(VarintError::TooLong).fault_uri(),
        Some(fault::INVALID_RECORD_SEQUENCE)
    );
    // Also inside an unsized envelope.
    let mut codec = FramingCodec::new();
    assert!(matches!(
        decode_err(
            &mut codec,
            &[0x05, 0x01, b'x', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        ),
        FramingError::InvalidSize(VarintError::TooLong)
    ));
}

#[test]
fn oversized_envelope_detected_from_header_alone() {
    // 3-byte header declaring 1001 bytes against a 1000-byte limit.
    let mut codec = FramingCodec::with_limits(FramingLimits {
        max_message_size: 1000,
        ..FramingLimits::default()
    });
    let mut src = BytesMut::with_capacity(3);
    src.put_slice(&[0x06, 0xE9, 0x07]);
    let capacity = src.capacity();
    match codec.decode(&mut src) {
        Err(FramingError::MessageTooLarge { size, limit }) => {
            assert_eq!((size, limit), (1001, 1000));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(src.capacity(), capacity, "nothing reserved for the payload");

    // Default limit: 65,537 bytes declared in a 4-byte header.
    let mut codec = FramingCodec::new();
    let error = decode_err(&mut codec, &[0x06, 0x81, 0x80, 0x04]);
    assert!(matches!(
        error,
        FramingError::MessageTooLarge {
            size: 65_537,
            limit: 65_536
        }
    ));
    assert_eq!(error.fault_uri(), Some(fault::MAX_MESSAGE_SIZE_EXCEEDED));
    // Exactly the limit is fine: waits for the payload.
    let mut src = BytesMut::from(&[0x06, 0x80, 0x80, 0x04][..]);
    assert_eq!(FramingCodec::new().decode(&mut src).unwrap(), None);

    // Largest possible declared size.
    let mut codec = FramingCodec::new();
    assert!(matches!(
        decode_err(&mut codec, &[0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
        FramingError::MessageTooLarge {
            size: 0x7FFF_FFFF,
            ..
        }
    ));
}

#[test]
fn oversized_unsized_envelope() {
    let mut codec = FramingCodec::with_limits(FramingLimits {
        max_message_size: 4,
        ..FramingLimits::default()
    });
    let error = decode_err(&mut codec, &[0x05, 0x03, b'a', b'b', b'c', 0x02]);
    assert!(matches!(
        error,
        FramingError::MessageTooLarge { size: 5, limit: 4 }
    ));
}

#[test]
fn strings_over_their_limits() {
    let mut codec = FramingCodec::new();
    // 0x81 0x10 = 2049
    let error = decode_err(&mut codec, &[0x02, 0x81, 0x10]);
    assert!(matches!(
        error,
        FramingError::ViaTooLong {
            size: 2049,
            limit: 2048
        }
    ));
    assert_eq!(error.fault_uri(), Some(fault::VIA_TOO_LONG));
    // Exactly 2048 is accepted.
    let via = format!("net.tcp://h/{}", "x".repeat(2048 - 12));
    assert_eq!(
        decode_all(&encode_all(&[Record::Via(via.clone())])),
        [Record::Via(via)]
    );

    let error = decode_err(&mut FramingCodec::new(), &[0x04, 0x81, 0x02]);
    assert!(matches!(
        error,
        FramingError::ContentTypeTooLong {
            size: 257,
            limit: 256
        }
    ));
    assert_eq!(error.fault_uri(), Some(fault::CONTENT_TYPE_TOO_LONG));
    assert!(matches!(
        decode_err(&mut FramingCodec::new(), &[0x08, 0x81, 0x02]),
        FramingError::StringTooLong {
            record: record_type::FAULT,
            size: 257,
            ..
        }
    ));
    assert!(matches!(
        decode_err(&mut FramingCodec::new(), &[0x09, 0x81, 0x02]),
        FramingError::StringTooLong {
            record: record_type::UPGRADE_REQUEST,
            ..
        }
    ));
}

#[test]
fn unknown_record_types() {
    for ty in [0x0D, 0x0E, 0x7F, 0xFF, b'P', b'H'] {
        let error = decode_err(&mut FramingCodec::new(), &[ty]);
        assert!(matches!(error, FramingError::UnknownRecord(t) if t == ty));
        assert_eq!(error.fault_uri(), Some(fault::INVALID_RECORD_SEQUENCE));
    }
    // After valid records too.
    let error = decode_err(&mut FramingCodec::new(), &[0x0B, 0x07, 0x42]);
    assert!(matches!(error, FramingError::UnknownRecord(0x42)));
}

#[test]
fn zero_sizes_are_refused() {
    for ty in [0x02, 0x04, 0x06, 0x08, 0x09] {
        let error = decode_err(&mut FramingCodec::new(), &[ty, 0x00]);
        assert!(
            matches!(error, FramingError::ZeroSize(t) if t == ty),
            "{ty}"
        );
    }
    // An unsized envelope without any chunk.
    assert!(matches!(
        decode_err(&mut FramingCodec::new(), &[0x05, 0x00]),
        FramingError::ZeroSize(0x05)
    ));
}

#[test]
fn malformed_values() {
    let error = decode_err(&mut FramingCodec::new(), &[0x01, 0x05]);
    assert!(matches!(error, FramingError::UnsupportedMode(5)));
    assert_eq!(error.fault_uri(), Some(fault::UNSUPPORTED_MODE));
    assert!(matches!(
        decode_err(&mut FramingCodec::new(), &[0x01, 0x00]),
        FramingError::UnsupportedMode(0)
    ));
    let error = decode_err(&mut FramingCodec::new(), &[0x02, 0x02, 0xC3, 0x28]);
    assert!(matches!(error, FramingError::InvalidUtf8(0x02)));
    assert_eq!(error.fault_uri(), None);
}

#[test]
fn truncated_input_waits_then_fails_at_eof() {
    for record in every_record_type() {
        let encoded = encode_all(std::slice::from_ref(&record));
        for cut in 0..encoded.len() {
            let mut codec = FramingCodec::new();
            let mut src = BytesMut::from(&encoded[..cut]);
            assert_eq!(
                codec.decode(&mut src).unwrap(),
                None,
                "{record:?} cut {cut}"
            );
            // Feeding the rest completes the record.
            src.extend_from_slice(&encoded[cut..]);
            assert_eq!(codec.decode(&mut src).unwrap(), Some(record.clone()));
            // At end of stream a partial record is an error.
            let mut codec = FramingCodec::new();
            let mut src = BytesMut::from(&encoded[..cut]);
            let result = codec.decode_eof(&mut src);
            if cut == 0 {
                assert_eq!(result.unwrap(), None);
            } else {
                assert!(matches!(result, Err(FramingError::Truncated(_))));
            }
        }
    }
}

#[test]
fn fault_uris() {
    assert!(
        fault::ALL
            .iter()
            .all(|uri| uri.starts_with(fault::NAMESPACE))
    );
    assert_eq!(
        fault::MAX_MESSAGE_SIZE_EXCEEDED,
        "http://schemas.microsoft.com/ws/2006/05/framing/faults/MaxMessageSizeExceededFault"
    );
    let cases = [
        (
            FramingError::UnsupportedVersion { major: 2, minor: 0 },
            Some(fault::UNSUPPORTED_VERSION),
        ),
        (
            FramingError::UnexpectedRecord {
                expected: "Via",
                found: "End",
            },
            Some(fault::INVALID_RECORD_SEQUENCE),
        ),
        (
            FramingError::EndpointNotFound("x".into()),
            Some(fault::ENDPOINT_NOT_FOUND),
        ),
        (
            FramingError::ContentTypeInvalid(Encoding::Known(3)),
            Some(fault::CONTENT_TYPE_INVALID),
        ),
        (
            FramingError::UpgradeInvalid("application/negotiate".into()),
            Some(fault::UPGRADE_INVALID),
        ),
        (FramingError::Truncated(1), None),
        (FramingError::Io(std::io::Error::other("broken pipe")), None),
    ];
    for (error, uri) in cases {
        assert_eq!(error.fault_uri(), uri, "{error}");
    }
}

#[test]
fn encoding_content_types() {
    assert_eq!(
        Encoding::Known(known_encoding::BINARY_SESSION).content_type(),
        Some("application/soap+msbinsession1")
    );
    assert_eq!(
        Encoding::Known(known_encoding::SOAP12_UTF8).content_type(),
        Some("application/soap+xml; charset=utf-8")
    );
    assert_eq!(Encoding::Known(0x09).content_type(), None);
    assert_eq!(Mode::try_from(2), Ok(Mode::Duplex));
    assert_eq!(Mode::try_from(9), Err(9));
    assert_eq!(u8::from(Mode::SingletonSized), 4);
}

fn arb_string(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 1..24)
        .prop_map(move |chars| {
            let mut text: String = chars.into_iter().collect();
            while text.len() > max {
                text.pop();
            }
            text
        })
        .prop_filter("non-empty", |text| !text.is_empty())
}

fn arb_payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..40),
        proptest::collection::vec(any::<u8>(), 100..400),
    ]
    .prop_map(Bytes::from)
}

fn arb_record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (any::<u8>(), any::<u8>()).prop_map(|(major, minor)| Record::Version { major, minor }),
        (1u8..=4).prop_map(|mode| Record::Mode(Mode::try_from(mode).unwrap_or(Mode::Duplex))),
        arb_string(2048).prop_map(Record::Via),
        any::<u8>().prop_map(Record::KnownEncoding),
        arb_string(256).prop_map(Record::ExtensibleEncoding),
        arb_payload().prop_map(Record::SizedEnvelope),
        arb_payload().prop_map(Record::UnsizedEnvelope),
        Just(Record::End),
        arb_string(256).prop_map(Record::Fault),
        arb_string(256).prop_map(Record::UpgradeRequest),
        Just(Record::UpgradeResponse),
        Just(Record::PreambleAck),
        Just(Record::PreambleEnd),
    ]
}

proptest! {
    #[test]
    fn random_sequences_survive_random_splits(
        records in proptest::collection::vec(arb_record(), 0..16),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12),
    ) {
        let encoded = encode_all(&records);
        let mut offsets: Vec<usize> = cuts.iter().map(|cut| cut.index(encoded.len() + 1)).collect();
        offsets.sort_unstable();
        prop_assert_eq!(decode_split(&encoded, &offsets), records.clone());
        prop_assert_eq!(decode_all(&encoded), records);
    }

    #[test]
    fn hostile_bytes_never_panic_nor_overallocate(
        // Mostly valid record types and small sizes, so the decoder gets past the first byte.
        bytes in proptest::collection::vec(prop_oneof![0u8..=0x0C, any::<u8>()], 0..64),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
    ) {
        let limits = FramingLimits {
            max_message_size: 100,
            max_via: 50,
            max_content_type: 20,
            max_fault: 20,
            max_upgrade: 20,
        };
        let mut codec = FramingCodec::with_limits(limits);
        let mut offsets: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
        offsets.sort_unstable();
        let mut src = BytesMut::new();
        let mut start = 0;
        'feed: for end in offsets.into_iter().chain(std::iter::once(bytes.len())) {
            src.extend_from_slice(&bytes[start..end]);
            start = end;
            loop {
                match codec.decode(&mut src) {
                    Ok(Some(Record::SizedEnvelope(payload) | Record::UnsizedEnvelope(payload))) => {
                        prop_assert!(payload.len() <= limits.max_message_size);
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
                // Never more than a record's limit plus header and pending input is buffered.
                prop_assert!(src.capacity() <= 1024);
            }
        }
    }
}
