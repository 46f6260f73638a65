//! Message headers: the WS-Addressing ones as fields, every other one as a [`HeaderBlock`] that a
//! typed [`Header`] codec reads and writes.
//!
//! A header block keeps its element as XML events ([`Infoset`]), so a header read from the wire
//! is never printed as text or parsed again on its way through layers, and goes back on the wire
//! as it came. The SOAP attributes of a block (`mustUnderstand`, `role`/`actor`, `relay`) are
//! fields, written by the encoder in the form of the message's SOAP version.
//!
//! Headers nobody understands: a layer or the dispatcher that consumes a header marks it
//! ([`Headers::claim`], [`HeaderBlock::mark_understood`]); what is left marked
//! `mustUnderstand` and addressed to this node ([`Headers::not_understood`]) gets a
//! `MustUnderstand` fault, as WCF's `UnderstoodHeaders`.

use super::{MessageId, SOAP11_ACTOR_NEXT, SOAP12_ROLE_NEXT, SOAP12_ROLE_ULTIMATE_RECEIVER};
use super::{SharedStr, XmlError};
use crate::xml::{Infoset, XmlSink};

/// A typed SOAP header: its element's name, and how it is written to and read from XML events.
///
/// Implement it by hand for protocol headers with attributes or children from several
/// namespaces (as WS-ReliableMessaging's), or derive it for a serde data contract:
///
/// ```ignore
/// use indigo::message::{Header, Headers};
///
/// #[derive(serde::Serialize, serde::Deserialize, Header, Debug, PartialEq)]
/// #[header(namespace = "urn:example:tenancy")]
/// struct Tenant {
///     #[serde(rename = "Id")]
///     id: u32,
/// }
/// ```
///
/// which generates (and what this crate, below the macros, writes by hand):
///
/// ```
/// use indigo_runtime::message::{Header, Headers, data_contract};
/// use indigo_runtime::xml::{Infoset, XmlError, XmlSink};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Tenant {
///     #[serde(rename = "Id")]
///     id: u32,
/// }
///
/// impl Header for Tenant {
///     const NAMESPACE: &'static str = "urn:example:tenancy";
///     const NAME: &'static str = "Tenant";
///
///     fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError> {
///         data_contract::write(self, Self::NAME, Self::NAMESPACE, out)
///     }
///
///     fn read(element: &Infoset) -> Result<Self, XmlError> {
///         data_contract::read(element)
///     }
/// }
///
/// let mut headers = Headers::default();
/// headers.insert(&Tenant { id: 7 })?;
/// assert_eq!(headers.get::<Tenant>()?, Some(Tenant { id: 7 }));
/// # Ok::<(), XmlError>(())
/// ```
pub trait Header: Sized {
    /// The namespace of the header element.
    const NAMESPACE: &'static str;
    /// The local name of the header element.
    const NAME: &'static str;
    /// Whether the header is sent `mustUnderstand` (a protocol header the receiver must not
    /// ignore); [`HeaderBlock::must_understand`] can change it per message.
    const MUST_UNDERSTAND: bool = false;

    /// Writes the header element (`{NAMESPACE}NAME`, with the declarations it needs, its
    /// attributes and content) to `out`.
    fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError>;

    /// Reads the header from its element (read it with [`Infoset::reader`], or with
    /// [`from_infoset`](crate::xml::from_infoset)).
    fn read(element: &Infoset) -> Result<Self, XmlError>;
}

/// The codec of headers that are serde data contracts (what `#[derive(Header)]` generates calls
/// to): the DataContractSerializer's shape, an element with one child element per field in the
/// contract's namespace, as WCF's `MessageHeader<T>` writes it.
pub mod data_contract {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use crate::xml::{self, Infoset, XmlError, XmlSink};

    /// Writes `value` as the header element `{namespace}name`.
    pub fn write<T: Serialize + ?Sized>(
        value: &T,
        name: &str,
        namespace: &str,
        out: &mut dyn XmlSink,
    ) -> Result<(), XmlError> {
        xml::to_infoset(value, name, namespace)?.write_to(out, &[], false)
    }

    /// Reads a header element as a `T`.
    pub fn read<T: DeserializeOwned>(element: &Infoset) -> Result<T, XmlError> {
        xml::from_infoset(element)
    }
}

/// One header other than the addressing ones: its element as XML events and its SOAP
/// attributes. Blocks are equal when what goes on the wire is (whether a layer understood one
/// does not count).
#[derive(Debug, Clone)]
pub struct HeaderBlock {
    /// The header element, without its SOAP attributes.
    element: Infoset,
    /// Whether the receiver must understand the header or fault (`mustUnderstand`).
    pub must_understand: bool,
    /// Whether an intermediary that does not process the header passes it on (SOAP 1.2
    /// `relay`; not written in SOAP 1.1).
    pub relay: bool,
    /// The node the header is for (SOAP 1.2 `role`, SOAP 1.1 `actor`); `None`: the ultimate
    /// receiver.
    pub role: Option<SharedStr>,
    /// Whether a layer or the dispatcher has consumed it (not sent on the wire).
    understood: bool,
}

impl PartialEq for HeaderBlock {
    fn eq(&self, other: &Self) -> bool {
        self.element == other.element
            && self.must_understand == other.must_understand
            && self.relay == other.relay
            && self.role == other.role
    }
}

impl HeaderBlock {
    /// A block holding `element` (one element, with the declarations it needs), without SOAP
    /// attributes.
    pub fn new(element: Infoset) -> Self {
        HeaderBlock {
            element,
            must_understand: false,
            relay: false,
            role: None,
            understood: false,
        }
    }

    /// `header` written as a block, `mustUnderstand` as its type says.
    pub fn from_header<H: Header>(header: &H) -> Result<Self, XmlError> {
        let mut element = Infoset::with_capacity(128, 8);
        header.write(&mut element)?;
        let block = HeaderBlock {
            must_understand: H::MUST_UNDERSTAND,
            ..HeaderBlock::new(element)
        };
        if !block.is(H::NAMESPACE, H::NAME) {
            let (namespace, name) = block.name();
            return Err(XmlError::Custom(format!(
                "header {{{}}}{} wrote the element {{{namespace}}}{name}",
                H::NAMESPACE,
                H::NAME
            )));
        }
        Ok(block)
    }

    /// The header element (its SOAP attributes are the block's fields).
    pub fn element(&self) -> &Infoset {
        &self.element
    }

    /// The element's namespace and local name (`("", "")` if it holds no element).
    pub fn name(&self) -> (&str, &str) {
        self.element.root_element().unwrap_or(("", ""))
    }

    /// Whether the element is `{namespace}local`.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.name() == (namespace, local)
    }

    /// Reads the block as an `H` (whatever its name).
    pub fn read<H: Header>(&self) -> Result<H, XmlError> {
        H::read(&self.element)
    }

    /// Whether a layer or the dispatcher consumed the header.
    pub fn is_understood(&self) -> bool {
        self.understood
    }

    /// Marks the header consumed: it no longer makes a `mustUnderstand` fault.
    pub fn mark_understood(&mut self) {
        self.understood = true;
    }

    /// Whether the header is addressed to the ultimate receiver (no role, or the SOAP 1.2
    /// `next` or `ultimateReceiver` role, or the SOAP 1.1 `next` actor); headers for other
    /// roles (and the `none` role) are not this node's to understand.
    pub fn is_for_ultimate_receiver(&self) -> bool {
        match self.role.as_deref() {
            None | Some("") => true,
            Some(role) => matches!(
                role,
                SOAP12_ROLE_NEXT | SOAP12_ROLE_ULTIMATE_RECEIVER | SOAP11_ACTOR_NEXT
            ),
        }
    }
}

/// The headers of a message: the WS-Addressing ones as fields, the rest as [`HeaderBlock`]s.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headers {
    /// `wsa:Action`.
    pub action: Option<SharedStr>,
    /// `wsa:MessageID`.
    pub message_id: Option<MessageId>,
    /// `wsa:RelatesTo`: the `MessageID` of the request this message answers.
    pub relates_to: Option<MessageId>,
    /// `wsa:To`.
    pub to: Option<SharedStr>,
    /// `wsa:ReplyTo/wsa:Address`.
    pub reply_to: Option<SharedStr>,
    /// Every other header, in order.
    pub other: Vec<HeaderBlock>,
}

impl Headers {
    /// Adds `header` (after the others) and returns its block, to set its SOAP attributes.
    pub fn insert<H: Header>(&mut self, header: &H) -> Result<&mut HeaderBlock, XmlError> {
        let block = HeaderBlock::from_header(header)?;
        let index = self.other.len();
        self.other.push(block);
        Ok(&mut self.other[index])
    }

    /// The first block named `{namespace}local`.
    pub fn find(&self, namespace: &str, local: &str) -> Option<&HeaderBlock> {
        self.other.iter().find(|block| block.is(namespace, local))
    }

    /// The first block named `{namespace}local`, to change.
    pub fn find_mut(&mut self, namespace: &str, local: &str) -> Option<&mut HeaderBlock> {
        self.other
            .iter_mut()
            .find(|block| block.is(namespace, local))
    }

    /// Reads the first `H` header; `Ok(None)` if there is none.
    pub fn get<H: Header>(&self) -> Result<Option<H>, XmlError> {
        self.find(H::NAMESPACE, H::NAME)
            .map(HeaderBlock::read)
            .transpose()
    }

    /// Reads the first `H` header and marks every `H` header understood (what a layer does with
    /// the header it consumes); `Ok(None)` if there is none.
    pub fn claim<H: Header>(&mut self) -> Result<Option<H>, XmlError> {
        let header = self.get::<H>()?;
        self.understand(H::NAMESPACE, H::NAME);
        Ok(header)
    }

    /// Marks every header named `{namespace}local` understood; returns how many there were.
    pub fn understand(&mut self, namespace: &str, local: &str) -> usize {
        let mut count = 0;
        for block in self.other.iter_mut().filter(|b| b.is(namespace, local)) {
            block.mark_understood();
            count += 1;
        }
        count
    }

    /// Removes every `H` header; returns how many there were.
    pub fn remove<H: Header>(&mut self) -> usize {
        let before = self.other.len();
        self.other.retain(|block| !block.is(H::NAMESPACE, H::NAME));
        before - self.other.len()
    }

    /// The headers marked `mustUnderstand`, addressed to this node, that nothing understood.
    pub fn not_understood(&self) -> impl Iterator<Item = &HeaderBlock> {
        self.other.iter().filter(|block| {
            block.must_understand && !block.understood && block.is_for_ultimate_receiver()
        })
    }
}
