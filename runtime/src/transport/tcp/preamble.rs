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
    match read_preamble(framed, policy).await {
        Ok(preamble) => {
            write_records(framed, &[Record::PreambleAck]).await?;
            Ok(preamble)
        }
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
