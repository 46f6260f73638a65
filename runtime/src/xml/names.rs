//! The names the DataContractSerializer's XML is made of: the namespaces of its simple types and
//! Clark notation (`{namespace}Local`), in which data contracts name their types for the
//! serializer, the reader and the schema writer.

/// The XML Schema namespace: the schema namespace of the built-in types.
pub const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// The DataContractSerializer's namespace for the simple types XML Schema lacks.
pub const SERIALIZATION_NS: &str = "http://schemas.microsoft.com/2003/10/Serialization/";

/// Whether a newtype struct named `{namespace}local` is a simple type of XML Schema's or the
/// serializer's own namespace (see `crate::data`), whose sequence items are named like the
/// built-ins, in the arrays namespace.
pub(crate) fn is_simple_type_namespace(ns: &str) -> bool {
    ns == XS_NS || ns == SERIALIZATION_NS
}

/// `{namespace}Local` split into its namespace and local name; a name without braces has no
/// namespace of its own. `{}Local` (an empty namespace) counts as none.
#[inline]
pub(crate) fn split_clark(name: &str) -> (Option<&str>, &str) {
    match name.strip_prefix('{') {
        Some(rest) => split_braced(name, rest),
        None => (None, name),
    }
}

/// [`split_clark`] of `name`, `{` followed by `rest`.
fn split_braced<'n>(name: &'n str, rest: &'n str) -> (Option<&'n str>, &'n str) {
    // From the end: a local name is short, a namespace long; neither holds a `}` (URIs and XML
    // names cannot). This runs for every struct written.
    match rest.as_bytes().iter().rposition(|&b| b == b'}') {
        Some(0) => (None, &rest[1..]),
        Some(end) => (Some(&rest[..end]), &rest[end + 1..]),
        None => (None, name),
    }
}

#[cfg(test)]
mod tests {
    use super::split_clark;

    #[test]
    fn clark_names_split_into_namespace_and_local_name() {
        assert_eq!(split_clark("{urn:a}Person"), (Some("urn:a"), "Person"));
        assert_eq!(
            split_clark("{http://x/y?q=1}Ab_c"),
            (Some("http://x/y?q=1"), "Ab_c")
        );
        assert_eq!(split_clark("{}Person"), (None, "Person"));
        assert_eq!(split_clark("Person"), (None, "Person"));
        assert_eq!(split_clark("{unclosed"), (None, "{unclosed"));
        assert_eq!(split_clark("{urn:a}"), (Some("urn:a"), ""));
        assert_eq!(split_clark("{urn:é}Été"), (Some("urn:é"), "Été"));
    }
}
