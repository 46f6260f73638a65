//! The SOAP envelope grammar, written once over XML events: envelope, header block,
//! WS-Addressing (1.0 and August 2004) and faults (SOAP 1.2 and 1.1), read from any
//! [`XmlSource`](crate::xml::XmlSource) and written to any [`XmlSink`](crate::xml::XmlSink).
//! The text and binary encoders are adapters around it.
//!
//! Conventions:
//! - headers are written in the order WCF writes them: `Action`, `MessageID`, `RelatesTo`,
//!   `ReplyTo`, `To`, then the [`HeaderBlock`](crate::message::HeaderBlock)s; for a SOAP 1.2
//!   `MustUnderstand` fault, a `NotUnderstood` block per name of
//!   [`Fault::not_understood`](crate::message::Fault::not_understood) comes first;
//! - only the Body's first child element is read; further children are checked and dropped
//!   (likewise for a fault's detail);
//! - an addressing header of another WS-Addressing version than the message's is an ordinary
//!   header block.

mod fault;
mod read;
mod version;
mod write;

pub use version::MessageVersion;

pub(crate) use read::{RecentStrings, read_message};
pub(crate) use write::write_message;
