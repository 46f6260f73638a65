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
}

impl Error {
    /// The same error again, for every call that a session's end fails at once (I/O errors are
    /// not `Clone`, so they are carried as text).
    pub(crate) fn replicate(&self) -> Error {
        match self {
            Error::SessionClosed(why) => Error::SessionClosed(why),
            Error::FramingFault(uri) => Error::FramingFault(uri.clone()),
            Error::Fault(fault) => Error::Fault(fault.clone()),
            Error::Encoding(reason) => Error::Encoding(reason.clone()),
            other => Error::Communication(other.to_string()),
        }
    }

    /// The fault, when the service answered with one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Error::Fault(fault) => Some(fault),
            _ => None,
        }
    }
}

impl From<crate::encoding::EncodingError> for Error {
    fn from(error: crate::encoding::EncodingError) -> Self {
        Error::Encoding(error.to_string())
    }
}
