//! WS-Policy as WCF writes it in WSDL: the assertions a binding contributes, in one policy per
//! binding.
//!
//! WCF's `WsdlExporter` (policy version 1.2, `http://schemas.xmlsoap.org/ws/2004/09/policy`)
//! writes each binding's policy as a child of `wsdl:definitions`, before `wsdl:types`:
//!
//! ```xml
//! <wsp:Policy wsu:Id="NetTcpBinding_ICalculator_policy">
//!   <wsp:ExactlyOne>
//!     <wsp:All>
//!       <msb:BinaryEncoding xmlns:msb="http://schemas.microsoft.com/ws/06/2004/mspolicy/netbinary1"/>
//!       <wsaw:UsingAddressing/>
//!     </wsp:All>
//!   </wsp:ExactlyOne>
//! </wsp:Policy>
//! ```
//!
//! and refers to it from the binding with `<wsp:PolicyReference URI="#NetTcpBinding_ICalculator_policy"/>`.
//! A [`Policy`] is that one alternative: an ordered list of [`Assertion`]s, each an element with
//! attributes, child elements and, for assertions with nested policy (WS-SecurityPolicy,
//! WS-RM Policy 1.1), a nested `wsp:Policy`. Features add their assertions to their binding's
//! policy ([`crate::binding::Binding::description`]); the WSDL writer never needs to know them.

use std::fmt::Write as _;

use crate::encoding::text::MessageVersion;

/// WS-Policy 1.2 (September 2004), the version WCF's `WsdlExporter` writes by default.
pub const WSP_NS: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
/// WS-Security Utility, whose `wsu:Id` names a policy.
pub const WSU_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// WS-Addressing 1.0 WSDL binding: `wsaw:UsingAddressing`.
pub const WSAW_NS: &str = "http://www.w3.org/2006/05/addressing/wsdl";
/// WS-Addressing August 2004 policy: `wsap:UsingAddressing`.
pub const WSAP_NS: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/policy";
/// WCF's binary encoding policy: `msb:BinaryEncoding`.
pub const MSB_NS: &str = "http://schemas.microsoft.com/ws/06/2004/mspolicy/netbinary1";

/// The prefixes the WSDL writer declares on `wsdl:definitions`; an assertion in one of these
/// namespaces is written without a declaration of its own. Others declare their namespace on the
/// outermost element that uses it, as WCF does (`<msb:BinaryEncoding xmlns:msb="…"/>`).
pub(crate) const DECLARED: &[(&str, &str)] = &[
    ("wsp", WSP_NS),
    ("wsu", WSU_NS),
    ("wsaw", WSAW_NS),
    ("wsap", WSAP_NS),
];

/// One policy alternative: the assertions that all hold (`wsp:ExactlyOne/wsp:All`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    assertions: Vec<Assertion>,
}

impl Policy {
    /// A policy without assertions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `assertion` after the ones added before.
    pub fn push(&mut self, assertion: Assertion) {
        self.assertions.push(assertion);
    }

    /// The policy with `assertion` added.
    #[must_use]
    pub fn with(mut self, assertion: Assertion) -> Self {
        self.push(assertion);
        self
    }

    /// The assertions, in order.
    pub fn assertions(&self) -> &[Assertion] {
        &self.assertions
    }

    /// Whether the policy has no assertions (WCF writes no policy then).
    pub fn is_empty(&self) -> bool {
        self.assertions.is_empty()
    }

    /// Writes the policy as a named top-level `wsp:Policy` (`wsu:Id="{id}"`) with one
    /// `wsp:ExactlyOne/wsp:All` alternative, in a document where [`WSP_NS`] and [`WSU_NS`] are
    /// declared as `wsp` and `wsu`.
    pub(crate) fn write_named(&self, out: &mut String, id: &str) {
        let _ = write!(
            out,
            r#"<wsp:Policy wsu:Id="{}"><wsp:ExactlyOne><wsp:All>"#,
            escape(id)
        );
        let scope = Scope::root();
        for assertion in &self.assertions {
            assertion.write(out, &scope);
        }
        out.push_str("</wsp:All></wsp:ExactlyOne></wsp:Policy>");
    }

    /// Writes the policy nested in an assertion: `<wsp:Policy>` with the assertions directly
    /// inside, as WCF writes nested policies.
    fn write_nested(&self, out: &mut String, scope: &Scope<'_>) {
        out.push_str("<wsp:Policy>");
        for assertion in &self.assertions {
            assertion.write(out, scope);
        }
        out.push_str("</wsp:Policy>");
    }
}

impl Extend<Assertion> for Policy {
    fn extend<I: IntoIterator<Item = Assertion>>(&mut self, assertions: I) {
        self.assertions.extend(assertions);
    }
}

/// A reference to a named policy, as WCF writes it first in a `wsdl:binding`.
pub(crate) fn write_reference(out: &mut String, id: &str) {
    let _ = write!(out, r##"<wsp:PolicyReference URI="#{}"/>"##, escape(id));
}

/// A policy assertion: an element in its own namespace, with attributes, child elements and
/// possibly a nested policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    prefix: &'static str,
    namespace: &'static str,
    name: &'static str,
    attributes: Vec<(&'static str, String)>,
    content: Vec<Content>,
}

/// What an assertion holds, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    Element(Assertion),
    Policy(Policy),
}

impl Assertion {
    /// An empty `<{prefix}:{name}/>` in `namespace`.
    pub fn new(prefix: &'static str, namespace: &'static str, name: &'static str) -> Self {
        Assertion {
            prefix,
            namespace,
            name,
            attributes: Vec::new(),
            content: Vec::new(),
        }
    }

    /// The assertion with an attribute (unqualified, or qualified with a prefix in scope, such
    /// as the assertion's own).
    #[must_use]
    pub fn attribute(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attributes.push((name, value.into()));
        self
    }

    /// The assertion with a child element after the ones added before (a parameter such as
    /// WS-RM's `InactivityTimeout`).
    #[must_use]
    pub fn child(mut self, child: Assertion) -> Self {
        self.content.push(Content::Element(child));
        self
    }

    /// The assertion with a nested `wsp:Policy` after its other content.
    #[must_use]
    pub fn nested(mut self, policy: Policy) -> Self {
        self.content.push(Content::Policy(policy));
        self
    }

    /// `msb:BinaryEncoding`: messages travel in .NET Binary XML (WCF's
    /// `BinaryMessageEncodingBindingElement`).
    pub fn binary_encoding() -> Self {
        Assertion::new("msb", MSB_NS, "BinaryEncoding")
    }

    /// `wsaw:UsingAddressing`: messages carry WS-Addressing 1.0 headers (what WCF's message
    /// encoding writes for `AddressingVersion.WSAddressing10`).
    pub fn using_addressing() -> Self {
        Assertion::new("wsaw", WSAW_NS, "UsingAddressing")
    }

    /// `wsap:UsingAddressing`: messages carry WS-Addressing August 2004 headers.
    pub fn using_addressing_august_2004() -> Self {
        Assertion::new("wsap", WSAP_NS, "UsingAddressing")
    }

    /// The assertion WCF's message encodings export for the addressing of `version`:
    /// [`Assertion::using_addressing`] for WS-Addressing 1.0,
    /// [`Assertion::using_addressing_august_2004`] for August 2004, none without addressing.
    pub fn addressing(version: MessageVersion) -> Option<Self> {
        match version {
            MessageVersion::Soap12WsAddressing10 | MessageVersion::Soap11WsAddressing10 => {
                Some(Assertion::using_addressing())
            }
            MessageVersion::Soap12WsAddressingAugust2004
            | MessageVersion::Soap11WsAddressingAugust2004 => {
                Some(Assertion::using_addressing_august_2004())
            }
            MessageVersion::Soap11 => None,
        }
    }

    /// The element's local name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The element's namespace.
    pub fn namespace(&self) -> &'static str {
        self.namespace
    }

    fn write(&self, out: &mut String, scope: &Scope<'_>) {
        let declare = !scope.has(self.prefix, self.namespace);
        let _ = write!(out, "<{}:{}", self.prefix, self.name);
        if declare {
            let _ = write!(
                out,
                r#" xmlns:{}="{}""#,
                self.prefix,
                escape(self.namespace)
            );
        }
        for (name, value) in &self.attributes {
            let _ = write!(out, r#" {name}="{}""#, escape(value));
        }
        if self.content.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let inner = Scope {
            parent: Some(scope),
            declared: declare.then_some((self.prefix, self.namespace)),
        };
        for content in &self.content {
            match content {
                Content::Element(child) => child.write(out, &inner),
                Content::Policy(policy) => policy.write_nested(out, &inner),
            }
        }
        let _ = write!(out, "</{}:{}>", self.prefix, self.name);
    }
}

/// The namespace declarations in scope while writing.
struct Scope<'a> {
    parent: Option<&'a Scope<'a>>,
    declared: Option<(&'static str, &'static str)>,
}

impl Scope<'_> {
    /// The document's: what `wsdl:definitions` declares.
    fn root() -> Scope<'static> {
        Scope {
            parent: None,
            declared: None,
        }
    }

    fn has(&self, prefix: &str, namespace: &str) -> bool {
        match self.declared {
            Some((p, ns)) if p == prefix => ns == namespace,
            _ => match self.parent {
                Some(parent) => parent.has(prefix, namespace),
                None => DECLARED
                    .iter()
                    .any(|&(p, ns)| p == prefix && ns == namespace),
            },
        }
    }
}

/// `text` escaped for a `"`-quoted attribute value; a character XML cannot carry is dropped with
/// the rest of the value, with a warning.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    match crate::xml::escape::escape_into(&mut out, text, true) {
        Ok(()) => out,
        Err(error) => {
            tracing::warn!(%error, "a policy value cannot be written in WSDL");
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_policy_is_written_as_wcf_writes_it() {
        let policy = Policy::new()
            .with(Assertion::binary_encoding())
            .with(Assertion::using_addressing());
        let mut out = String::new();
        policy.write_named(&mut out, "NetTcpBinding_ICalc_policy");
        assert_eq!(
            out,
            concat!(
                r#"<wsp:Policy wsu:Id="NetTcpBinding_ICalc_policy"><wsp:ExactlyOne><wsp:All>"#,
                r#"<msb:BinaryEncoding xmlns:msb="http://schemas.microsoft.com/ws/06/2004/mspolicy/netbinary1"/>"#,
                r#"<wsaw:UsingAddressing/>"#,
                r#"</wsp:All></wsp:ExactlyOne></wsp:Policy>"#
            )
        );
        let mut reference = String::new();
        write_reference(&mut reference, "NetTcpBinding_ICalc_policy");
        assert_eq!(
            reference,
            r##"<wsp:PolicyReference URI="#NetTcpBinding_ICalc_policy"/>"##
        );
    }

    #[test]
    fn nested_assertions_declare_their_namespace_once() {
        const RM: &str = "http://docs.oasis-open.org/ws-rx/wsrmp/200702";
        let assurance = Assertion::new("wsrmp", RM, "DeliveryAssurance").nested(
            Policy::new()
                .with(Assertion::new("wsrmp", RM, "ExactlyOnce"))
                .with(Assertion::new("wsrmp", RM, "InOrder")),
        );
        let rm = Assertion::new("wsrmp", RM, "RMAssertion")
            .attribute("note", "a<b & \"c\"")
            .nested(Policy::new().with(assurance));
        let mut out = String::new();
        Policy::new().with(rm).write_named(&mut out, "p");
        assert!(out.contains(concat!(
            r#"<wsrmp:RMAssertion xmlns:wsrmp="http://docs.oasis-open.org/ws-rx/wsrmp/200702" note="a&lt;b &amp; &quot;c&quot;">"#,
            r#"<wsp:Policy><wsrmp:DeliveryAssurance><wsp:Policy><wsrmp:ExactlyOnce/><wsrmp:InOrder/></wsp:Policy></wsrmp:DeliveryAssurance></wsp:Policy>"#,
            r#"</wsrmp:RMAssertion>"#
        )), "{out}");
    }

    #[test]
    fn a_prefix_bound_to_another_namespace_is_redeclared() {
        let odd = Assertion::new("wsaw", "urn:other", "Thing");
        let mut out = String::new();
        Policy::new().with(odd).write_named(&mut out, "p");
        assert!(
            out.contains(r#"<wsaw:Thing xmlns:wsaw="urn:other"/>"#),
            "{out}"
        );
    }
}
