//! Writing a [`Message`] as a SOAP envelope to any [`XmlSink`], in the shape WCF writes it.

use crate::encoding::EncodingError;
use crate::message::{
    Body, HeaderBlock, Message, MessageId, SOAP11_ACTOR_NEXT, SOAP11_NS, SOAP12_NS,
    SOAP12_ROLE_NEXT, SharedStr,
};
use crate::xml::stream::{FixedEvent, FixedEvents};
use crate::xml::{Infoset, InfosetEvent, XmlError, XmlFragment, XmlSink, needs_declaring};
use smallvec::SmallVec;

use super::MessageVersion;
use super::fault;

use FixedEvent::{Attribute, End, Start, StartInline, Xmlns};

macro_rules! fixed {
    ($name:ident = $id:expr, [$($event:expr),* $(,)?]) => {
        static $name: FixedEvents = FixedEvents::new($id, &[$($event),*]);
    };
}

fixed!(
    ENVELOPE_12_WSA10 = 0,
    [
        Start("s", "Envelope"),
        Xmlns("s", SOAP12_NS),
        Xmlns("a", crate::message::WSA10_NS),
    ]
);
fixed!(
    ENVELOPE_12_WSA200408 = 1,
    [
        Start("s", "Envelope"),
        Xmlns("s", SOAP12_NS),
        Xmlns("a", crate::message::WSA200408_NS),
    ]
);
fixed!(
    ENVELOPE_11 = 2,
    [Start("s", "Envelope"), Xmlns("s", SOAP11_NS)]
);
fixed!(
    ENVELOPE_11_WSA10 = 3,
    [
        Start("s", "Envelope"),
        Xmlns("s", SOAP11_NS),
        Xmlns("a", crate::message::WSA10_NS),
    ]
);
fixed!(
    ENVELOPE_11_WSA200408 = 4,
    [
        Start("s", "Envelope"),
        Xmlns("s", SOAP11_NS),
        Xmlns("a", crate::message::WSA200408_NS),
    ]
);
fixed!(HEADER = 5, [Start("s", "Header")]);
// The addressing headers, up to their text, in the order WCF writes them.
fixed!(
    ACTION = 6,
    [Start("a", "Action"), Attribute("s", "mustUnderstand", "1")]
);
fixed!(MESSAGE_ID = 7, [Start("a", "MessageID")]);
fixed!(RELATES_TO = 8, [Start("a", "RelatesTo")]);
// `Address` with an inline name, as Mono writes it (and the captures have it).
fixed!(
    REPLY_TO = 9,
    [Start("a", "ReplyTo"), StartInline("a", "Address")]
);
fixed!(
    TO = 10,
    [Start("a", "To"), Attribute("s", "mustUnderstand", "1")]
);
fixed!(HEADER_END_BODY = 11, [End, Start("s", "Body")]);
fixed!(BODY = 12, [Start("s", "Body")]);
fixed!(BODY_END = 13, [End, End]);

impl MessageVersion {
    /// The envelope's start, with its declarations.
    fn envelope_start(self) -> &'static FixedEvents {
        match self {
            MessageVersion::Soap12WsAddressing10 => &ENVELOPE_12_WSA10,
            MessageVersion::Soap12WsAddressingAugust2004 => &ENVELOPE_12_WSA200408,
            MessageVersion::Soap11 => &ENVELOPE_11,
            MessageVersion::Soap11WsAddressing10 => &ENVELOPE_11_WSA10,
            MessageVersion::Soap11WsAddressingAugust2004 => &ENVELOPE_11_WSA200408,
        }
    }

    /// The bindings the envelope puts in scope for everything inside it.
    pub(crate) fn envelope_scope(self) -> &'static [(&'static str, &'static str)] {
        use crate::message::{WSA10_NS, WSA200408_NS};
        match self {
            MessageVersion::Soap12WsAddressing10 => &[("s", SOAP12_NS), ("a", WSA10_NS)],
            MessageVersion::Soap11 => &[("s", SOAP11_NS)],
            MessageVersion::Soap12WsAddressingAugust2004 => {
                &[("s", SOAP12_NS), ("a", WSA200408_NS)]
            }
            MessageVersion::Soap11WsAddressing10 => &[("s", SOAP11_NS), ("a", WSA10_NS)],
            MessageVersion::Soap11WsAddressingAugust2004 => {
                &[("s", SOAP11_NS), ("a", WSA200408_NS)]
            }
        }
    }
}

/// Writes `message` as an envelope of `version`.
pub(crate) fn write_message<S: XmlSink + ?Sized>(
    version: MessageVersion,
    message: &Message,
    sink: &mut S,
) -> Result<(), EncodingError> {
    let headers = &message.headers;
    let addressing = version.addressing();
    if addressing.is_some() && headers.action.is_none() {
        return Err(EncodingError::Malformed(format!(
            "a {} message needs a wsa:Action header",
            version.name()
        )));
    }
    let scope = version.envelope_scope();
    sink.fixed(version.envelope_start())?;

    let not_understood = match &message.body {
        Body::Fault(fault) if version.is_soap12() => &fault.not_understood[..],
        _ => &[],
    };
    // With addressing there is an action (checked above), so a Header.
    let has_header =
        addressing.is_some() || !headers.other.is_empty() || !not_understood.is_empty();
    if has_header {
        sink.fixed(&HEADER)?;
        if let Some(addressing) = addressing {
            fn text(
                addressing: super::version::Addressing,
                value: &Option<SharedStr>,
            ) -> Option<&str> {
                value.as_deref().map(|v| addressing.to_wire(v))
            }
            let text = |value| text(addressing, value);
            write_text_header(sink, &ACTION, 1, text(&headers.action))?;
            write_id_header(sink, &MESSAGE_ID, headers.message_id.as_ref())?;
            write_id_header(sink, &RELATES_TO, headers.relates_to.as_ref())?;
            write_text_header(sink, &REPLY_TO, 2, text(&headers.reply_to))?;
            write_text_header(sink, &TO, 1, text(&headers.to))?;
        }
        for (namespace, name) in not_understood {
            write_not_understood(sink, namespace, name)?;
        }
        for block in &headers.other {
            write_block(sink, block, version, scope)?;
        }
        sink.fixed(&HEADER_END_BODY)?;
    } else {
        sink.fixed(&BODY)?;
    }

    match &message.body {
        Body::Empty => {}
        Body::Xml(fragment) => write_fragment(sink, fragment, scope)?,
        Body::Infoset(infoset) => infoset.write_to(sink, scope, true)?,
        Body::Fault(f) => fault::write(sink, f, version, scope)?,
    }
    sink.fixed(&BODY_END)?;
    Ok(())
}

fn write_fragment<S: XmlSink + ?Sized>(
    sink: &mut S,
    fragment: &XmlFragment,
    scope: &[(&str, &str)],
) -> Result<(), XmlError> {
    sink.fragment(fragment, scope, true)
}

/// Writes a text-valued addressing header: its start (`ends` elements deep), the text, its end.
fn write_text_header<S: XmlSink + ?Sized>(
    sink: &mut S,
    start: &'static FixedEvents,
    ends: usize,
    value: Option<&str>,
) -> Result<(), XmlError> {
    let Some(value) = value else {
        return Ok(());
    };
    sink.fixed(start)?;
    sink.text(value)?;
    for _ in 0..ends {
        sink.end_element()?;
    }
    Ok(())
}

fn write_id_header<S: XmlSink + ?Sized>(
    sink: &mut S,
    start: &'static FixedEvents,
    id: Option<&MessageId>,
) -> Result<(), XmlError> {
    let Some(id) = id else {
        return Ok(());
    };
    sink.fixed(start)?;
    match id {
        MessageId::Uuid(bytes) => sink.unique_id(bytes)?,
        MessageId::Text(text) => sink.text(text)?,
    }
    sink.end_element()
}

/// `<s:NotUnderstood qname="n:Name" xmlns:n="namespace"/>` (SOAP 1.2).
fn write_not_understood<S: XmlSink + ?Sized>(
    sink: &mut S,
    namespace: &str,
    name: &str,
) -> Result<(), XmlError> {
    sink.start_element("s", "NotUnderstood")?;
    let qname = if namespace.is_empty() {
        name.to_owned()
    } else {
        sink.xmlns("n", namespace)?;
        format!("n:{name}")
    };
    sink.attribute("", "qname", &qname)?;
    sink.end_element()
}

/// Writes a header block, its SOAP attributes written right after its element's start.
fn write_block<S: XmlSink + ?Sized>(
    sink: &mut S,
    block: &HeaderBlock,
    version: MessageVersion,
    scope: &[(&str, &str)],
) -> Result<(), XmlError> {
    let soap = SoapAttributes::of(block, version, scope);
    if soap.is_empty() {
        return block.element().write_to(sink, scope, false);
    }
    let mut sink = InjectAfterStart {
        inner: sink,
        pending: Some(soap),
    };
    block.element().write_to(&mut sink, scope, false)
}

/// The SOAP attributes of a header block, in the form of one SOAP version.
struct SoapAttributes<'b> {
    envelope: &'static str,
    /// A prefix bound to the envelope namespace that the element does not rebind, and whether
    /// it must be declared.
    prefix: (&'static str, bool),
    must_understand: bool,
    relay: bool,
    role: Option<&'b str>,
    soap12: bool,
}

impl<'b> SoapAttributes<'b> {
    fn of(block: &'b HeaderBlock, version: MessageVersion, scope: &[(&str, &str)]) -> Self {
        let soap12 = version.is_soap12();
        let envelope = version.envelope_namespace();
        // The envelope binds `s`; an element that binds `s` to something else gets another
        // prefix. A prefix the element binds to the envelope namespace itself is used as it is
        // (so that a decoded block, which keeps such a declaration, re-encodes the same).
        let own = root_bindings(block.element(), scope);
        let prefix = ["s", "env", "soap", "soapenv"]
            .into_iter()
            .find_map(|p| match own.iter().rev().find(|(q, _)| *q == p) {
                Some((_, uri)) if *uri == envelope => Some((p, false)),
                Some(_) => None,
                None => Some((p, p != "s")),
            })
            .unwrap_or(("s12", true));
        SoapAttributes {
            envelope,
            prefix,
            must_understand: block.must_understand,
            relay: block.relay && soap12,
            role: block.role.as_deref().map(|role| next_role(role, soap12)),
            soap12,
        }
    }

    fn is_empty(&self) -> bool {
        !self.must_understand && !self.relay && self.role.is_none()
    }

    fn write<S: XmlSink + ?Sized>(&self, sink: &mut S) -> Result<(), XmlError> {
        let (prefix, declare) = self.prefix;
        if declare {
            sink.xmlns(prefix, self.envelope)?;
        }
        if self.must_understand {
            sink.attribute(prefix, "mustUnderstand", "1")?;
        }
        if let Some(role) = self.role {
            sink.attribute(prefix, if self.soap12 { "role" } else { "actor" }, role)?;
        }
        if self.relay {
            sink.attribute(prefix, "relay", "1")?;
        }
        Ok(())
    }
}

/// The bindings `(prefix, uri)` the root element of `element` declares, itself or by the
/// bindings it inherited that `scope` lacks (which are declared on it when written).
fn root_bindings<'e>(
    element: &'e Infoset,
    scope: &[(&str, &str)],
) -> SmallVec<[(&'e str, &'e str); 4]> {
    let mut bindings = SmallVec::new();
    let mut started = false;
    for event in element.events() {
        match event {
            InfosetEvent::Inherited { prefix, uri } if needs_declaring(prefix, uri, scope) => {
                bindings.push((prefix, uri));
            }
            InfosetEvent::Inherited { .. } | InfosetEvent::Comment(_) if !started => {}
            InfosetEvent::Start { .. } if !started => started = true,
            InfosetEvent::Xmlns { prefix, uri } if started => bindings.push((prefix, uri)),
            InfosetEvent::Attribute { .. } if started => {}
            _ => break,
        }
    }
    bindings
}

/// The `next` role in the form of the version written (SOAP 1.2 `role/next`, SOAP 1.1
/// `actor/next`); other roles as they are.
fn next_role(role: &str, soap12: bool) -> &str {
    match role {
        SOAP11_ACTOR_NEXT if soap12 => SOAP12_ROLE_NEXT,
        SOAP12_ROLE_NEXT if !soap12 => SOAP11_ACTOR_NEXT,
        other => other,
    }
}

/// Forwards every event, and writes the SOAP attributes right after the first element starts.
struct InjectAfterStart<'s, 'b, S: ?Sized> {
    inner: &'s mut S,
    pending: Option<SoapAttributes<'b>>,
}

impl<S: XmlSink + ?Sized> InjectAfterStart<'_, '_, S> {
    fn inject(&mut self) -> Result<(), XmlError> {
        match self.pending.take() {
            Some(attributes) => attributes.write(self.inner),
            None => Ok(()),
        }
    }
}

impl<S: XmlSink + ?Sized> XmlSink for InjectAfterStart<'_, '_, S> {
    fn start_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.inner.start_element(prefix, local)?;
        self.inject()
    }

    fn start_recurring_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        self.inner.start_recurring_element(prefix, local)?;
        self.inject()
    }

    fn xmlns(&mut self, prefix: &str, uri: &str) -> Result<(), XmlError> {
        self.inner.xmlns(prefix, uri)
    }

    fn attribute(&mut self, prefix: &str, local: &str, value: &str) -> Result<(), XmlError> {
        self.inner.attribute(prefix, local, value)
    }

    fn text(&mut self, text: &str) -> Result<(), XmlError> {
        self.inner.text(text)
    }

    fn bytes(&mut self, bytes: &[u8]) -> Result<(), XmlError> {
        self.inner.bytes(bytes)
    }

    fn unique_id(&mut self, id: &[u8; 16]) -> Result<(), XmlError> {
        self.inner.unique_id(id)
    }

    fn comment(&mut self, text: &str) -> Result<(), XmlError> {
        self.inner.comment(text)
    }

    fn end_element(&mut self) -> Result<(), XmlError> {
        self.inner.end_element()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every run of the grammar, for the check below.
    const RUNS: [&FixedEvents; 14] = [
        &ENVELOPE_12_WSA10,
        &ENVELOPE_12_WSA200408,
        &ENVELOPE_11,
        &ENVELOPE_11_WSA10,
        &ENVELOPE_11_WSA200408,
        &HEADER,
        &ACTION,
        &MESSAGE_ID,
        &RELATES_TO,
        &REPLY_TO,
        &TO,
        &HEADER_END_BODY,
        &BODY,
        &BODY_END,
    ];

    #[test]
    fn fixed_runs_have_distinct_ids_below_the_maximum() {
        // Sinks keep their forms of runs by id: two runs with one id would swap output.
        let mut ids: Vec<usize> = RUNS.iter().map(|run| run.id()).collect();
        assert!(ids.iter().all(|&id| id < FixedEvents::MAX_ID));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RUNS.len());
        // And each version's envelope run declares its envelope scope.
        for version in MessageVersion::ALL {
            let declared: Vec<(&str, &str)> = version
                .envelope_start()
                .events()
                .iter()
                .filter_map(|event| match *event {
                    FixedEvent::Xmlns(prefix, uri) => Some((prefix, uri)),
                    _ => None,
                })
                .collect();
            assert_eq!(declared, version.envelope_scope(), "{version:?}");
        }
    }
}
