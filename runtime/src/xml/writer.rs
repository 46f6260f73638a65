//! The XML text writer: an [`XmlSink`] that writes escaped XML text into a `String` or a
//! `BytesMut`, checking names and characters.

use std::ops::Range;
use std::sync::OnceLock;

use smallvec::SmallVec;

use super::escape::{check_qname, escape_into, is_ncname};
use super::lexical::push_uuid;
use super::output::TextOutput;
use super::sink::needs_declaring;
use super::stream::{FixedCache, FixedEvent, FixedEvents, XmlSink};
use super::{XmlError, XmlFragment, base64};

/// Writes XML events as text.
///
/// An element without content is written `<name/>`; element content that is a byte payload as
/// base64. Names must be NCNames (prefix and local part), characters those of XML 1.0.
pub struct TextWriter<'o, O: TextOutput + ?Sized> {
    out: &'o mut O,
    /// Where the name (`prefix:local`) of each open element stands in `out`, to copy into its
    /// end tag.
    open: SmallVec<[Range<usize>; 16]>,
    /// The start tag of the innermost element still lacks its `>`.
    tag_open: bool,
}

impl<'o, O: TextOutput + ?Sized> TextWriter<'o, O> {
    /// A writer appending to `out`.
    pub fn new(out: &'o mut O) -> Self {
        TextWriter {
            out,
            open: SmallVec::new(),
            tag_open: false,
        }
    }

    /// Whether every element started has ended.
    pub fn is_balanced(&self) -> bool {
        self.open.is_empty()
    }

    fn close_tag(&mut self) {
        if std::mem::take(&mut self.tag_open) {
            self.out.push_ascii(b'>');
        }
    }

    /// Starts an element whose name is known to be valid.
    fn start_unchecked(&mut self, prefix: &str, local: &str) {
        self.close_tag();
        self.out.push_ascii(b'<');
        let at = self.out.len();
        if !prefix.is_empty() {
            self.out.push_str(prefix);
            self.out.push_ascii(b':');
        }
        self.out.push_str(local);
        self.open.push(at..self.out.len());
        self.tag_open = true;
    }

    fn in_start_tag(&self) -> Result<(), XmlError> {
        if self.tag_open {
            Ok(())
        } else {
            Err(XmlError::Unsupported(
                "a namespace declaration or attribute after an element's content",
            ))
        }
    }

    /// Writes ` prefix:local="` (or ` local="`).
    fn attribute_head(&mut self, prefix: &str, local: &str) {
        self.out.push_ascii(b' ');
        if !prefix.is_empty() {
            self.out.push_str(prefix);
            self.out.push_ascii(b':');
        }
        self.out.push_str(local);
        self.out.push_str("=\"");
    }

    /// Writes the part of a fixed run after its leading ends from its cached text.
    fn cached_run(&mut self, run: &TextRun) {
        self.close_tag();
        let at = self.out.len();
        self.out.push_str(&run.text);
        self.open
            .extend(run.open.iter().map(|name| at + name.start..at + name.end));
        self.tag_open = true;
    }
}

/// A fixed run after its leading ends, as text: every start tag but the last closed, and where
/// the names of the elements it leaves open stand in the text.
#[derive(Debug)]
struct TextRun {
    text: Box<str>,
    open: Vec<Range<usize>>,
}

/// The text of every fixed run whose events after the leading ends start elements and add to
/// them (no end): `None` for the others, which are written event by event.
static TEXT_RUNS: FixedCache<TextRun> = [const { OnceLock::new() }; FixedEvents::MAX_ID];

fn text_run(events: &[FixedEvent]) -> Option<TextRun> {
    if events.iter().any(|event| matches!(event, FixedEvent::End)) {
        return None;
    }
    let mut text = String::new();
    let mut writer = TextWriter::new(&mut text);
    // Checked once here, so that the copies need no check.
    for event in events {
        FixedEvents::write_event(&mut writer, *event).ok()?;
    }
    let open = writer.open.to_vec();
    Some(TextRun {
        text: text.into_boxed_str(),
        open,
    })
}

impl<O: TextOutput + ?Sized> XmlSink for TextWriter<'_, O> {
    fn start_element(&mut self, prefix: &str, local: &str) -> Result<(), XmlError> {
        check_qname(prefix, local)?;
        self.start_unchecked(prefix, local);
        Ok(())
    }

    fn xmlns(&mut self, prefix: &str, uri: &str) -> Result<(), XmlError> {
        self.in_start_tag()?;
        if prefix.is_empty() {
            self.out.push_str(" xmlns=\"");
        } else {
            check_qname("", prefix)?;
            self.attribute_head("xmlns", prefix);
        }
        escape_into(self.out, uri, true)?;
        self.out.push_ascii(b'"');
        Ok(())
    }

    fn attribute(&mut self, prefix: &str, local: &str, value: &str) -> Result<(), XmlError> {
        self.in_start_tag()?;
        check_qname(prefix, local)?;
        self.attribute_head(prefix, local);
        escape_into(self.out, value, true)?;
        self.out.push_ascii(b'"');
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), XmlError> {
        self.close_tag();
        escape_into(self.out, text, false)
    }

    fn bytes(&mut self, bytes: &[u8]) -> Result<(), XmlError> {
        self.close_tag();
        base64::encode_into(self.out, bytes);
        Ok(())
    }

    fn unique_id(&mut self, id: &[u8; 16]) -> Result<(), XmlError> {
        self.close_tag();
        self.out.push_str("urn:uuid:");
        push_uuid(self.out, id);
        Ok(())
    }

    fn comment(&mut self, text: &str) -> Result<(), XmlError> {
        if text.contains("--") || text.ends_with('-') {
            return Err(XmlError::Unsupported("a comment XML text cannot carry"));
        }
        super::escape::check_chars(text)?;
        self.close_tag();
        self.out.push_str("<!--");
        self.out.push_str(text);
        self.out.push_str("-->");
        Ok(())
    }

    fn end_element(&mut self) -> Result<(), XmlError> {
        let Some(name) = self.open.pop() else {
            return Err(XmlError::UnexpectedEof);
        };
        if std::mem::take(&mut self.tag_open) {
            self.out.push_str("/>");
        } else {
            self.out.push_str("</");
            self.out.push_within(name);
            self.out.push_ascii(b'>');
        }
        Ok(())
    }

    /// Leading ends of a fixed run are written as ends; the rest is copied from its text,
    /// made once.
    fn fixed(&mut self, run: &'static FixedEvents) -> Result<(), XmlError> {
        run.write_cached(self, &TEXT_RUNS, text_run, Self::cached_run)
    }

    /// Copies the fragment's text as it is, adding to each top-level start tag the declarations
    /// of its scope that it needs and `in_scope` lacks.
    fn fragment(
        &mut self,
        fragment: &XmlFragment,
        in_scope: &[(&str, &str)],
        _recurring: bool,
    ) -> Result<(), XmlError> {
        self.close_tag();
        let needed: SmallVec<[(&str, &str); 4]> = fragment
            .scope
            .iter()
            .map(|(p, u)| (p.as_str(), u.as_str()))
            .filter(|&(p, u)| needs_declaring(p, u, in_scope))
            .collect();
        let text = fragment.text.as_str();
        if needed.is_empty() {
            self.out.push_str(text);
            return Ok(());
        }
        let mut reader = quick_xml::Reader::from_str(text);
        let mut depth = 0usize;
        let mut copied = 0usize;
        loop {
            let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = reader.read_event().map_err(|e| XmlError::Syntax {
                offset: reader.error_position(),
                source: e,
            })?;
            let start = match event {
                quick_xml::events::Event::Start(start) => {
                    depth += 1;
                    if depth > 1 {
                        continue;
                    }
                    start
                }
                quick_xml::events::Event::Empty(start) if depth == 0 => start,
                quick_xml::events::Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    continue;
                }
                quick_xml::events::Event::Eof => break,
                _ => continue,
            };
            // Insert right after `<name`.
            let insert_at = before + 1 + start.name().0.len();
            let head = text.get(copied..insert_at).ok_or(XmlError::UnexpectedEof)?;
            self.out.push_str(head);
            copied = insert_at;
            for &(prefix, uri) in &needed {
                let declared_here =
                    start.attributes().with_checks(false).flatten().any(|a| {
                        match a.key.as_namespace_binding() {
                            Some(quick_xml::name::PrefixDeclaration::Default) => prefix.is_empty(),
                            Some(quick_xml::name::PrefixDeclaration::Named(p)) => p == prefix,
                            None => false,
                        }
                    });
                if declared_here {
                    continue;
                }
                if !prefix.is_empty() && !is_ncname(prefix) {
                    return Err(XmlError::InvalidName(prefix.to_owned()));
                }
                self.xmlns_unchecked_tag(prefix, uri)?;
            }
        }
        self.out.push_str(text.get(copied..).unwrap_or(""));
        Ok(())
    }
}

impl<O: TextOutput + ?Sized> TextWriter<'_, O> {
    /// Writes a declaration inside a start tag this writer did not open (in a fragment's text).
    fn xmlns_unchecked_tag(&mut self, prefix: &str, uri: &str) -> Result<(), XmlError> {
        if prefix.is_empty() {
            self.out.push_str(" xmlns=\"");
        } else {
            self.attribute_head("xmlns", prefix);
        }
        escape_into(self.out, uri, true)?;
        self.out.push_ascii(b'"');
        Ok(())
    }
}
