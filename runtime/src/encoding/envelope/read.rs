//! Reading a SOAP envelope from any [`XmlSource`] into a [`Message`].

use crate::encoding::EncodingError;
use crate::message::{
    Body, HeaderBlock, Headers, Message, MessageId, SOAP12_NS, SharedStr, WSA10_ANONYMOUS,
};
use crate::xml::stream::{Event, Text, XmlSource};
use crate::xml::{Infoset, XmlError};

use super::MessageVersion;
use super::fault;
use super::version::Addressing;

fn malformed(message: impl Into<String>) -> EncodingError {
    EncodingError::Malformed(message.into())
}

/// The addressing strings (actions, addresses) of a connection's recent messages: a message
/// that repeats one shares its copy instead of allocating its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecentStrings {
    recent: [Option<SharedStr>; 4],
    next: usize,
}

impl RecentStrings {
    fn share(&mut self, text: &str) -> SharedStr {
        if let Some(known) = self.recent.iter().flatten().find(|s| s.as_str() == text) {
            return known.clone();
        }
        let shared = SharedStr::copy_of(text);
        let slot = self.next % self.recent.len();
        self.recent[slot] = Some(shared.clone());
        self.next = slot + 1;
        shared
    }
}

/// Reads one envelope of `version`, and nothing but comments and whitespace around it;
/// `strings` are the connection's recent addressing strings.
pub(crate) fn read_message<R: XmlSource>(
    version: MessageVersion,
    source: &mut R,
    strings: &mut RecentStrings,
) -> Result<Message, EncodingError> {
    let envelope = version.envelope_namespace();
    loop {
        match source.next()? {
            Event::Start(root) => {
                if root.local != "Envelope" {
                    return Err(malformed(format!(
                        "the root element is <{}>, not a SOAP Envelope",
                        root.local
                    )));
                }
                if root.namespace != envelope {
                    return Err(EncodingError::VersionMismatch {
                        expected: envelope,
                        found: root.namespace.to_owned(),
                    });
                }
                break;
            }
            Event::Comment(_) => {}
            Event::Text(text) if text.is_whitespace() => {}
            Event::Eof => return Err(malformed("the message has no Envelope element")),
            Event::Text(_) | Event::End => {
                return Err(malformed("content before the Envelope element"));
            }
        }
    }
    let message = Reader {
        source,
        version,
        scratch: String::new(),
        strings,
    }
    .envelope()?;
    loop {
        match source.next()? {
            Event::Eof => return Ok(message),
            Event::Comment(_) => {}
            Event::Text(text) if text.is_whitespace() => {}
            _ => return Err(malformed("content after the end of the Envelope")),
        }
    }
}

/// The most header blocks (headers other than the addressing ones) a message may have.
pub(crate) const MAX_HEADER_BLOCKS: usize = 256;

/// Which addressing header a child of the Header is.
#[derive(Clone, Copy)]
enum AddressingHeader {
    Action,
    MessageId,
    RelatesTo,
    To,
    ReplyTo,
}

struct Reader<'s, R> {
    source: &'s mut R,
    version: MessageVersion,
    /// An addressing header's text, before it is shared.
    scratch: String,
    strings: &'s mut RecentStrings,
}

impl<R: XmlSource> Reader<'_, R> {
    fn envelope_ns(&self) -> &'static str {
        self.version.envelope_namespace()
    }

    /// The Envelope's content, after its start tag, through its end tag.
    fn envelope(&mut self) -> Result<Message, EncodingError> {
        let mut headers = Headers::default();
        let mut seen_header = false;
        let envelope = self.envelope_ns();
        loop {
            let is_header = match self.source.next_child()? {
                None => return Err(malformed("the Envelope has no Body")),
                Some(name) if name.is(envelope, "Header") && !seen_header => true,
                Some(name) if name.is(envelope, "Body") => false,
                Some(name) => {
                    return Err(malformed(format!(
                        "unexpected element <{}> in the Envelope (expected Header or Body)",
                        name.local
                    )));
                }
            };
            if is_header {
                seen_header = true;
                self.header(&mut headers)?;
                continue;
            }
            let mut body = self.body()?;
            self.after_body()?;
            if self.version.has_addressing() && headers.action.is_none() {
                return Err(malformed(
                    "the required WS-Addressing header wsa:Action is missing",
                ));
            }
            if let Body::Fault(fault) = &mut body {
                fault.not_understood = take_not_understood(&mut headers)?.into();
            }
            return Ok(Message { headers, body });
        }
    }

    /// After the Body: SOAP 1.1 allows further elements (skipped), SOAP 1.2 does not.
    fn after_body(&mut self) -> Result<(), EncodingError> {
        loop {
            match self.source.next_child()? {
                None => return Ok(()),
                Some(_) if !self.version.is_soap12() => self.source.skip()?,
                Some(name) => {
                    return Err(malformed(format!(
                        "unexpected element <{}> after the Body",
                        name.local
                    )));
                }
            }
        }
    }

    /// The Header's children, after its start tag, through its end tag.
    fn header(&mut self, headers: &mut Headers) -> Result<(), EncodingError> {
        let addressing = self.version.addressing();
        loop {
            let found = match (self.source.next_child()?, addressing) {
                (None, _) => return Ok(()),
                (Some(name), Some(a)) if name.namespace == a.namespace => match name.local {
                    "Action" => Some((a, AddressingHeader::Action)),
                    "MessageID" => Some((a, AddressingHeader::MessageId)),
                    "RelatesTo" => Some((a, AddressingHeader::RelatesTo)),
                    "To" => Some((a, AddressingHeader::To)),
                    "ReplyTo" => Some((a, AddressingHeader::ReplyTo)),
                    _ => None,
                },
                (Some(_), _) => None,
            };
            let Some((wire, kind)) = found else {
                if headers.other.len() >= MAX_HEADER_BLOCKS {
                    return Err(XmlError::TooMany {
                        what: "headers",
                        limit: MAX_HEADER_BLOCKS,
                    }
                    .into());
                }
                let block = self.block()?;
                headers.other.push(block);
                continue;
            };
            let (what, duplicate) = match kind {
                AddressingHeader::Action => ("wsa:Action", headers.action.is_some()),
                AddressingHeader::MessageId => ("wsa:MessageID", headers.message_id.is_some()),
                AddressingHeader::RelatesTo => ("wsa:RelatesTo", headers.relates_to.is_some()),
                AddressingHeader::To => ("wsa:To", headers.to.is_some()),
                AddressingHeader::ReplyTo => ("wsa:ReplyTo", headers.reply_to.is_some()),
            };
            if duplicate {
                return Err(malformed(format!(
                    "the message has more than one {what} header"
                )));
            }
            match kind {
                AddressingHeader::Action => headers.action = Some(self.text(wire)?),
                AddressingHeader::To => headers.to = Some(self.text(wire)?),
                AddressingHeader::ReplyTo => {
                    headers.reply_to = Some(self.endpoint_address(wire)?);
                }
                AddressingHeader::MessageId => headers.message_id = Some(self.id()?),
                AddressingHeader::RelatesTo => headers.relates_to = Some(self.id()?),
            }
        }
    }

    /// An addressing header's text, through its end tag, in the model's form.
    fn text(&mut self, addressing: Addressing) -> Result<SharedStr, EncodingError> {
        let value = self.source.text_in(&mut self.scratch)?;
        Ok(match addressing.to_model(value) {
            Some(model) => SharedStr::from_static(model),
            None if value == WSA10_ANONYMOUS => SharedStr::from_static(WSA10_ANONYMOUS),
            None => self.strings.share(value),
        })
    }

    /// A `MessageID` or `RelatesTo`, through its end tag: a GUID record stays a GUID.
    fn id(&mut self) -> Result<MessageId, EncodingError> {
        self.scratch.clear();
        let mut guid = None;
        loop {
            match self.source.next()? {
                Event::Text(Text::UniqueId(id)) if self.scratch.is_empty() && guid.is_none() => {
                    guid = Some(id);
                }
                Event::Text(piece) => {
                    if let Some(id) = guid.take() {
                        Text::UniqueId(id).push_to(&mut self.scratch);
                    }
                    piece.push_to(&mut self.scratch);
                }
                Event::Comment(_) => {}
                Event::End => break,
                Event::Start(_) => {
                    return Err(XmlError::ExpectedText("wsa:MessageID".into()).into());
                }
                Event::Eof => return Err(XmlError::UnexpectedEof.into()),
            }
        }
        Ok(match guid {
            Some(id) => MessageId::Uuid(id),
            None => MessageId::parse(&self.scratch),
        })
    }

    /// `wsa:ReplyTo`'s `wsa:Address`, skipping reference parameters and metadata.
    fn endpoint_address(&mut self, addressing: Addressing) -> Result<SharedStr, EncodingError> {
        let mut address = None;
        loop {
            let is_address = match self.source.next_child()? {
                None => break,
                Some(name) => name.is(addressing.namespace, "Address"),
            };
            if is_address && address.is_none() {
                address = Some(self.text(addressing)?);
            } else {
                self.source.skip()?;
            }
        }
        address.ok_or_else(|| malformed("wsa:ReplyTo has no wsa:Address"))
    }

    /// A header other than the addressing ones, its SOAP attributes taken out as fields.
    fn block(&mut self) -> Result<HeaderBlock, EncodingError> {
        let envelope = self.envelope_ns();
        let soap12 = self.version.is_soap12();
        let must_understand = match self.source.attribute(envelope, "mustUnderstand")? {
            Some(value) => parse_bool(&value, "mustUnderstand")?,
            None => false,
        };
        let relay = match self.source.attribute(envelope, "relay")? {
            Some(value) if soap12 => parse_bool(&value, "relay")?,
            _ => false,
        };
        let role = self
            .source
            .attribute(envelope, if soap12 { "role" } else { "actor" })?
            .map(|role| SharedStr::from(role.into_owned()));
        let mut element = Infoset::with_capacity(128, 8);
        // The version's SOAP attributes become fields; anything else stays in the element.
        element.capture(self.source, |name| {
            name.namespace == envelope
                && match name.local {
                    "mustUnderstand" => true,
                    "relay" | "role" => soap12,
                    "actor" => !soap12,
                    _ => false,
                }
        })?;
        let mut block = HeaderBlock::new(element);
        block.must_understand = must_understand;
        block.relay = relay;
        block.role = role;
        Ok(block)
    }

    /// The Body's content, after its start tag, through its end tag: its first element (the
    /// others are checked and dropped).
    fn body(&mut self) -> Result<Body, EncodingError> {
        let mut body = Body::Empty;
        let mut first = true;
        let envelope = self.envelope_ns();
        loop {
            let is_fault = match self.source.next_child()? {
                None => return Ok(body),
                Some(name) => name.is(envelope, "Fault"),
            };
            if !first {
                self.source.skip()?;
                continue;
            }
            first = false;
            body = if is_fault {
                Body::Fault(fault::read(self.source, self.version)?)
            } else if let Some(fragment) = self.source.cut_fragment()? {
                Body::Xml(fragment)
            } else {
                // Sized from the bytes left so that a small body never grows (a record takes
                // about as many bytes as its text, a node at least one), but never more than a
                // small message's worth up front: a large one grows as it is read.
                let left = self.source.remaining().unwrap_or(256).min(4096);
                let mut infoset = Infoset::with_capacity(left + 128, left / 4 + 8);
                infoset.capture(self.source, |_| false)?;
                Body::Infoset(infoset)
            };
        }
    }
}

fn parse_bool(value: &str, what: &str) -> Result<bool, EncodingError> {
    match value.trim_matches([' ', '\t', '\r', '\n']) {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        other => Err(malformed(format!("invalid {what} value {other:?}"))),
    }
}

/// Takes the SOAP 1.2 `NotUnderstood` header blocks out of `headers`, as the names they carry.
fn take_not_understood(headers: &mut Headers) -> Result<Vec<(String, String)>, EncodingError> {
    let mut names = Vec::new();
    let mut error = None;
    headers.other.retain(|block| {
        if !block.is(SOAP12_NS, "NotUnderstood") {
            return true;
        }
        match not_understood_name(block) {
            Ok(name) => names.push(name),
            Err(e) => error = Some(e),
        }
        false
    });
    match error {
        Some(e) => Err(e),
        None => Ok(names),
    }
}

fn not_understood_name(block: &HeaderBlock) -> Result<(String, String), EncodingError> {
    let mut reader = block.element().reader();
    if !matches!(reader.next()?, Event::Start(_)) {
        return Err(malformed("an empty NotUnderstood header"));
    }
    let qname = reader
        .attribute("", "qname")?
        .ok_or_else(|| malformed("a NotUnderstood header without a qname"))?
        .into_owned();
    let (prefix, local) = qname.split_once(':').unwrap_or(("", qname.as_str()));
    let namespace = reader.resolve(prefix).ok_or_else(|| {
        malformed(format!(
            "NotUnderstood qname {qname:?} uses the undeclared prefix {prefix:?}"
        ))
    })?;
    Ok((namespace.to_owned(), local.to_owned()))
}

#[cfg(test)]
mod tests {
    use crate::encoding::text::TextEncoder;
    use crate::encoding::{EncodingError, MessageEncoder};
    use crate::message::{SOAP12_NS, WSA10_NS};
    use crate::xml::{MAX_ATTRIBUTES, MAX_BINDINGS};

    fn decode(
        header: &str,
        envelope_attributes: &str,
    ) -> Result<crate::message::Message, EncodingError> {
        let text = format!(
            r#"<s:Envelope xmlns:s="{SOAP12_NS}" xmlns:a="{WSA10_NS}"{envelope_attributes}><s:Header><a:Action>urn:a</a:Action>{header}</s:Header><s:Body/></s:Envelope>"#
        );
        TextEncoder::soap12().decode(text.as_bytes())
    }

    fn refused(result: Result<crate::message::Message, EncodingError>, needle: &str) {
        match result {
            Err(EncodingError::Malformed(message)) => {
                assert!(message.contains(needle), "{message}");
            }
            other => panic!("expected a refusal mentioning {needle:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_header_cannot_say_must_understand_twice() {
        // Readers would disagree on which one counts: refused, whatever the prefixes.
        refused(
            decode(
                r#"<h:H xmlns:h="urn:h" s:mustUnderstand="0" s:mustUnderstand="1"/>"#,
                "",
            ),
            "twice",
        );
        refused(
            decode(
                &format!(
                    r#"<h:H xmlns:h="urn:h" xmlns:e="{SOAP12_NS}" s:mustUnderstand="0" e:mustUnderstand="1"/>"#
                ),
                "",
            ),
            "twice",
        );
        refused(
            decode(r#"<h:H xmlns:h="urn:h" xmlns:h="urn:other"/>"#, ""),
            "twice",
        );
    }

    #[test]
    fn limits_on_headers_bindings_and_attributes() {
        let headers = "<x/>".repeat(super::MAX_HEADER_BLOCKS);
        assert_eq!(decode(&headers, "").unwrap().headers.other.len(), 256);
        refused(
            decode(&format!("{headers}<x/>"), ""),
            "more than 256 headers",
        );

        let declarations = |n: usize| {
            (0..n)
                .map(|i| format!(r#" xmlns:p{i}="urn:p{i}""#))
                .collect::<String>()
        };
        // The envelope declares two already.
        assert!(decode("<x/>", &declarations(MAX_BINDINGS - 2)).is_ok());
        refused(
            decode("<x/>", &declarations(MAX_BINDINGS - 1)),
            "namespace declarations in scope",
        );
        let attributes = |n: usize| (0..n).map(|i| format!(r#" a{i}="1""#)).collect::<String>();
        assert!(decode(&format!("<x{}/>", attributes(MAX_ATTRIBUTES)), "").is_ok());
        refused(
            decode(&format!("<x{}/>", attributes(MAX_ATTRIBUTES + 1)), ""),
            "attributes on one element",
        );
    }
}
