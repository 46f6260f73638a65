//! WSDL 1.1 for a contract's endpoints, generated from the contract description, the traced types
//! and each endpoint's [`BindingDescription`].
//!
//! The shape is the one WCF publishes for the DataContractSerializer's document/literal wrapped
//! style: one schema in the contract's namespace (`elementFormDefault="qualified"`), a wrapper
//! element per request (`{Op}`) and reply (`{Op}Response` holding `{Op}Result`) whose parameters
//! are `minOccurs="0"` and, when of .NET's reference types, `nillable="true"` (as WCF writes
//! them; svcutil falls back to message contracts otherwise), an element per fault detail type; messages `{Contract}_{Op}_InputMessage` / `_OutputMessage` /
//! `_{Fault}_FaultMessage`; the port type with `wsaw:Action`s and WCF's `msc:` session
//! attributes; per endpoint, the binding's `wsp:Policy` (before the types, see
//! [`crate::metadata::policy`]), a SOAP 1.1 (BasicHttp) or SOAP 1.2 (WSHttp, NetTcp) binding with
//! the transport and the `soapAction`s, and a port with the address (and a WS-Addressing endpoint
//! reference when the binding has addressing).
//!
//! Types map as the body format writes them: integers, floats, `bool`, `String`, `char` to the XML
//! Schema built-ins (`xs:int`, `xs:long`, `xs:double`, `xs:boolean`, `xs:string`, …), byte buffers
//! to `xs:base64Binary`, `Option<T>` to `minOccurs="0" nillable="true"`, sequences to an
//! `ArrayOf{item}` complex type (items of .NET's reference types nillable), maps to
//! `ArrayOfKeyValueOf{key}{value}` in the arrays namespace (with WCF's `IsDictionary`
//! annotation), `[Flags]` enums to an `xs:list` of their enumeration, structs to a complex type
//! with a sequence of elements, unit-only enums to an `xs:string` enumeration, other enums to a
//! complex type with a choice of their variants.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Dispatch, detail_element};
use crate::contract::{ContractDescription, SessionMode};
use crate::encoding::text::MessageVersion;
use crate::message::{WSA10_NS, WSA200408_NS};
use crate::metadata::BindingDescription;
use crate::metadata::policy::{self, WSAP_NS, WSAW_NS, WSP_NS, WSU_NS};
use crate::xml::ARRAYS_NS;
use crate::xml::schema::{ContractTypes, Definition, Field, SERIALIZATION_NS, Shape, TypeRegistry};
use crate::xml::{KNOWN_TYPES, split_clark};

use crate::xml::schema::XS_NS as XS;
/// WSDL's SOAP 1.1 binding extension.
const SOAP11_WSDL: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
/// WSDL's SOAP 1.2 binding extension.
const SOAP12_WSDL: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
/// WCF's contract extensions: `msc:usingSession`, `msc:isInitiating`, `msc:isTerminating`.
const MSC: &str = "http://schemas.microsoft.com/ws/2005/12/wsdl/contract";

/// What a WSDL document is made from; the endpoints (bindings and addresses) are given per
/// document.
pub(crate) struct ServiceMetadata {
    contract: &'static ContractDescription,
    types: ContractTypes,
}

impl ServiceMetadata {
    /// The metadata of contract `C` (served by instances of `S`).
    pub(crate) fn of<C: Dispatch<S>, S>() -> Self {
        let mut types = ContractTypes::default();
        C::describe_types(&mut types);
        ServiceMetadata {
            contract: C::DESCRIPTION,
            types,
        }
    }

    /// The WSDL document describing the contract at `ports`: one `wsdl:binding` (with its
    /// `wsp:Policy`) and one `wsdl:port` per endpoint, in one `wsdl:service`.
    pub(crate) fn wsdl(&self, ports: &[Port<'_>]) -> String {
        let c = self.contract;
        let ns = attr(c.namespace);
        let name = attr(c.name);
        // `{Binding}_{Contract}`, made unique as WCF does (`…1`, `…2`) when two endpoints have
        // bindings of one name.
        let mut bindings: Vec<String> = Vec::with_capacity(ports.len());
        for port in ports {
            let base = format!("{}_{name}", attr(port.binding.name));
            let mut unique = base.clone();
            let mut n = 0;
            while bindings.contains(&unique) {
                n += 1;
                unique = format!("{base}{n}");
            }
            bindings.push(unique);
        }
        let mut out = String::with_capacity(4096);
        out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
        let _ = write!(
            out,
            r#"<wsdl:definitions name="{name}" targetNamespace="{ns}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="{SOAP11_WSDL}" xmlns:soap12="{SOAP12_WSDL}" xmlns:xs="{XS}" xmlns:wsaw="{WSAW_NS}" xmlns:wsap="{WSAP_NS}" xmlns:wsp="{WSP_NS}" xmlns:wsu="{WSU_NS}" xmlns:wsa10="{WSA10_NS}" xmlns:wsa="{WSA200408_NS}" xmlns:msc="{MSC}" xmlns:tns="{ns}">"#
        );

        // Policies, before the types, as WCF writes them.
        for (port, binding) in ports.iter().zip(&bindings) {
            if !port.binding.policy.is_empty() {
                port.binding
                    .policy
                    .write_named(&mut out, &format!("{binding}_policy"));
            }
        }

        out.push_str("<wsdl:types>");
        self.schema(&mut out);
        out.push_str("</wsdl:types>");

        // Messages.
        for (index, op) in c.operations.iter().enumerate() {
            let op_name = attr(op.name);
            let _ = write!(
                out,
                r#"<wsdl:message name="{name}_{op_name}_InputMessage"><wsdl:part name="parameters" element="tns:{op_name}"/></wsdl:message>"#
            );
            if !op.is_one_way {
                let reply = attr(op.reply_name);
                let _ = write!(
                    out,
                    r#"<wsdl:message name="{name}_{op_name}_OutputMessage"><wsdl:part name="parameters" element="tns:{reply}"/></wsdl:message>"#
                );
            }
            if let (Some(fault), Some(part)) = (self.fault_name(index), self.fault_part(index)) {
                let _ = write!(
                    out,
                    r#"<wsdl:message name="{name}_{op_name}_{fault}_FaultMessage">{part}</wsdl:message>"#
                );
            }
        }

        // Port type, with WCF's session attributes: `msc:usingSession` unless the session mode
        // is Allowed, and each operation's `msc:isInitiating` / `msc:isTerminating` when it is
        // Required.
        let session = match c.session_mode {
            SessionMode::Required => r#" msc:usingSession="true""#,
            SessionMode::NotAllowed => r#" msc:usingSession="false""#,
            SessionMode::Allowed => "",
        };
        let _ = write!(out, r#"<wsdl:portType{session} name="{name}">"#);
        for (index, op) in c.operations.iter().enumerate() {
            let op_name = attr(op.name);
            out.push_str("<wsdl:operation");
            if c.session_mode == SessionMode::Required {
                let _ = write!(
                    out,
                    r#" msc:isInitiating="{}" msc:isTerminating="{}""#,
                    op.is_initiating, op.is_terminating
                );
            }
            let _ = write!(
                out,
                r#" name="{op_name}"><wsdl:input wsaw:Action="{}" message="tns:{name}_{op_name}_InputMessage"/>"#,
                attr(op.action)
            );
            if let Some(reply_action) = op.reply_action.filter(|_| !op.is_one_way) {
                let _ = write!(
                    out,
                    r#"<wsdl:output wsaw:Action="{}" message="tns:{name}_{op_name}_OutputMessage"/>"#,
                    attr(reply_action)
                );
            }
            if let (Some(fault), Some(action)) = (self.fault_name(index), op.fault_action) {
                let _ = write!(
                    out,
                    r#"<wsdl:fault wsaw:Action="{}" name="{fault}Fault" message="tns:{name}_{op_name}_{fault}_FaultMessage"/>"#,
                    attr(action)
                );
            }
            out.push_str("</wsdl:operation>");
        }
        out.push_str("</wsdl:portType>");

        for (port, binding) in ports.iter().zip(&bindings) {
            self.binding(&mut out, port.binding, binding);
        }

        // Service.
        let _ = write!(out, r#"<wsdl:service name="{name}Service">"#);
        for (port, binding) in ports.iter().zip(&bindings) {
            let soap = soap_prefix(port.binding.version);
            let address = attr(port.address);
            let _ = write!(
                out,
                r#"<wsdl:port name="{binding}" binding="tns:{binding}"><{soap}:address location="{address}"/>"#
            );
            // An endpoint reference in the addressing version of the binding, as WCF adds one.
            if let Some(wsa) = addressing_prefix(port.binding.version) {
                let _ = write!(
                    out,
                    r#"<{wsa}:EndpointReference><{wsa}:Address>{}</{wsa}:Address></{wsa}:EndpointReference>"#,
                    text(port.address)
                );
            }
            out.push_str("</wsdl:port>");
        }
        out.push_str("</wsdl:service></wsdl:definitions>");
        out
    }

    /// One `wsdl:binding` named `binding`: its policy reference, the SOAP binding with the
    /// transport, and each operation with its `soapAction`.
    fn binding(&self, out: &mut String, description: &BindingDescription, binding: &str) {
        let c = self.contract;
        let soap = soap_prefix(description.version);
        let _ = write!(
            out,
            r#"<wsdl:binding name="{binding}" type="tns:{}">"#,
            attr(c.name)
        );
        if !description.policy.is_empty() {
            policy::write_reference(out, &format!("{binding}_policy"));
        }
        let _ = write!(
            out,
            r#"<{soap}:binding transport="{}"/>"#,
            attr(description.transport)
        );
        for (index, op) in c.operations.iter().enumerate() {
            let _ = write!(
                out,
                r#"<wsdl:operation name="{}"><{soap}:operation soapAction="{}" style="document"/><wsdl:input><{soap}:body use="literal"/></wsdl:input>"#,
                attr(op.name),
                attr(op.action)
            );
            if !op.is_one_way {
                let _ = write!(
                    out,
                    r#"<wsdl:output><{soap}:body use="literal"/></wsdl:output>"#
                );
            }
            if let Some(fault) = self.fault_name(index) {
                let _ = write!(
                    out,
                    r#"<wsdl:fault name="{fault}Fault"><{soap}:fault name="{fault}Fault" use="literal"/></wsdl:fault>"#
                );
            }
            out.push_str("</wsdl:operation>");
        }
        out.push_str("</wsdl:binding>");
    }

    /// The fault detail element of operation `index`, if it has a typed fault.
    fn fault_name(&self, index: usize) -> Option<String> {
        self.fault_element(index).map(|(_, name)| attr(&name))
    }

    /// The namespace and name of operation `index`'s fault detail element: a data contract's
    /// own, else the type's name in the contract's namespace.
    fn fault_element(&self, index: usize) -> Option<(&'static str, String)> {
        let op = self.contract.operations.get(index)?;
        let fault_type = op.fault_type?;
        match self.types.faults.get(&index) {
            Some(shape @ Shape::Struct(_)) => Some((
                shape.namespace().unwrap_or(self.contract.namespace),
                shape.item_name(),
            )),
            _ => Some((
                self.contract.namespace,
                detail_element(fault_type).to_owned(),
            )),
        }
    }

    /// The `wsdl:part` of operation `index`'s fault message, with the detail element's
    /// namespace declared on it when it is not the contract's.
    fn fault_part(&self, index: usize) -> Option<String> {
        let (ns, name) = self.fault_element(index)?;
        let name = attr(&name);
        Some(if ns == self.contract.namespace {
            format!(r#"<wsdl:part name="detail" element="tns:{name}"/>"#)
        } else {
            format!(
                r#"<wsdl:part xmlns:q1="{}" name="detail" element="q1:{name}"/>"#,
                attr(ns)
            )
        })
    }

    /// The `xs:schema`s: one per namespace (the contract's, each data contract namespace, the
    /// DataContractSerializer's arrays namespace), each importing the others.
    fn schema(&self, out: &mut String) {
        let c = self.contract;
        let mut schema = Schema::new(c.namespace, c.data_namespace, &self.types.registry);
        let mut wrappers = BTreeSet::new();
        for (index, op) in c.operations.iter().enumerate() {
            wrappers.insert(op.name);
            self.wrapper(&mut schema, op.name, self.types.requests.get(&index));
            if !op.is_one_way {
                wrappers.insert(op.reply_name);
                self.wrapper(&mut schema, op.reply_name, self.types.replies.get(&index));
            }
            if let (Some((ns, name)), Some(shape)) =
                (self.fault_element(index), self.types.faults.get(&index))
            {
                let ty = schema.type_ref(shape);
                let _ = write!(
                    schema.body(ns),
                    r#"<xs:element name="{}" nillable="true" type="{ty}"/>"#,
                    attr(&name)
                );
            }
        }
        // Named types, each once; defining one may discover more.
        let mut written = BTreeSet::new();
        loop {
            let pending: Vec<(&'static str, String)> = schema
                .wanted
                .keys()
                .filter(|key| !written.contains(*key))
                .cloned()
                .collect();
            if pending.is_empty() {
                break;
            }
            for key in pending {
                written.insert(key.clone());
                let Some(shape) = schema.wanted.get(&key).cloned() else {
                    continue;
                };
                self.named_type(&mut schema, key.0, &key.1, &shape, &wrappers);
            }
        }
        // Arrays of primitives live in the DataContractSerializer's arrays namespace, where the
        // body format writes their items.
        for (item, (ty, nillable)) in std::mem::take(&mut schema.arrays) {
            let nillable = if nillable { r#" nillable="true""# } else { "" };
            let _ = write!(
                schema.body(ARRAYS_NS),
                r#"<xs:complexType name="ArrayOf{item}"><xs:sequence><xs:element minOccurs="0" maxOccurs="unbounded" name="{item}"{nillable} type="{ty}"/></xs:sequence></xs:complexType>"#
            );
        }
        // The DataContractSerializer's own simple types (`ser:guid`, …), as restrictions of the
        // built-ins.
        if schema.reference_attributes {
            // The attributes of objects with references, as the Serialization schema has them.
            schema.body(SERIALIZATION_NS).push_str(
                r#"<xs:attribute name="Id" type="xs:ID"/><xs:attribute name="Ref" type="xs:IDREF"/>"#,
            );
        }
        for (ns, name, base) in std::mem::take(&mut schema.simple) {
            let _ = write!(
                schema.body(ns),
                r#"<xs:simpleType name="{name}"><xs:restriction base="xs:{base}"/></xs:simpleType>"#
            );
        }
        schema.write(out);
    }

    /// A request or reply wrapper element with its parameters (or result) inline.
    fn wrapper(&self, schema: &mut Schema, name: &str, shape: Option<&Shape>) {
        let mut out = String::new();
        let _ = write!(out, r#"<xs:element name="{}"><xs:complexType>"#, attr(name));
        match shape.and_then(|shape| self.struct_fields(shape)) {
            // As WCF's DataContractSerializer describes parameters: each may be left out
            // (`minOccurs="0"`), and those of .NET's reference types may be nil. (svcutil
            // imports an operation whose parameters are not so as a message contract.)
            Some(fields) => {
                out.push_str("<xs:sequence>");
                for field in fields {
                    let occurs = Occurs::Optional {
                        nillable: field.shape.is_nillable(),
                    };
                    schema.element(&mut out, field.name, &field.shape, occurs);
                }
                out.push_str("</xs:sequence>");
            }
            None => out.push_str(r#"<xs:sequence><xs:any minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence>"#),
        }
        out.push_str("</xs:complexType></xs:element>");
        schema.body(self.contract.namespace).push_str(&out);
    }

    /// The key and value fields of a collection data contract's entry type (a struct whose
    /// name, `{namespace}Collection/Entry`, the derive gives it).
    fn entry_fields(&self, shape: &Shape) -> Option<&[Field]> {
        match shape {
            Shape::Struct(name) if split_clark(name).1.contains('/') => {
                match self.types.registry.types.get(name)? {
                    Definition::Struct(fields) if fields.len() == 2 => Some(fields),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn struct_fields(&self, shape: &Shape) -> Option<&[Field]> {
        match shape {
            Shape::Struct(name) => match self.types.registry.types.get(name)? {
                Definition::Struct(fields) => Some(fields),
                Definition::Enum(_) | Definition::Flags(_) => None,
            },
            _ => None,
        }
    }

    /// Defines the named type `name` of namespace `ns`.
    fn named_type(
        &self,
        schema: &mut Schema,
        ns: &'static str,
        name: &str,
        shape: &Shape,
        wrappers: &BTreeSet<&str>,
    ) {
        let type_name = attr(name);
        let mut out = String::new();
        match shape {
            Shape::Seq(item) => {
                let _ = write!(out, r#"<xs:complexType name="{type_name}"><xs:sequence>"#);
                let occurs = Occurs::Many {
                    nillable: item.is_nillable(),
                };
                schema.element(&mut out, &item.item_name(), item, occurs);
                out.push_str("</xs:sequence></xs:complexType>");
            }
            Shape::Map(key, value) => {
                let entry = Shape::entry_name(key, value, self.contract.namespace);
                let _ = write!(
                    out,
                    r#"<xs:complexType name="{type_name}">{IS_DICTIONARY}<xs:sequence>"#
                );
                schema.entry(&mut out, &entry, ("Key", key), ("Value", value));
                out.push_str("</xs:sequence></xs:complexType>");
            }
            Shape::Struct(struct_name) => {
                if wrappers.contains(struct_name) && !schema.referenced.contains(*struct_name) {
                    return;
                }
                let contract = shape.namespace().is_some() || struct_name.starts_with('{');
                let fields = match self.types.registry.types.get(struct_name) {
                    Some(Definition::Struct(fields)) => fields.as_slice(),
                    _ => &[],
                };
                // A data contract's base type (a field without a name) is an extension, as
                // .NET's schema exports a derived class.
                let (base, fields) = match fields.split_first() {
                    Some((first, rest)) if first.name.is_empty() => (Some(&first.shape), rest),
                    _ => (None, fields),
                };
                // A collection data contract of entries (a dictionary): its entry type inline.
                let entries: Vec<(&Field, &[Field])> = fields
                    .iter()
                    .filter(|field| field.repeated)
                    .filter_map(|field| Some((field, self.entry_fields(&field.shape)?)))
                    .collect();
                // An object with references (`IsReference`): so annotated, with `z:Id`/`z:Ref`.
                let is_reference = self.types.registry.references.contains(struct_name);
                let annotation = if is_reference {
                    IS_REFERENCE
                } else if entries.is_empty() {
                    ""
                } else {
                    IS_DICTIONARY
                };
                let _ = write!(out, r#"<xs:complexType name="{type_name}">{annotation}"#);
                if let Some(base) = base {
                    let base = schema.type_ref(base);
                    let _ = write!(
                        out,
                        r#"<xs:complexContent mixed="false"><xs:extension base="{base}">"#
                    );
                }
                out.push_str("<xs:sequence>");
                for field in fields {
                    match entries.iter().find(|(f, _)| std::ptr::eq(*f, field)) {
                        Some((_, [key, value])) => schema.entry(
                            &mut out,
                            field.name,
                            (key.name, &key.shape),
                            (value.name, &value.shape),
                        ),
                        _ => schema.field(&mut out, field, contract),
                    }
                }
                out.push_str("</xs:sequence>");
                if is_reference {
                    let ser = schema.prefix(SERIALIZATION_NS);
                    schema.reference_attributes = true;
                    let _ = write!(
                        out,
                        r#"<xs:attribute ref="{ser}:Id"/><xs:attribute ref="{ser}:Ref"/>"#
                    );
                }
                if base.is_some() {
                    out.push_str("</xs:extension></xs:complexContent>");
                }
                out.push_str("</xs:complexType>");
            }
            Shape::Enum(enum_name) => {
                let variants = match self.types.registry.types.get(enum_name) {
                    Some(Definition::Enum(variants)) => variants,
                    Some(Definition::Flags(members)) => {
                        flags_type(&mut out, &type_name, members);
                        schema.body(ns).push_str(&out);
                        return;
                    }
                    _ => return,
                };
                if variants.iter().all(|(_, content)| content.is_none()) {
                    let _ = write!(
                        out,
                        r#"<xs:simpleType name="{type_name}"><xs:restriction base="xs:string">"#
                    );
                    for (variant, _) in variants {
                        let _ = write!(out, r#"<xs:enumeration value="{}"/>"#, attr(variant));
                    }
                    out.push_str("</xs:restriction></xs:simpleType>");
                } else {
                    let _ = write!(out, r#"<xs:complexType name="{type_name}"><xs:choice>"#);
                    for (variant, content) in variants {
                        match content {
                            Some(shape) => schema.element(&mut out, variant, shape, Occurs::Once),
                            None => {
                                let _ = write!(out, r#"<xs:element name="{}"/>"#, attr(variant));
                            }
                        }
                    }
                    out.push_str("</xs:choice></xs:complexType>");
                }
            }
            _ => {}
        }
        schema.body(ns).push_str(&out);
    }
}

/// WCF's annotation of a type with object references (`IsReference`), which also carries the
/// Serialization schema's `Id` and `Ref` attributes.
const IS_REFERENCE: &str = r#"<xs:annotation><xs:appinfo><IsReference xmlns="http://schemas.microsoft.com/2003/10/Serialization/">true</IsReference></xs:appinfo></xs:annotation>"#;

/// The annotation by which WCF marks a collection type as a dictionary (svcutil imports it as a
/// `Dictionary<K, V>`), as its `SchemaExporter` writes it.
const IS_DICTIONARY: &str = r#"<xs:annotation><xs:appinfo><IsDictionary xmlns="http://schemas.microsoft.com/2003/10/Serialization/">true</IsDictionary></xs:appinfo></xs:annotation>"#;

/// A `[Flags]` enum as WCF's `SchemaExporter` writes it: an `xs:list` of an anonymous
/// enumeration of its members' names, each annotated with its `EnumerationValue` when it is not
/// the default (`2^i` for the `i`th member), as `GetDefaultEnumValue(isFlags, i)` says.
fn flags_type(out: &mut String, type_name: &str, members: &[(&str, u64)]) {
    let _ = write!(
        out,
        r#"<xs:simpleType name="{type_name}"><xs:list><xs:simpleType><xs:restriction base="xs:string">"#
    );
    for (index, (name, value)) in members.iter().enumerate() {
        let default = u32::try_from(index)
            .ok()
            .and_then(|i| 1u64.checked_shl(i))
            .unwrap_or(0);
        if *value == default {
            let _ = write!(out, r#"<xs:enumeration value="{}"/>"#, attr(name));
        } else {
            let _ = write!(
                out,
                r#"<xs:enumeration value="{}"><xs:annotation><xs:appinfo><EnumerationValue xmlns="http://schemas.microsoft.com/2003/10/Serialization/">{value}</EnumerationValue></xs:appinfo></xs:annotation></xs:enumeration>"#,
                attr(name)
            );
        }
    }
    out.push_str("</xs:restriction></xs:simpleType></xs:list></xs:simpleType>");
}

/// How often an element occurs.
#[derive(Clone, Copy)]
enum Occurs {
    /// Exactly once (an `Option` still may be absent or nil).
    Once,
    /// Exactly once, nil where the type allows it: a dictionary entry's key and value.
    Exactly {
        /// Whether it may be `xsi:nil`.
        nillable: bool,
    },
    /// Optional: a data contract's member that is not required.
    Optional {
        /// Whether it may be `xsi:nil` (.NET reference types).
        nillable: bool,
    },
    /// Any number of times: a sequence's or a collection data contract's items, nil where they
    /// are of .NET's reference types.
    Many {
        /// Whether an item may be `xsi:nil`.
        nillable: bool,
    },
}

/// The schemas being written: a body per namespace, the prefixes that name the namespaces, and
/// the named types still to define.
struct Schema<'r> {
    /// The traced types' definitions.
    registry: &'r TypeRegistry,
    /// The contract's namespace (prefix `tns`).
    contract: &'static str,
    /// Where types that name no namespace of their own are defined (the contract's
    /// `data_namespace`).
    data: &'static str,
    /// Namespace → its schema's content.
    bodies: BTreeMap<&'static str, String>,
    /// Namespace → prefix (`tns`, `arr`, `q1`, …), declared on every schema.
    prefixes: BTreeMap<&'static str, String>,
    /// (namespace, type name) → the shape that defines it.
    wanted: BTreeMap<(&'static str, String), Shape>,
    /// Struct names referenced as types (not only as wrappers).
    referenced: BTreeSet<&'static str>,
    /// Primitive item types of arrays (`int` for `ArrayOfint`), defined in [`ARRAYS_NS`], with
    /// their items' type and whether an item may be nil (`string`, as .NET's reference type).
    arrays: BTreeMap<&'static str, (String, bool)>,
    /// Simple types outside XML Schema's namespace: (namespace, name, the built-in restricted).
    simple: BTreeSet<(&'static str, &'static str, &'static str)>,
    /// Whether a type refers to the Serialization schema's `Id` and `Ref` attributes.
    reference_attributes: bool,
}

impl<'r> Schema<'r> {
    fn new(contract: &'static str, data: &'static str, registry: &'r TypeRegistry) -> Self {
        let mut schema = Schema {
            registry,
            contract,
            data,
            bodies: BTreeMap::new(),
            prefixes: BTreeMap::new(),
            wanted: BTreeMap::new(),
            referenced: BTreeSet::new(),
            arrays: BTreeMap::new(),
            simple: BTreeSet::new(),
            reference_attributes: false,
        };
        schema.prefixes.insert(contract, "tns".to_owned());
        schema.body(contract);
        schema
    }

    /// The content of namespace `ns`'s schema.
    fn body(&mut self, ns: &'static str) -> &mut String {
        self.prefix(ns);
        self.bodies.entry(ns).or_default()
    }

    /// The prefix naming `ns` in every schema.
    fn prefix(&mut self, ns: &'static str) -> String {
        if ns == ARRAYS_NS {
            return "arr".to_owned();
        }
        let next = self.prefixes.len();
        self.prefixes
            .entry(ns)
            .or_insert_with(|| format!("q{next}"))
            .clone()
    }

    /// Writes every schema, the contract's first, each importing the others.
    fn write(&self, out: &mut String) {
        let order = std::iter::once(self.contract).chain(
            self.bodies
                .keys()
                .copied()
                .filter(|ns| *ns != self.contract),
        );
        for ns in order {
            let _ = write!(
                out,
                r#"<xs:schema elementFormDefault="qualified" targetNamespace="{}""#,
                attr(ns)
            );
            for (other, prefix) in &self.prefixes {
                let _ = write!(out, r#" xmlns:{prefix}="{}""#, attr(other));
            }
            let _ = write!(out, r#" xmlns:arr="{ARRAYS_NS}">"#);
            for other in self.bodies.keys().filter(|other| **other != ns) {
                let _ = write!(out, r#"<xs:import namespace="{}"/>"#, attr(other));
            }
            out.push_str(self.bodies.get(ns).map_or("", String::as_str));
            out.push_str("</xs:schema>");
        }
    }

    /// Writes a dictionary's repeated entry element `name` with its key and value elements, as
    /// WCF describes a `Dictionary<K, V>` or a dictionary collection data contract.
    fn entry(&mut self, out: &mut String, name: &str, key: (&str, &Shape), value: (&str, &Shape)) {
        let _ = write!(
            out,
            r#"<xs:element minOccurs="0" maxOccurs="unbounded" name="{}"><xs:complexType><xs:sequence>"#,
            attr(name)
        );
        for (name, shape) in [key, value] {
            let occurs = Occurs::Exactly {
                nillable: shape.is_nillable(),
            };
            self.element(out, name, shape, occurs);
        }
        out.push_str("</xs:sequence></xs:complexType></xs:element>");
    }

    /// Writes the element of a struct's `field`; a data contract's (`contract`) members that
    /// are not required are optional, as the DataContractSerializer describes them.
    fn field(&mut self, out: &mut String, field: &Field, contract: bool) {
        let occurs = if field.repeated {
            Occurs::Many {
                nillable: field.shape.is_nillable(),
            }
        } else if contract && !field.required {
            Occurs::Optional {
                nillable: field.shape.is_nillable(),
            }
        } else {
            Occurs::Once
        };
        self.element(out, field.name, &field.shape, occurs);
    }

    /// Writes `<xs:element name=… type=…/>` for a field or item of `shape`.
    fn element(&mut self, out: &mut String, name: &str, shape: &Shape, occurs: Occurs) {
        let (inner, option) = match shape {
            Shape::Option(inner) => (inner.as_ref(), true),
            other => (other, false),
        };
        let ty = self.type_ref(inner);
        let (min_zero, many, nillable) = match occurs {
            Occurs::Once => (option, false, option),
            Occurs::Exactly { nillable } => (false, false, nillable || option),
            Occurs::Optional { nillable } => (true, false, nillable || option),
            Occurs::Many { nillable } => (true, true, nillable || option),
        };
        out.push_str("<xs:element");
        if min_zero {
            out.push_str(r#" minOccurs="0""#);
        }
        if many {
            out.push_str(r#" maxOccurs="unbounded""#);
        }
        let _ = write!(out, r#" name="{}""#, attr(name));
        if nillable {
            out.push_str(r#" nillable="true""#);
        }
        let _ = write!(out, r#" type="{ty}"/>"#);
    }

    /// The qualified name of `shape`'s type, noting named types to define.
    fn type_ref(&mut self, shape: &Shape) -> String {
        match shape {
            Shape::Primitive(name) => format!("xs:{name}"),
            // `ser:guid`, `ser:char`, `ser:duration`: defined in their namespace.
            Shape::Qualified { namespace, name } => match shape.xs_base() {
                Some(base) => {
                    self.simple.insert((namespace, name, base));
                    self.body(namespace);
                    format!("{}:{}", self.prefix(namespace), attr(name))
                }
                None => "xs:anyType".to_owned(),
            },
            Shape::Option(inner) => self.type_ref(inner),
            Shape::Seq(item) => match item.as_ref() {
                Shape::Primitive(name) | Shape::Qualified { name, .. } => {
                    let ty = self.type_ref(item);
                    self.arrays.insert(name, (ty, item.is_nillable()));
                    self.body(ARRAYS_NS);
                    format!("arr:ArrayOf{name}")
                }
                _ => self.named(shape.item_name(), shape),
            },
            Shape::Map(key, value) => {
                // `ArrayOfKeyValueOf{K}{V}…`, in the arrays namespace.
                let name = format!("ArrayOf{}", Shape::entry_name(key, value, self.contract));
                self.body(ARRAYS_NS);
                let qualified = format!("arr:{}", attr(&name));
                self.wanted
                    .entry((ARRAYS_NS, name))
                    .or_insert_with(|| shape.clone());
                qualified
            }
            Shape::Struct(name) => {
                self.referenced.insert(name);
                self.named(shape.item_name(), shape)
            }
            Shape::Enum(name) if name.starts_with(KNOWN_TYPES) => self.known_types(name),
            Shape::Enum(_) => self.named(shape.item_name(), shape),
            Shape::Unit | Shape::Any => "xs:anyType".to_owned(),
        }
    }

    /// Known types (`#[data_contract(known_types)]`) are their declared (first) type; the
    /// others are defined too, so that a client can read them.
    fn known_types(&mut self, name: &str) -> String {
        let Some(Definition::Enum(variants)) = self.registry.types.get(name) else {
            return "xs:anyType".to_owned();
        };
        let mut declared = None;
        for (_, shape) in variants {
            if let Some(shape) = shape {
                let ty = self.type_ref(shape);
                declared.get_or_insert(ty);
            }
        }
        declared.unwrap_or_else(|| "xs:anyType".to_owned())
    }

    /// `prefix:name` for a named type of `shape`'s namespace (a data contract's own, else the
    /// contract's data namespace), to be defined there.
    fn named(&mut self, name: String, shape: &Shape) -> String {
        let ns = shape.namespace().unwrap_or(self.data);
        self.body(ns);
        let qualified = format!("{}:{}", self.prefix(ns), attr(&name));
        self.wanted
            .entry((ns, name))
            .or_insert_with(|| shape.clone());
        qualified
    }
}

/// One endpoint in a WSDL document: its binding's description and its address.
pub(crate) struct Port<'a> {
    /// How the binding appears.
    pub binding: &'a BindingDescription,
    /// The address clients use.
    pub address: &'a str,
}

/// The prefix of the SOAP WSDL extension elements of `version`.
fn soap_prefix(version: MessageVersion) -> &'static str {
    if version.is_soap12() {
        "soap12"
    } else {
        "soap"
    }
}

/// The prefix of the WS-Addressing namespace of `version`'s endpoint references, if it has
/// addressing.
fn addressing_prefix(version: MessageVersion) -> Option<&'static str> {
    match version {
        MessageVersion::Soap12WsAddressing10 | MessageVersion::Soap11WsAddressing10 => {
            Some("wsa10")
        }
        MessageVersion::Soap12WsAddressingAugust2004
        | MessageVersion::Soap11WsAddressingAugust2004 => Some("wsa"),
        MessageVersion::Soap11 => None,
    }
}

/// `text` escaped for element content; like [`attr`], empty (with a warning) if XML cannot
/// carry it.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    match crate::xml::escape::escape_into(&mut out, value, false) {
        Ok(()) => out,
        Err(error) => {
            tracing::warn!(%error, "an address cannot be written in WSDL");
            String::new()
        }
    }
}

/// `text` escaped for an attribute value. A contract's names and actions come from the macro as
/// Rust string literals; one holding a character XML cannot carry is left out, with a warning.
fn attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    match crate::xml::escape::escape_into(&mut out, text, true) {
        Ok(()) => out,
        Err(error) => {
            tracing::warn!(%error, "a name of the contract cannot be written in WSDL");
            String::new()
        }
    }
}
