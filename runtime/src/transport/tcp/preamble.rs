//! The [MC-NMF] preamble exchange that opens a duplex framing session.
//!
//! The initiator (client) sends Version, Mode, Via, an encoding record and PreambleEnd
//! ([`send_preamble`]); the receiver (server) checks them in that order against a
//! [`PreamblePolicy`] and answers PreambleAck, or a Fault record naming the problem
//! ([`accept_preamble`]). Neither function applies a timeout: wrap them in
//! `tokio::time::timeout` (WCF allows 30 s, `ChannelInitializationTimeout`).

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Decoder, Framed};

use super::framing::{Encoding, FramingCodec, FramingError, Mode, Record, record_type};

/// What a successful preamble announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preamble {
    /// The framing version `(major, minor)`; the major version is always 1.
    pub version: (u8, u8),
    /// The communication mode.
    pub mode: Mode,
    /// The endpoint URI the initiator addressed.
    pub via: String,
    /// The message encoding the initiator will use.
    pub encoding: Encoding,
}

/// Why a preamble exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum PreambleError {
    /// The peer violated the framing protocol or the policy, or the stream failed.
    #[error(transparent)]
    Framing(#[from] FramingError),
    /// The server answered the preamble with a Fault record carrying this URI.
    #[error("server rejected the preamble with fault {0}")]
    Fault(String),
    /// The peer closed the connection cleanly before the preamble was complete.
    #[error("connection closed during the preamble")]
    Closed,
}

impl PreambleError {
    /// The framing fault URI the server sends for this error, if any.
    pub fn fault_uri(&self) -> Option<&'static str> {
        match self {
            PreambleError::Framing(error) => error.fault_uri(),
            PreambleError::Fault(_) | PreambleError::Closed => None,
        }
    }
}

/// Decides which preambles a server accepts.
///
/// Only [`Mode::Duplex`] and [`Mode::SingletonUnsized`] use the PreambleEnd/PreambleAck exchange
/// that [`accept_preamble`] implements; other modes are always refused with `UnsupportedMode`.
pub trait PreamblePolicy {
    /// Whether the mode is acceptable (checked before the Via). Default: duplex only.
    fn accept_mode(&self, mode: Mode) -> bool {
        mode == Mode::Duplex
    }

    /// Whether an endpoint listens at `via`; `false` → `EndpointNotFound`.
    fn accept_via(&self, via: &str) -> bool;

    /// Whether the endpoint at `via` accepts `encoding`; `false` → `ContentTypeInvalid`.
    fn accept_encoding(&self, via: &str, encoding: &Encoding) -> bool;
}

/// A [`PreamblePolicy`] with fixed sets: duplex mode, exact Via matches, listed encodings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticPolicy {
    /// The Via URIs served (compared byte for byte).
    pub vias: Vec<String>,
    /// The encodings accepted at every Via.
    pub encodings: Vec<Encoding>,
}

impl PreamblePolicy for StaticPolicy {
    fn accept_via(&self, via: &str) -> bool {
        self.vias.iter().any(|served| served == via)
    }

    fn accept_encoding(&self, _via: &str, encoding: &Encoding) -> bool {
        self.encodings.contains(encoding)
    }
}

/// Server side: reads and checks a preamble, then answers PreambleAck.
///
/// Expects Version (major 1), Mode, Via, KnownEncoding or ExtensibleEncoding, and PreambleEnd, in
/// that order; stream upgrades are not supported (an UpgradeRequest is refused with
/// `UpgradeInvalid`). A record out of order is refused as soon as its type byte arrives. On
/// failure the Fault record for [`PreambleError::fault_uri`] (if any) is written and flushed
/// before the error is returned; the caller then closes the connection.
///
/// Reads only as far as the end of PreambleEnd, so bytes that follow stay in the stream for the
/// session to read through `framed`.
pub async fn accept_preamble<T, P>(
    framed: &mut Framed<T, FramingCodec>,
    policy: &P,
) -> Result<Preamble, PreambleError>
where
    T: AsyncRead + AsyncWrite + Unpin,
    P: PreamblePolicy + ?Sized,
{
    let preamble = receive_preamble(framed, policy).await?;
    write_records(framed, &[Record::PreambleAck]).await?;
    Ok(preamble)
}

/// Server side: reads and checks a preamble as [`accept_preamble`] does, but leaves the answer
/// to the caller, who admits the session later with PreambleAck (or refuses it with a Fault
/// record). A preamble that fails its checks is answered with its fault here.
pub async fn receive_preamble<T, P>(
    framed: &mut Framed<T, FramingCodec>,
    policy: &P,
) -> Result<Preamble, PreambleError>
where
    T: AsyncRead + AsyncWrite + Unpin,
    P: PreamblePolicy + ?Sized,
{
    match read_preamble(framed, policy).await {
        Ok(preamble) => Ok(preamble),
        Err(error) => {
            if let Some(uri) = error.fault_uri() {
                tracing::debug!(%error, fault = uri, "refusing framing preamble");
                if let Err(write_error) =
                    write_records(framed, &[Record::Fault(uri.to_owned())]).await
                {
                    tracing::debug!(error = %write_error, "could not send framing fault");
                }
            } else {
                tracing::debug!(%error, "framing preamble failed");
            }
            Err(error)
        }
    }
}

async fn read_preamble<T, P>(
    framed: &mut Framed<T, FramingCodec>,
    policy: &P,
) -> Result<Preamble, PreambleError>
where
    T: AsyncRead + AsyncWrite + Unpin,
    P: PreamblePolicy + ?Sized,
{
    let version = match read_expected(framed, &[record_type::VERSION], "Version").await? {
        Record::Version { major: 1, minor } => (1, minor),
        Record::Version { major, minor } => {
            return Err(FramingError::UnsupportedVersion { major, minor }.into());
        }
        other => return Err(unexpected("Version", &other)),
    };
    let mode = match read_expected(framed, &[record_type::MODE], "Mode").await? {
        Record::Mode(mode @ (Mode::Duplex | Mode::SingletonUnsized))
            if policy.accept_mode(mode) =>
        {
            mode
        }
        Record::Mode(mode) => return Err(FramingError::UnsupportedMode(mode.into()).into()),
        other => return Err(unexpected("Mode", &other)),
    };
    let via = match read_expected(framed, &[record_type::VIA], "Via").await? {
        Record::Via(via) if policy.accept_via(&via) => via,
        Record::Via(via) => return Err(FramingError::EndpointNotFound(via).into()),
        other => return Err(unexpected("Via", &other)),
    };
    const ENCODINGS: &[u8] = &[
        record_type::KNOWN_ENCODING,
        record_type::EXTENSIBLE_ENCODING,
    ];
    let encoding =
        match read_expected(framed, ENCODINGS, "KnownEncoding or ExtensibleEncoding").await? {
            Record::KnownEncoding(value) => Encoding::Known(value),
            Record::ExtensibleEncoding(content_type) => Encoding::Extensible(content_type),
            other => return Err(unexpected("KnownEncoding or ExtensibleEncoding", &other)),
        };
    if !policy.accept_encoding(&via, &encoding) {
        return Err(FramingError::ContentTypeInvalid(encoding).into());
    }
    const ENDS: &[u8] = &[record_type::UPGRADE_REQUEST, record_type::PREAMBLE_END];
    match read_expected(framed, ENDS, "PreambleEnd").await? {
        Record::PreambleEnd => {}
        Record::UpgradeRequest(protocol) => {
            return Err(FramingError::UpgradeInvalid(protocol).into());
        }
        other => return Err(unexpected("PreambleEnd", &other)),
    }
    Ok(Preamble {
        version,
        mode,
        via,
        encoding,
    })
}

/// Client side: sends a duplex preamble (Version 1.0, Mode Duplex, Via, KnownEncoding,
/// PreambleEnd) in one write and flush, then waits for PreambleAck.
///
/// A Fault record from the server yields [`PreambleError::Fault`] with its URI; any other record
/// is a protocol error. Reads only as far as the end of the answer, so envelopes the server sends
/// right after the ack stay readable through `framed`.
pub async fn send_preamble<T>(
    framed: &mut Framed<T, FramingCodec>,
    via: &str,
    encoding: u8,
) -> Result<(), PreambleError>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    write_records(
        framed,
        &[
            Record::Version { major: 1, minor: 0 },
            Record::Mode(Mode::Duplex),
            Record::Via(via.to_owned()),
            Record::KnownEncoding(encoding),
            Record::PreambleEnd,
        ],
    )
    .await?;
    const ANSWERS: &[u8] = &[record_type::PREAMBLE_ACK, record_type::FAULT];
    match read_expected(framed, ANSWERS, "PreambleAck or Fault").await? {
        Record::PreambleAck => Ok(()),
        Record::Fault(uri) => Err(PreambleError::Fault(uri)),
        other => Err(unexpected("PreambleAck or Fault", &other)),
    }
}

fn unexpected(expected: &'static str, found: &Record) -> PreambleError {
    FramingError::UnexpectedRecord {
        expected,
        found: found.name(),
    }
    .into()
}

/// Encodes `records` and writes them, after anything already in the write buffer, with one
/// write and one flush.
async fn write_records<T>(
    framed: &mut Framed<T, FramingCodec>,
    records: &[Record],
) -> Result<(), FramingError>
where
    T: AsyncWrite + Unpin,
{
    let mut encoded = BytesMut::new();
    for record in records {
        FramingCodec::encode_record(record, &mut encoded)?;
    }
    let mut out = std::mem::take(framed.write_buffer_mut());
    out.extend_from_slice(&encoded);
    let io = framed.get_mut();
    io.write_all(&out).await?;
    io.flush().await?;
    out.clear();
    *framed.write_buffer_mut() = out;
    Ok(())
}

/// Reads the next record, refusing it as soon as its type byte is known if it is not one of
/// `allowed`. Reads never go past the end of the record.
async fn read_expected<T>(
    framed: &mut Framed<T, FramingCodec>,
    allowed: &[u8],
    expected: &'static str,
) -> Result<Record, PreambleError>
where
    T: AsyncRead + Unpin,
{
    let mut chunk = [0u8; 512];
    loop {
        if !framed.codec().in_unsized_envelope()
            && let Some(&ty) = framed.read_buffer().first()
            && !allowed.contains(&ty)
        {
            return Err(match record_type::name(ty) {
                Some(found) => FramingError::UnexpectedRecord { expected, found },
                None => FramingError::UnknownRecord(ty),
            }
            .into());
        }
        let mut buffer = std::mem::take(framed.read_buffer_mut());
        let decoded = framed.codec_mut().decode(&mut buffer);
        *framed.read_buffer_mut() = buffer;
        if let Some(record) = decoded? {
            return Ok(record);
        }
        let want = framed
            .codec()
            .bytes_needed(framed.read_buffer())
            .min(chunk.len());
        let read = framed
            .get_mut()
            .read(chunk.get_mut(..want).unwrap_or_default())
            .await
            .map_err(FramingError::Io)?;
        if read == 0 {
            let buffered = framed.read_buffer().len();
            return Err(if buffered == 0 && !framed.codec().in_unsized_envelope() {
                PreambleError::Closed
            } else {
                FramingError::Truncated(buffered).into()
            });
        }
        framed
            .read_buffer_mut()
            .extend_from_slice(chunk.get(..read).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadBuf};

    use super::*;
    use crate::transport::tcp::framing::{fault, known_encoding};

    const VIA: &str = "net.tcp://127.0.0.1:8732/calc/session";

    fn policy() -> StaticPolicy {
        StaticPolicy {
            vias: vec![VIA.to_owned()],
            encodings: vec![Encoding::Known(known_encoding::BINARY_SESSION)],
        }
    }

    fn bytes_of(records: &[Record]) -> Vec<u8> {
        let mut out = BytesMut::new();
        for record in records {
            FramingCodec::encode_record(record, &mut out).unwrap();
        }
        out.to_vec()
    }

    fn fault_bytes(uri: &str) -> Vec<u8> {
        bytes_of(&[Record::Fault(uri.to_owned())])
    }

    /// A well-formed duplex preamble with `replace` applied at `index` (None = remove).
    fn preamble_with(index: usize, replace: Option<Record>) -> Vec<Record> {
        let mut records = vec![
            Record::Version { major: 1, minor: 0 },
            Record::Mode(Mode::Duplex),
            Record::Via(VIA.to_owned()),
            Record::KnownEncoding(known_encoding::BINARY_SESSION),
            Record::PreambleEnd,
        ];
        match replace {
            Some(record) => records[index] = record,
            None => {
                records.remove(index);
            }
        }
        records
    }

    /// Runs the server against raw client bytes (closing the client's output if `close`) and
    /// returns the server's result and every byte the server sent until it dropped the stream.
    async fn server_against(
        client_bytes: &[u8],
        close: bool,
    ) -> (Result<Preamble, PreambleError>, Vec<u8>) {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        client.write_all(client_bytes).await.unwrap();
        if close {
            client.shutdown().await.unwrap();
        }
        let mut framed = Framed::new(server, FramingCodec::new());
        let result = accept_preamble(&mut framed, &policy()).await;
        drop(framed);
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        (result, answer)
    }

    async fn assert_refused(client_bytes: &[u8], uri: &str) -> FramingError {
        let (result, answer) = server_against(client_bytes, false).await;
        assert_eq!(answer, fault_bytes(uri), "fault on the wire");
        match result {
            Err(PreambleError::Framing(error)) => {
                assert_eq!(error.fault_uri(), Some(uri));
                error
            }
            other => panic!("expected a framing error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn server_accepts_good_preamble() {
        let good = preamble_with(4, Some(Record::PreambleEnd));
        let (result, answer) = server_against(&bytes_of(&good), false).await;
        assert_eq!(
            result.unwrap(),
            Preamble {
                version: (1, 0),
                mode: Mode::Duplex,
                via: VIA.to_owned(),
                encoding: Encoding::Known(known_encoding::BINARY_SESSION),
            }
        );
        assert_eq!(answer, [record_type::PREAMBLE_ACK]);
    }

    #[tokio::test]
    async fn server_accepts_captured_mono_client_and_reads_no_further() {
        let stream = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/nettcp-mono-session.c2s.bin"
        ))
        .unwrap();
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        client.write_all(&stream).await.unwrap();
        let mut framed = Framed::new(server, FramingCodec::new());
        let preamble = accept_preamble(&mut framed, &policy()).await.unwrap();
        assert_eq!(preamble.via, VIA);
        assert_eq!(preamble.encoding, Encoding::Known(8));
        // Nothing past PreambleEnd was pulled into the read buffer.
        assert!(framed.read_buffer().is_empty());
        let first = read_expected(&mut framed, &[record_type::SIZED_ENVELOPE], "SizedEnvelope")
            .await
            .unwrap();
        assert_eq!(
            first,
            Record::SizedEnvelope(stream[50..=288].to_vec().into())
        );
        let mut ack = [0u8; 1];
        client.read_exact(&mut ack).await.unwrap();
        assert_eq!(ack, [0x0B]);
    }

    #[tokio::test]
    async fn minor_version_is_ignored() {
        let records = preamble_with(0, Some(Record::Version { major: 1, minor: 7 }));
        let (result, answer) = server_against(&bytes_of(&records), false).await;
        assert_eq!(result.unwrap().version, (1, 7));
        assert_eq!(answer, [0x0B]);
    }

    #[tokio::test]
    async fn version_2_is_refused() {
        let records = preamble_with(0, Some(Record::Version { major: 2, minor: 0 }));
        let error = assert_refused(&bytes_of(&records), fault::UNSUPPORTED_VERSION).await;
        assert!(matches!(
            error,
            FramingError::UnsupportedVersion { major: 2, minor: 0 }
        ));
    }

    #[tokio::test]
    async fn non_duplex_modes_are_refused() {
        for (mode, value) in [
            (Mode::Simplex, 3),
            (Mode::SingletonUnsized, 1),
            (Mode::SingletonSized, 4),
        ] {
            let records = preamble_with(1, Some(Record::Mode(mode)));
            let error = assert_refused(&bytes_of(&records), fault::UNSUPPORTED_MODE).await;
            assert!(matches!(error, FramingError::UnsupportedMode(v) if v == value));
        }
        // An unknown mode byte.
        let error = assert_refused(&[0x00, 0x01, 0x00, 0x01, 0x09], fault::UNSUPPORTED_MODE).await;
        assert!(matches!(error, FramingError::UnsupportedMode(9)));
    }

    #[tokio::test]
    async fn unknown_via_is_refused() {
        let records = preamble_with(2, Some(Record::Via("net.tcp://host/other".to_owned())));
        let error = assert_refused(&bytes_of(&records), fault::ENDPOINT_NOT_FOUND).await;
        assert!(
            matches!(error, FramingError::EndpointNotFound(via) if via == "net.tcp://host/other")
        );
    }

    #[tokio::test]
    async fn via_too_long_is_refused() {
        let via = format!("net.tcp://host/{}", "v".repeat(3000));
        let records = preamble_with(2, Some(Record::Via(via)));
        let error = assert_refused(&bytes_of(&records), fault::VIA_TOO_LONG).await;
        assert!(matches!(
            error,
            FramingError::ViaTooLong { limit: 2048, .. }
        ));
    }

    #[tokio::test]
    async fn unknown_encoding_is_refused() {
        let records = preamble_with(3, Some(Record::KnownEncoding(known_encoding::SOAP12_UTF8)));
        let error = assert_refused(&bytes_of(&records), fault::CONTENT_TYPE_INVALID).await;
        assert!(matches!(
            error,
            FramingError::ContentTypeInvalid(Encoding::Known(3))
        ));

        let gzip = "application/soap+msbinsession1+gzip";
        let records = preamble_with(3, Some(Record::ExtensibleEncoding(gzip.to_owned())));
        let error = assert_refused(&bytes_of(&records), fault::CONTENT_TYPE_INVALID).await;
        assert!(
            matches!(error, FramingError::ContentTypeInvalid(Encoding::Extensible(ct)) if ct == gzip)
        );
    }

    #[tokio::test]
    async fn upgrade_request_is_refused() {
        let mut records = preamble_with(4, None);
        records.push(Record::UpgradeRequest("application/negotiate".to_owned()));
        records.push(Record::PreambleEnd);
        let error = assert_refused(&bytes_of(&records), fault::UPGRADE_INVALID).await;
        assert!(matches!(error, FramingError::UpgradeInvalid(p) if p == "application/negotiate"));
    }

    #[tokio::test]
    async fn envelope_before_preamble_end_is_refused() {
        let records = preamble_with(
            4,
            Some(Record::SizedEnvelope(bytes::Bytes::from_static(b"hello"))),
        );
        let error = assert_refused(&bytes_of(&records), fault::INVALID_RECORD_SEQUENCE).await;
        assert!(matches!(
            error,
            FramingError::UnexpectedRecord {
                found: "SizedEnvelope",
                ..
            }
        ));
        // Refused from the type byte alone, before an (oversized) size is even looked at.
        let mut bytes = bytes_of(&preamble_with(4, None));
        bytes.extend_from_slice(&[0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]);
        assert_refused(&bytes, fault::INVALID_RECORD_SEQUENCE).await;
    }

    #[tokio::test]
    async fn records_out_of_order_are_refused() {
        // Mode first.
        assert_refused(&[0x01, 0x02], fault::INVALID_RECORD_SEQUENCE).await;
        // Encoding where the Via belongs.
        let records = preamble_with(2, None);
        let error = assert_refused(&bytes_of(&records), fault::INVALID_RECORD_SEQUENCE).await;
        assert!(matches!(
            error,
            FramingError::UnexpectedRecord {
                expected: "Via",
                found: "KnownEncoding"
            }
        ));
        // End instead of PreambleEnd.
        let records = preamble_with(4, Some(Record::End));
        assert_refused(&bytes_of(&records), fault::INVALID_RECORD_SEQUENCE).await;
        // An HTTP request on the net.tcp port.
        let error =
            assert_refused(b"POST /calc HTTP/1.1\r\n", fault::INVALID_RECORD_SEQUENCE).await;
        assert!(matches!(error, FramingError::UnknownRecord(b'P')));
    }

    #[tokio::test]
    async fn client_closing_early_gets_no_fault() {
        // Connected and closed without a byte.
        let (result, answer) = server_against(&[], true).await;
        assert!(matches!(result, Err(PreambleError::Closed)));
        assert!(answer.is_empty());
        // Closed between records.
        let records = preamble_with(4, None);
        let (result, answer) = server_against(&bytes_of(&records[..2]), true).await;
        assert!(matches!(result, Err(PreambleError::Closed)));
        assert!(answer.is_empty());
        // Closed inside the Via record.
        let bytes = bytes_of(&records);
        let (result, answer) = server_against(&bytes[..10], true).await;
        assert!(matches!(
            result,
            Err(PreambleError::Framing(FramingError::Truncated(_)))
        ));
        assert!(answer.is_empty());
    }

    #[tokio::test]
    async fn client_and_server_agree() {
        let (client_io, server_io) = tokio::io::duplex(1024);
        let mut client = Framed::new(client_io, FramingCodec::new());
        let mut server = Framed::new(server_io, FramingCodec::new());
        let policy = policy();
        let (sent, accepted) = tokio::join!(
            send_preamble(&mut client, VIA, known_encoding::BINARY_SESSION),
            accept_preamble(&mut server, &policy),
        );
        sent.unwrap();
        let preamble = accepted.unwrap();
        assert_eq!(preamble.mode, Mode::Duplex);
        assert_eq!(preamble.via, VIA);
    }

    #[tokio::test]
    async fn client_receives_server_fault() {
        let (client_io, server_io) = tokio::io::duplex(1024);
        let mut client = Framed::new(client_io, FramingCodec::new());
        let mut server = Framed::new(server_io, FramingCodec::new());
        let policy = policy();
        let (sent, accepted) = tokio::join!(
            send_preamble(&mut client, "net.tcp://127.0.0.1:8732/nope", 8),
            accept_preamble(&mut server, &policy),
        );
        assert!(matches!(sent, Err(PreambleError::Fault(uri)) if uri == fault::ENDPOINT_NOT_FOUND));
        assert!(matches!(
            accepted,
            Err(PreambleError::Framing(FramingError::EndpointNotFound(_)))
        ));
    }

    /// Runs the client against a raw server that has already written `answer`.
    async fn client_against(answer: &[u8]) -> (Result<(), PreambleError>, Vec<u8>, DuplexStream) {
        let (client_io, mut server) = tokio::io::duplex(64 * 1024);
        server.write_all(answer).await.unwrap();
        let mut client = Framed::new(client_io, FramingCodec::new());
        let result = send_preamble(&mut client, VIA, known_encoding::BINARY_SESSION).await;
        let mut sent = vec![0u8; 47];
        server.read_exact(&mut sent).await.unwrap();
        drop(client);
        (result, sent, server)
    }

    #[tokio::test]
    async fn client_writes_the_same_bytes_as_mono() {
        let capture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/nettcp-mono-session.c2s.bin"
        ))
        .unwrap();
        let (result, sent, mut server) = client_against(&[0x0B]).await;
        result.unwrap();
        assert_eq!(sent, capture[..47]);
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn client_maps_answers() {
        let (result, ..) = client_against(&fault_bytes(fault::UNSUPPORTED_VERSION)).await;
        assert!(
            matches!(result, Err(PreambleError::Fault(uri)) if uri == fault::UNSUPPORTED_VERSION)
        );

        let (result, ..) = client_against(&bytes_of(&[Record::End])).await;
        assert!(matches!(
            result,
            Err(PreambleError::Framing(FramingError::UnexpectedRecord {
                found: "End",
                ..
            }))
        ));

        let (result, ..) = client_against(b"HTTP/1.1 400 Bad Request\r\n").await;
        assert!(matches!(
            result,
            Err(PreambleError::Framing(FramingError::UnknownRecord(b'H')))
        ));

        let (client_io, server) = tokio::io::duplex(1024);
        drop(server);
        let mut client = Framed::new(client_io, FramingCodec::new());
        let result = send_preamble(&mut client, VIA, 8).await;
        assert!(matches!(
            result,
            Err(PreambleError::Framing(FramingError::Io(_)))
        ));

        let (client_io, mut server) = tokio::io::duplex(1024);
        let mut client = Framed::new(client_io, FramingCodec::new());
        let serve = async move {
            let mut preamble = vec![0u8; 47];
            server.read_exact(&mut preamble).await.unwrap();
            // Close without answering.
        };
        let (result, ()) = tokio::join!(send_preamble(&mut client, VIA, 8), serve);
        assert!(matches!(result, Err(PreambleError::Closed)));
    }

    #[tokio::test]
    async fn client_leaves_an_envelope_after_the_ack_unread() {
        let mut answer = vec![0x0B];
        answer.extend(bytes_of(&[Record::SizedEnvelope(
            bytes::Bytes::from_static(b"callback"),
        )]));
        let (client_io, mut server) = tokio::io::duplex(1024);
        server.write_all(&answer).await.unwrap();
        let mut client = Framed::new(client_io, FramingCodec::new());
        send_preamble(&mut client, VIA, 8).await.unwrap();
        assert!(client.read_buffer().is_empty());
        let record = read_expected(&mut client, &[record_type::SIZED_ENVELOPE], "SizedEnvelope")
            .await
            .unwrap();
        assert_eq!(
            record,
            Record::SizedEnvelope(bytes::Bytes::from_static(b"callback"))
        );
    }

    /// Counts writes and flushes passed through to the inner stream.
    struct Counting {
        inner: DuplexStream,
        writes: usize,
        flushes: usize,
    }

    impl AsyncRead for Counting {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Counting {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            self.writes += 1;
            Pin::new(&mut self.inner).poll_write(cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            self.flushes += 1;
            Pin::new(&mut self.inner).poll_flush(cx)
        }

        fn poll_shutdown(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }

    #[tokio::test]
    async fn client_sends_the_preamble_in_one_write_and_flush() {
        let (client_io, mut server) = tokio::io::duplex(1024);
        server.write_all(&[0x0B]).await.unwrap();
        let counting = Counting {
            inner: client_io,
            writes: 0,
            flushes: 0,
        };
        let mut client = Framed::new(counting, FramingCodec::new());
        send_preamble(&mut client, VIA, 8).await.unwrap();
        assert_eq!((client.get_ref().writes, client.get_ref().flushes), (1, 1));
    }
}
