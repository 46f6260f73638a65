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
use super::{SOAP11_NS, SOAP12_NS, SharedStr, XmlError};
use crate::xml::stream::Event;
use crate::xml::{Infoset, XmlSink, XmlSource};

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
/// attributes. Blocks are equal when their elements (with the bindings they inherited) and
/// their SOAP attributes are; whether a layer understood one does not count.
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

/// Compares the elements (with the bindings they inherited) and the SOAP attributes, not whether
/// a layer understood the header.
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
    ///
    /// The codec must write one element, named `{H::NAMESPACE}H::NAME`, that declares every
    /// prefix it uses and carries no SOAP attribute (`mustUnderstand`, `role`, `actor`,
    /// `relay` in either SOAP envelope namespace: they are the block's fields); anything else
    /// is an error.
    pub fn from_header<H: Header>(header: &H) -> Result<Self, XmlError> {
        /// Checks what the codec of header `{namespace}name` wrote: one element (comments and
        /// whitespace around it aside), every prefix declared (reading the events resolves
        /// each one), no SOAP attribute on the root.
        fn check(element: &Infoset, namespace: &str, name: &str) -> Result<(), XmlError> {
            let header = || format!("{{{namespace}}}{name}");
            let mut reader = element.reader();
            let mut depth = 0usize;
            let mut roots = 0usize;
            loop {
                match reader.next() {
                    Ok(Event::Start(_)) => {}
                    Ok(Event::End) => {
                        depth = depth.saturating_sub(1);
                        continue;
                    }
                    Ok(Event::Text(text)) if depth == 0 && !text.is_whitespace() => {
                        return Err(XmlError::Custom(format!(
                            "header {} wrote text outside its element",
                            header()
                        )));
                    }
                    Ok(Event::Text(_) | Event::Comment(_)) => continue,
                    Ok(Event::Eof) => break,
                    Err(e) => return Err(e.at(&header())),
                }
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(XmlError::Custom(format!(
                            "header {} wrote more than one element",
                            header()
                        )));
                    }
                }
                for attribute in reader.attributes() {
                    let attribute = attribute.map_err(|e| e.at(&header()))?.name;
                    if depth == 0
                        && (attribute.namespace == SOAP12_NS || attribute.namespace == SOAP11_NS)
                        && matches!(
                            attribute.local,
                            "mustUnderstand" | "role" | "actor" | "relay"
                        )
                    {
                        return Err(XmlError::Custom(format!(
                            "header {} wrote the SOAP attribute {{{}}}{} on its element: set \
                             the HeaderBlock's field instead",
                            header(),
                            attribute.namespace,
                            attribute.local
                        )));
                    }
                }
                depth += 1;
            }
            if roots == 0 {
                return Err(XmlError::Custom(format!(
                    "header {} wrote no element",
                    header()
                )));
            }
            Ok(())
        }

        let mut element = Infoset::with_capacity(128, 8);
        header.write(&mut element)?;
        check(&element, H::NAMESPACE, H::NAME)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    type Write = Box<dyn Fn(&mut dyn XmlSink) -> Result<(), XmlError>>;

    /// A header `{urn:h}H` whose codec writes what its closure does.
    struct Raw(Write);

    impl Header for Raw {
        const NAMESPACE: &'static str = "urn:h";
        const NAME: &'static str = "H";

        fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError> {
            (self.0)(out)
        }

        fn read(_: &Infoset) -> Result<Self, XmlError> {
            Ok(Raw(Box::new(|_| Ok(()))))
        }
    }

    fn written(
        write: impl Fn(&mut dyn XmlSink) -> Result<(), XmlError> + 'static,
    ) -> Result<HeaderBlock, XmlError> {
        HeaderBlock::from_header(&Raw(Box::new(write)))
    }

    /// The error's message; panics if the block was accepted.
    fn refused(result: Result<HeaderBlock, XmlError>) -> String {
        match result {
            Ok(block) => panic!("accepted {:?}", block.element()),
            Err(e) => e.to_string(),
        }
    }

    /// `<H xmlns="urn:h" xmlns:p="namespace" p:local="value"/>`.
    fn with_attribute(
        namespace: &'static str,
        local: &'static str,
    ) -> Result<HeaderBlock, XmlError> {
        written(move |out| {
            out.start_element("", "H")?;
            out.xmlns("", "urn:h")?;
            out.xmlns("p", namespace)?;
            out.attribute("p", local, "1")?;
            out.end_element()
        })
    }

    #[test]
    fn a_well_written_header_is_accepted() {
        let block = written(|out| {
            out.start_element("h", "H")?;
            out.xmlns("h", "urn:h")?;
            // SOAP-named attributes in no or other namespaces, and SOAP attributes below the
            // root, are the header's own content.
            out.attribute("", "mustUnderstand", "1")?;
            out.attribute("xml", "lang", "en")?;
            out.start_element("s", "Child")?;
            out.xmlns("s", SOAP12_NS)?;
            out.attribute("s", "role", "r")?;
            out.end_element()?;
            out.end_element()
        })
        .unwrap();
        assert!(block.is("urn:h", "H"));
        assert!(!block.must_understand);
        assert!(with_attribute("urn:other", "mustUnderstand").is_ok());
    }

    #[test]
    fn soap_attributes_written_by_the_codec_are_refused() {
        for namespace in [SOAP12_NS, SOAP11_NS] {
            for local in ["mustUnderstand", "role", "actor", "relay"] {
                let error = refused(with_attribute(namespace, local));
                assert!(
                    error.contains(&format!("SOAP attribute {{{namespace}}}{local}")),
                    "{error}"
                );
                assert!(error.contains("field"), "{error}");
            }
        }
        // Written before the declaration of its prefix, on an element in the SOAP namespace.
        let error = refused(written(|out| {
            out.start_element("s", "H")?;
            out.attribute("s", "mustUnderstand", "0")?;
            out.xmlns("s", SOAP12_NS)?;
            out.end_element()
        }));
        assert!(error.contains("mustUnderstand"), "{error}");
    }

    #[test]
    fn undeclared_prefixes_are_refused() {
        let unknown = |result: Result<HeaderBlock, XmlError>, prefix: &str| {
            let error = result.unwrap_err();
            assert!(
                matches!(error.innermost(), XmlError::UnknownPrefix(p) if p == prefix),
                "{error}"
            );
            assert!(error.to_string().contains("{urn:h}H"), "{error}");
        };
        // On the element itself.
        unknown(
            written(|out| {
                out.start_element("h", "H")?;
                out.end_element()
            }),
            "h",
        );
        // On a child.
        unknown(
            written(|out| {
                out.start_element("h", "H")?;
                out.xmlns("h", "urn:h")?;
                out.start_element("q", "Child")?;
                out.end_element()?;
                out.end_element()
            }),
            "q",
        );
        // On an attribute of a child.
        unknown(
            written(|out| {
                out.start_element("h", "H")?;
                out.xmlns("h", "urn:h")?;
                out.start_element("h", "Child")?;
                out.attribute("z", "a", "1")?;
                out.end_element()?;
                out.end_element()
            }),
            "z",
        );
    }

    #[test]
    fn debug_shows_the_inherited_scope() {
        let mut element = Infoset::new();
        element.inherit("h", "urn:h");
        element.start("h", "H");
        element.end();
        assert_eq!(
            format!("{element:?}"),
            r#"Infoset { text: "<h:H/>", inherited: [("h", "urn:h")] }"#
        );
        let block = HeaderBlock::new(element);
        assert!(format!("{block:?}").contains("inherited"));
        assert_eq!(
            format!("{:?}", Infoset::parse(r#"<H xmlns="urn:h"/>"#).unwrap()),
            r#"Infoset("<H xmlns=\"urn:h\"/>")"#
        );
    }

    #[test]
    fn one_element_is_written() {
        let two = written(|out| {
            for _ in 0..2 {
                out.start_element("", "H")?;
                out.xmlns("", "urn:h")?;
                out.end_element()?;
            }
            Ok(())
        });
        assert!(refused(two).contains("more than one element"));
        assert!(refused(written(|_| Ok(()))).contains("no element"));
        let text = written(|out| {
            out.text("x")?;
            out.start_element("", "H")?;
            out.xmlns("", "urn:h")?;
            out.end_element()
        });
        assert!(refused(text).contains("text outside"));
    }
}
