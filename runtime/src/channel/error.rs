//! The error of every channel operation: typed, cheap to clone (one failure often fails many
//! pending calls), and precise enough for a layer to decide between reconnecting and giving up.

use std::sync::Arc;
use std::time::Duration;

/// Why a channel operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The connection broke: reset, closed without the end of the session, or the peer's half was
    /// dropped. The channel is over, but a layer that can reconnect (a reliable session) may open
    /// another one and carry on.
    #[error("the connection was lost: {0}")]
    Lost(Arc<str>),
    /// The peer broke the protocol of the transport or of a layer (or answered outside it, as an
    /// HTTP error without a SOAP message). Where the protocol has a fault for it, the transport
    /// has already answered with it. Retrying will not help.
    #[error("protocol violation: {0}")]
    Protocol(Arc<str>),
    /// The peer faulted the channel with a transport fault, such as a .NET Message Framing fault
    /// URI (`EndpointNotFound`, `ServerTooBusy`, `MaxMessageSizeExceededFault`, …). Retrying the
    /// same thing fails the same way.
    #[error("the peer faulted the channel: {0}")]
    Faulted(Arc<str>),
    /// A message could not be encoded or decoded.
    #[error("bad message: {0}")]
    Encoding(Arc<str>),
    /// This side refused a channel or a request (see [`Refusal`]).
    #[error("refused: {0}")]
    Refused(Refusal),
    /// An operation did not complete in time.
    #[error("{operation} timed out after {timeout:?}")]
    Timeout {
        /// What timed out.
        operation: &'static str,
        /// The limit that passed.
        timeout: Duration,
    },
    /// The channel was closed or aborted on this side, or the peer ended the session.
    #[error("the channel is closed")]
    Closed,
}

impl ChannelError {
    /// [`ChannelError::Lost`] with `reason`.
    pub fn lost(reason: impl Into<Arc<str>>) -> Self {
        ChannelError::Lost(reason.into())
    }

    /// [`ChannelError::Protocol`] with `reason`.
    pub fn protocol(reason: impl Into<Arc<str>>) -> Self {
        ChannelError::Protocol(reason.into())
    }

    /// [`ChannelError::Encoding`] with `reason`.
    pub fn encoding(reason: impl std::fmt::Display) -> Self {
        ChannelError::Encoding(reason.to_string().into())
    }

    /// Whether a layer may recover by opening a new connection (only [`ChannelError::Lost`]).
    pub fn is_lost(&self) -> bool {
        matches!(self, ChannelError::Lost(_))
    }
}

impl From<std::io::Error> for ChannelError {
    fn from(error: std::io::Error) -> Self {
        ChannelError::Lost(error.to_string().into())
    }
}

impl From<crate::encoding::EncodingError> for ChannelError {
    fn from(error: crate::encoding::EncodingError) -> Self {
        ChannelError::encoding(error)
    }
}

/// Why this side refused a channel or a request; each transport answers it in its own protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The host is at its limit (`max_concurrent_sessions` under the `Refuse` admission mode, or
    /// a queued channel that waited past its limit). net.tcp answers `ServerTooBusy`, HTTP 503.
    #[error("the service is too busy")]
    TooBusy,
    /// The host is shutting down. net.tcp answers `EndpointUnavailable`, HTTP 503.
    #[error("the service is shutting down")]
    ShuttingDown,
}
