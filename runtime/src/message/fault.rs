//! SOAP faults: code and subcodes, reason (in one or more languages), the node and role that
//! faulted, a detail element, and the headers a `MustUnderstand` fault names.

use crate::contract::OperationDescription;
use crate::xml::Infoset;

/// The SOAP 1.2 fault code classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The message was wrong (`env:Sender`, SOAP 1.1 `Client`).
    Sender,
    /// The service failed (`env:Receiver`, SOAP 1.1 `Server`).
    Receiver,
    /// A `mustUnderstand` header was not understood.
    MustUnderstand,
    /// The envelope's SOAP version is not supported.
    VersionMismatch,
    /// An encoding rule was broken.
    DataEncodingUnknown,
}

impl FaultKind {
    /// The local name of the SOAP 1.2 code (`Sender`, `Receiver`, …).
    pub const fn soap12_name(self) -> &'static str {
        match self {
            FaultKind::Sender => "Sender",
            FaultKind::Receiver => "Receiver",
            FaultKind::MustUnderstand => "MustUnderstand",
            FaultKind::VersionMismatch => "VersionMismatch",
            FaultKind::DataEncodingUnknown => "DataEncodingUnknown",
        }
    }

    /// The local name of the SOAP 1.1 code (`Client`, `Server`, …; SOAP 1.1 has no
    /// `DataEncodingUnknown`, which is a `Client` fault there).
    pub const fn soap11_name(self) -> &'static str {
        match self {
            FaultKind::Sender | FaultKind::DataEncodingUnknown => "Client",
            FaultKind::Receiver => "Server",
            FaultKind::MustUnderstand => "MustUnderstand",
            FaultKind::VersionMismatch => "VersionMismatch",
        }
    }

    /// The class a SOAP 1.2 `env:Code/env:Value` names, given the value's resolved namespace and
    /// local name. An unqualified value is read as the envelope's (Mono's WCF writes
    /// `<s:Value>Sender</s:Value>`). The error says what was found.
    pub fn from_soap12_code(namespace: &str, local: &str) -> Result<Self, String> {
        if namespace != super::SOAP12_NS && !namespace.is_empty() {
            return Err(format!(
                "unknown SOAP 1.2 fault code {{{namespace}}}{local}"
            ));
        }
        match local {
            "Sender" => Ok(FaultKind::Sender),
            "Receiver" => Ok(FaultKind::Receiver),
            "MustUnderstand" => Ok(FaultKind::MustUnderstand),
            "VersionMismatch" => Ok(FaultKind::VersionMismatch),
            "DataEncodingUnknown" => Ok(FaultKind::DataEncodingUnknown),
            _ => Err(format!("unknown SOAP 1.2 fault code s:{local}")),
        }
    }

    /// The class a SOAP 1.1 `faultcode` in the envelope namespace names; dotted refinements
    /// (`Client.Authentication`) keep their class (the envelope reader keeps the whole code as
    /// the fault's one subcode, which SOAP 1.1 writes back as the `faultcode`).
    pub fn from_soap11_code(local: &str) -> Result<Self, String> {
        match local.split('.').next().unwrap_or("") {
            "Client" => Ok(FaultKind::Sender),
            "Server" => Ok(FaultKind::Receiver),
            "MustUnderstand" => Ok(FaultKind::MustUnderstand),
            "VersionMismatch" => Ok(FaultKind::VersionMismatch),
            _ => Err(format!("unknown SOAP 1.1 fault code s:{local}")),
        }
    }
}

/// A fault code: its class and an optional chain of subcodes as `(namespace, local name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultCode {
    /// The code class.
    pub kind: FaultKind,
    /// Subcodes, outermost first.
    pub subcodes: Vec<(String, String)>,
}

/// One text of a fault's reason, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonText {
    /// The language (`xml:lang`, as `en` or `en-US`).
    pub lang: String,
    /// The text.
    pub text: String,
}

/// A SOAP fault.
#[derive(Debug, Clone)]
pub struct Fault {
    /// The fault code.
    pub code: FaultCode,
    /// The human-readable reason, in one or more languages (SOAP 1.1 carries the first only).
    pub reasons: Vec<ReasonText>,
    /// The node that faulted (SOAP 1.2 `Node`; not in SOAP 1.1).
    pub node: Option<Box<str>>,
    /// The role the faulting node played (SOAP 1.2 `Role`, SOAP 1.1 `faultactor`).
    pub role: Option<Box<str>>,
    /// The detail element, if any (boxed: a fault travels in `Result`s, kept small).
    pub detail: Option<Box<Infoset>>,
    /// For a `MustUnderstand` fault, the headers not understood as `(namespace, local name)`:
    /// SOAP 1.2 names them in `NotUnderstood` header blocks of the fault message.
    pub not_understood: Box<[(String, String)]>,
    /// The operation whose typed fault this is (its fault message carries the operation's
    /// fault action); not part of the fault's XML, and not compared. A reference to the static
    /// description keeps `Fault` small: it travels in `Result`s.
    typed_for: Option<&'static OperationDescription>,
}

impl PartialEq for Fault {
    fn eq(&self, other: &Self) -> bool {
        // Everything the fault's XML carries; the action travels in the message's headers.
        self.code == other.code
            && self.reasons == other.reasons
            && self.node == other.node
            && self.role == other.role
            && self.detail == other.detail
            && self.not_understood == other.not_understood
    }
}

impl Fault {
    /// A fault of `kind` with `reason` (in English) and no subcode.
    pub fn new(kind: FaultKind, reason: impl Into<String>) -> Self {
        Fault {
            code: FaultCode {
                kind,
                subcodes: Vec::new(),
            },
            reasons: vec![ReasonText {
                lang: "en".to_owned(),
                text: reason.into(),
            }],
            node: None,
            role: None,
            detail: None,
            not_understood: Box::default(),
            typed_for: None,
        }
    }

    /// Marks the fault as operation `op`'s typed fault, sent with its fault action.
    pub fn typed_for(mut self, op: &'static OperationDescription) -> Self {
        self.typed_for = Some(op);
        self
    }

    /// The action of the fault message a service sends this fault in: an operation's typed
    /// fault's action (as its WSDL advertises), or `None` for WS-Addressing's generic fault
    /// action.
    pub fn action(&self) -> Option<&'static str> {
        self.typed_for.and_then(|op| op.fault_action)
    }

    /// Adds a subcode.
    pub fn with_subcode(mut self, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        self.code.subcodes.push((namespace.into(), name.into()));
        self
    }

    /// Sets the detail.
    pub fn with_detail(mut self, detail: Infoset) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    /// Adds the reason's text in another language.
    pub fn with_reason(mut self, lang: impl Into<String>, text: impl Into<String>) -> Self {
        self.reasons.push(ReasonText {
            lang: lang.into(),
            text: text.into(),
        });
        self
    }

    /// The reason: its first English text (`en`, `en-…`), else its first text, else `""`.
    pub fn reason(&self) -> &str {
        let english = |r: &&ReasonText| {
            r.lang.eq_ignore_ascii_case("en")
                || r.lang
                    .get(..3)
                    .is_some_and(|p| p.eq_ignore_ascii_case("en-"))
        };
        self.reasons
            .iter()
            .find(english)
            .or(self.reasons.first())
            .map_or("", |r| r.text.as_str())
    }

    /// The innermost subcode's local name, if any (`ActionNotSupported`, `SessionTerminated`, …).
    pub fn subcode(&self) -> Option<&str> {
        self.code.subcodes.last().map(|(_, name)| name.as_str())
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.subcode() {
            Some(sub) => write!(f, "{:?}/{sub}: {}", self.code.kind, self.reason()),
            None => write!(f, "{:?}: {}", self.code.kind, self.reason()),
        }
    }
}
