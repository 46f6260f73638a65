//! The public error type: what failed, and what to do about it.

use std::time::Duration;

use crate::message::Fault;

/// Everything a client call, a channel or a host can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address is not one this binding can use.
    #[error("invalid address `{address}`: {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The connection failed or was lost; the session is over.
    #[error("communication failed: {0}")]
    Communication(String),
    /// An I/O error from the transport.
    #[error("transport I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The operation did not complete in time (send, open or close timeout).
    #[error("{operation} timed out after {timeout:?}")]
    Timeout {
        /// What timed out.
        operation: &'static str,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// The service answered with a SOAP fault that the operation does not declare as its typed
    /// fault (a session rule, an unknown action, a malformed request, a server error, …).
    #[error("the service returned a fault: {0}")]
    Fault(Fault),
    /// The service refused the connection with a .NET Message Framing fault
    /// (endpoint not found, message too large, server too busy, …).
    #[error("the service refused the connection: {0}")]
    FramingFault(String),
    /// A message could not be encoded or decoded.
    #[error("bad message: {0}")]
    Encoding(String),
    /// The session was already closed or faulted; open a new client.
    #[error("the session is closed: {0}")]
    SessionClosed(&'static str),
    /// A reply carried a header marked `mustUnderstand` that nothing on this side understood
    /// (declare it with [`CallScope::understand`](crate::client::CallScope::understand) to read
    /// it yourself).
    #[error(
        "the reply carries the header {{{namespace}}}{name}, marked mustUnderstand, which nothing understood"
    )]
    HeaderNotUnderstood {
        /// The header's namespace.
        namespace: String,
        /// The header's local name.
        name: String,
    },
    /// Something only an operation can do (add a reply header, …) was asked outside one.
    #[error("not inside a service operation")]
    OutsideOperation,
    /// A client inspector refused a request (nothing was sent) or its reply; the text is the
    /// inspector's.
    #[error("refused by a client inspector: {0}")]
    Rejected(String),
}

impl Error {
    /// The fault, when the service answered with one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Error::Fault(fault) => Some(fault),
            _ => None,
        }
    }
}

impl From<crate::xml::XmlError> for Error {
    fn from(error: crate::xml::XmlError) -> Self {
        Error::Encoding(error.to_string())
    }
}

impl From<crate::encoding::EncodingError> for Error {
    fn from(error: crate::encoding::EncodingError) -> Self {
        Error::Encoding(error.to_string())
    }
}

impl From<crate::channel::ChannelError> for Error {
    fn from(error: crate::channel::ChannelError) -> Self {
        use crate::channel::ChannelError;
        match error {
            ChannelError::Faulted(uri) => Error::FramingFault(uri.to_string()),
            ChannelError::Encoding(reason) => Error::Encoding(reason.to_string()),
            ChannelError::Timeout { operation, timeout } => Error::Timeout { operation, timeout },
            ChannelError::Closed => Error::SessionClosed("the channel is closed"),
            other => Error::Communication(other.to_string()),
        }
    }
}
