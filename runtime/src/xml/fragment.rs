//! A piece of XML text cut out of a document, with the namespace declarations it inherited.

/// A piece of XML cut out of a document: the text of one or more elements, and the namespace
/// declarations that were in scope where it was cut, so that it can be read on its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XmlFragment {
    /// The XML text (UTF-8, no XML declaration).
    pub text: String,
    /// Namespace bindings inherited from the enclosing elements: `(prefix, uri)`, `""` for the
    /// default namespace.
    pub scope: Vec<(String, String)>,
}

impl XmlFragment {
    /// A fragment that declares every namespace it uses itself.
    pub fn new(text: impl Into<String>) -> Self {
        XmlFragment {
            text: text.into(),
            scope: Vec::new(),
        }
    }
}
