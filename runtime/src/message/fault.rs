//! SOAP faults: code, subcodes, reason and an optional typed detail.

use super::XmlFragment;

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
}

/// A fault code: its class and an optional chain of subcodes as `(namespace, local name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultCode {
    /// The code class.
    pub kind: FaultKind,
    /// Subcodes, outermost first.
    pub subcodes: Vec<(String, String)>,
}

/// A SOAP fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// The fault code.
    pub code: FaultCode,
    /// The human-readable reason (`xml:lang="en"`).
    pub reason: String,
    /// The detail element, if any.
    pub detail: Option<XmlFragment>,
}

impl Fault {
    /// A fault of `kind` with `reason` and no subcode.
    pub fn new(kind: FaultKind, reason: impl Into<String>) -> Self {
        Fault {
            code: FaultCode {
                kind,
                subcodes: Vec::new(),
            },
            reason: reason.into(),
            detail: None,
        }
    }

    /// Adds a subcode.
    pub fn with_subcode(mut self, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        self.code.subcodes.push((namespace.into(), name.into()));
        self
    }

    /// Sets the detail.
    pub fn with_detail(mut self, detail: XmlFragment) -> Self {
        self.detail = Some(detail);
        self
    }

    /// The innermost subcode's local name, if any (`ActionNotSupported`, `SessionTerminated`, …).
    pub fn subcode(&self) -> Option<&str> {
        self.code.subcodes.last().map(|(_, name)| name.as_str())
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.subcode() {
            Some(sub) => write!(f, "{:?}/{sub}: {}", self.code.kind, self.reason),
            None => write!(f, "{:?}: {}", self.code.kind, self.reason),
        }
    }
}
