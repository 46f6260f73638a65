//! [`MessageVersion`]: which SOAP envelope and which WS-Addressing version a message uses.

use crate::message::{
    SOAP11_NS, SOAP12_NS, WSA10_ANONYMOUS, WSA10_FAULT_ACTION, WSA10_NS, WSA200408_ANONYMOUS,
    WSA200408_FAULT_ACTION, WSA200408_NS,
};

/// The SOAP and WS-Addressing versions of an envelope, as WCF's `MessageVersion`.
///
/// The message model is the same for every version: the encoder writes the addressing headers
/// in the version's namespace (none for [`MessageVersion::Soap11`]), and maps the WS-Addressing
/// 1.0 anonymous address and fault action to the August 2004 ones and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageVersion {
    /// SOAP 1.2 with WS-Addressing 1.0 headers (`application/soap+xml`): WCF's NetTcp and WSHttp
    /// bindings.
    Soap12WsAddressing10,
    /// SOAP 1.1 without addressing (`text/xml`): WCF's BasicHttp binding. The action travels in
    /// the HTTP `SOAPAction` header, so the envelope carries no `wsa:*` header: the encoder drops
    /// the addressing fields of [`crate::message::Headers`] and the decoder keeps any `wsa:*`
    /// header it finds as a [`crate::message::HeaderBlock`].
    Soap11,
    /// SOAP 1.2 with WS-Addressing August 2004 (what WS-ReliableMessaging February 2005 peers
    /// may use).
    Soap12WsAddressingAugust2004,
    /// SOAP 1.1 with WS-Addressing 1.0.
    Soap11WsAddressing10,
    /// SOAP 1.1 with WS-Addressing August 2004.
    Soap11WsAddressingAugust2004,
}

/// A version of WS-Addressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addressing {
    /// The namespace of its headers.
    pub(crate) namespace: &'static str,
    /// Its anonymous address.
    pub(crate) anonymous: &'static str,
    /// Its fault action.
    pub(crate) fault_action: &'static str,
}

const WSA10: Addressing = Addressing {
    namespace: WSA10_NS,
    anonymous: WSA10_ANONYMOUS,
    fault_action: WSA10_FAULT_ACTION,
};

const WSA200408: Addressing = Addressing {
    namespace: WSA200408_NS,
    anonymous: WSA200408_ANONYMOUS,
    fault_action: WSA200408_FAULT_ACTION,
};

impl Addressing {
    /// An address or action of the model (WS-Addressing 1.0) as this version writes it.
    pub(crate) fn to_wire(self, value: &str) -> &str {
        match value {
            WSA10_ANONYMOUS => self.anonymous,
            WSA10_FAULT_ACTION => self.fault_action,
            other => other,
        }
    }

    /// An address or action read in this version, as the model holds it; `None` if unchanged.
    pub(crate) fn to_model(self, value: &str) -> Option<&'static str> {
        if self.namespace == WSA10_NS {
            None
        } else if value == self.anonymous {
            Some(WSA10_ANONYMOUS)
        } else if value == self.fault_action {
            Some(WSA10_FAULT_ACTION)
        } else {
            None
        }
    }
}

impl MessageVersion {
    /// Every version.
    pub const ALL: [MessageVersion; 5] = [
        MessageVersion::Soap12WsAddressing10,
        MessageVersion::Soap11,
        MessageVersion::Soap12WsAddressingAugust2004,
        MessageVersion::Soap11WsAddressing10,
        MessageVersion::Soap11WsAddressingAugust2004,
    ];

    /// Whether the envelope is SOAP 1.2 (else SOAP 1.1).
    pub const fn is_soap12(self) -> bool {
        matches!(
            self,
            MessageVersion::Soap12WsAddressing10 | MessageVersion::Soap12WsAddressingAugust2004
        )
    }

    /// The namespace of the `Envelope` element.
    pub const fn envelope_namespace(self) -> &'static str {
        if self.is_soap12() {
            SOAP12_NS
        } else {
            SOAP11_NS
        }
    }

    /// The MIME content type of the text encoding of this version.
    pub const fn content_type(self) -> &'static str {
        if self.is_soap12() {
            "application/soap+xml; charset=utf-8"
        } else {
            "text/xml; charset=utf-8"
        }
    }

    /// Whether the envelope carries WS-Addressing headers.
    pub const fn has_addressing(self) -> bool {
        !matches!(self, MessageVersion::Soap11)
    }

    /// The namespace of the addressing headers, if the envelope has them.
    pub const fn addressing_namespace(self) -> Option<&'static str> {
        match self.addressing() {
            Some(addressing) => Some(addressing.namespace),
            None => None,
        }
    }

    pub(crate) const fn addressing(self) -> Option<Addressing> {
        match self {
            MessageVersion::Soap11 => None,
            MessageVersion::Soap12WsAddressing10 | MessageVersion::Soap11WsAddressing10 => {
                Some(WSA10)
            }
            MessageVersion::Soap12WsAddressingAugust2004
            | MessageVersion::Soap11WsAddressingAugust2004 => Some(WSA200408),
        }
    }

    /// A short human-readable name ("SOAP 1.2", "SOAP 1.1 + WS-Addressing August 2004", …).
    pub const fn name(self) -> &'static str {
        match self {
            MessageVersion::Soap12WsAddressing10 => "SOAP 1.2",
            MessageVersion::Soap11 => "SOAP 1.1",
            MessageVersion::Soap12WsAddressingAugust2004 => "SOAP 1.2 + WS-Addressing August 2004",
            MessageVersion::Soap11WsAddressing10 => "SOAP 1.1 + WS-Addressing 1.0",
            MessageVersion::Soap11WsAddressingAugust2004 => "SOAP 1.1 + WS-Addressing August 2004",
        }
    }
}
