//! The SOAP message model: an envelope with WS-Addressing headers and a body, independent of how it
//! is encoded on the wire (see [`crate::encoding`]).

mod fault;

pub use fault::{Fault, FaultCode, FaultKind};

/// The WS-Addressing 1.0 namespace.
pub const WSA10_NS: &str = "http://www.w3.org/2005/08/addressing";
/// The anonymous address: "reply on the channel this message came on".
pub const WSA10_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
/// The default action of a WS-Addressing fault.
pub const WSA10_FAULT_ACTION: &str = "http://www.w3.org/2005/08/addressing/soap/fault";
/// The SOAP 1.2 envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

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
    pub fn new(action: impl Into<String>, body: Body) -> Self {
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

/// The headers of a message: the WS-Addressing 1.0 ones as fields, the rest kept as XML.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headers {
    /// `wsa:Action`.
    pub action: Option<String>,
    /// `wsa:MessageID` (a URI, usually `urn:uuid:…`).
    pub message_id: Option<String>,
    /// `wsa:RelatesTo`: the `MessageID` of the request this message answers.
    pub relates_to: Option<String>,
    /// `wsa:To`.
    pub to: Option<String>,
    /// `wsa:ReplyTo/wsa:Address`.
    pub reply_to: Option<String>,
    /// Every other header, in order.
    pub other: Vec<RawHeader>,
}

/// A header the message model does not interpret, kept as a self-contained XML element.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHeader {
    /// The header element's namespace.
    pub namespace: String,
    /// The header element's local name.
    pub name: String,
    /// Whether the sender marked it `mustUnderstand`.
    pub must_understand: bool,
    /// The element as XML, with the namespace declarations it needs.
    pub xml: XmlFragment,
}

/// A message body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body {
    /// No content (for example the reply of a one-way exchange).
    #[default]
    Empty,
    /// One element (a request or reply wrapper), as XML.
    Xml(XmlFragment),
    /// A SOAP fault.
    Fault(Fault),
}

/// A piece of XML cut out of a document: the text of one or more elements, and the namespace
/// declarations that were in scope where it was cut, so that it can be read on its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XmlFragment {
    /// The XML text (UTF-8, no XML declaration).
    pub text: String,
    /// Namespace bindings inherited from the enclosing elements: `(prefix, uri)`, `""` for the
    /// default namespace.
    pub scope: Vec<(String, String)>,
}

impl XmlFragment {
    /// A fragment that declares every namespace it uses itself.
    pub fn new(text: impl Into<String>) -> Self {
        XmlFragment {
            text: text.into(),
            scope: Vec::new(),
        }
    }
}
