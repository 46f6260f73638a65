//! The SOAP message model: an envelope with headers and a body, independent of how it is
//! encoded on the wire (see [`crate::encoding`]).
//!
//! * [`Headers`]: WS-Addressing headers as fields ([`MessageId`] for `MessageID`/`RelatesTo`,
//!   [`SharedStr`] for the strings), every other header a [`HeaderBlock`] read and written by a
//!   typed [`Header`] codec.
//! * [`Body`]: one element (as XML text or as XML events), or a [`Fault`].

mod fault;
mod fault_exception;
mod headers;
mod id;
mod shared;

use std::borrow::Cow;

use serde::de::DeserializeOwned;

pub use crate::xml::XmlFragment;
use crate::xml::{self, Infoset, XmlError};

pub use fault::{Fault, FaultCode, FaultKind, ReasonText};
pub use fault_exception::FaultException;
pub use headers::{Header, HeaderBlock, Headers, data_contract};
pub use id::MessageId;
pub use shared::SharedStr;

/// The WS-Addressing 1.0 namespace.
pub const WSA10_NS: &str = "http://www.w3.org/2005/08/addressing";
/// The anonymous address: "reply on the channel this message came on".
pub const WSA10_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
/// The default action of a WS-Addressing fault.
pub const WSA10_FAULT_ACTION: &str = "http://www.w3.org/2005/08/addressing/soap/fault";
/// The WS-Addressing August 2004 namespace (the submission WS-ReliableMessaging February 2005
/// peers may use).
pub const WSA200408_NS: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
/// The anonymous address of WS-Addressing August 2004.
pub const WSA200408_ANONYMOUS: &str =
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
/// The fault action of WS-Addressing August 2004.
pub const WSA200408_FAULT_ACTION: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault";
/// The SOAP 1.2 envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The SOAP 1.2 `next` role: every node, the ultimate receiver included.
pub const SOAP12_ROLE_NEXT: &str = "http://www.w3.org/2003/05/soap-envelope/role/next";
/// The SOAP 1.2 `ultimateReceiver` role.
pub const SOAP12_ROLE_ULTIMATE_RECEIVER: &str =
    "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";
/// The SOAP 1.2 `none` role: no node processes the header.
pub const SOAP12_ROLE_NONE: &str = "http://www.w3.org/2003/05/soap-envelope/role/none";
/// The SOAP 1.1 `next` actor.
pub const SOAP11_ACTOR_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";

/// A SOAP message: headers and body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// The addressing headers and any others.
    pub headers: Headers,
    /// The body.
    pub body: Body,
}

impl Message {
    /// A message with `action` and `body` and no other headers.
    pub fn new(action: impl Into<SharedStr>, body: Body) -> Self {
        Message {
            headers: Headers {
                action: Some(action.into()),
                ..Headers::default()
            },
            body,
        }
    }

    /// The message's action, or `""`.
    pub fn action(&self) -> &str {
        self.headers.action.as_deref().unwrap_or("")
    }

    /// Whether the body is a fault.
    pub fn is_fault(&self) -> bool {
        matches!(self.body, Body::Fault(_))
    }
}

/// A message body.
#[derive(Debug, Clone, Default)]
pub enum Body {
    /// No content (for example the reply of a one-way exchange).
    #[default]
    Empty,
    /// One element (a request or reply wrapper), as XML text (what the text encoder reads).
    Xml(XmlFragment),
    /// One element as XML events (what the serializer writes and the binary encoder reads):
    /// see [`Infoset`].
    Infoset(Infoset),
    /// A SOAP fault.
    Fault(Fault),
}

impl Body {
    /// The body element as XML text, whatever its form; `None` for an empty body, a fault or
    /// events that XML text cannot carry.
    pub fn to_fragment(&self) -> Option<Cow<'_, XmlFragment>> {
        match self {
            Body::Xml(fragment) => Some(Cow::Borrowed(fragment)),
            Body::Infoset(infoset) => infoset.to_fragment().ok().map(Cow::Owned),
            Body::Empty | Body::Fault(_) => None,
        }
    }
}

impl Body {
    /// The namespace URI (`""` for none) and local name of the body element.
    pub fn element(&self) -> Result<(Cow<'_, str>, Cow<'_, str>), XmlError> {
        match self {
            Body::Xml(fragment) => {
                let (ns, name) = xml::root_element(fragment)?;
                Ok((Cow::Owned(ns), Cow::Owned(name)))
            }
            Body::Infoset(infoset) => {
                let (ns, name) = infoset.root_element()?;
                Ok((Cow::Borrowed(ns), Cow::Borrowed(name)))
            }
            Body::Empty | Body::Fault(_) => Err(XmlError::NoRoot),
        }
    }

    /// Deserializes the body element as a `T`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, XmlError> {
        match self {
            Body::Xml(fragment) => xml::from_fragment(fragment),
            Body::Infoset(infoset) => xml::from_infoset(infoset),
            Body::Empty | Body::Fault(_) => Err(XmlError::NoRoot),
        }
    }
}

/// Bodies are equal when they are the same XML, whether held as text or as events.
impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Body::Empty, Body::Empty) => true,
            (Body::Fault(a), Body::Fault(b)) => a == b,
            (Body::Infoset(a), Body::Infoset(b)) if a == b => true,
            (Body::Xml(_) | Body::Infoset(_), Body::Xml(_) | Body::Infoset(_)) => {
                matches!((self.to_fragment(), other.to_fragment()), (Some(a), Some(b)) if a == b)
            }
            _ => false,
        }
    }
}
