//! [`TextOutput`]: where XML text is written, a `String` or a `BytesMut`.

use std::ops::Range;

use bytes::{BufMut, BytesMut};

/// Where XML text goes: a `String` or a `BytesMut`.
pub trait TextOutput {
    /// Appends `s`.
    fn push_str(&mut self, s: &str);
    /// Appends one ASCII character.
    fn push_ascii(&mut self, c: u8);
    /// Appends ASCII characters.
    fn push_ascii_bytes(&mut self, bytes: &[u8]);
    /// Appends a copy of what was written at `range` (which holds whole characters).
    fn push_within(&mut self, range: Range<usize>);
    /// How many bytes have been written.
    fn len(&self) -> usize;
    /// Whether nothing has been written.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Makes room for `additional` more bytes.
    fn reserve(&mut self, additional: usize);
}

impl TextOutput for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }

    fn push_ascii(&mut self, c: u8) {
        self.push(char::from(c));
    }

    fn push_ascii_bytes(&mut self, bytes: &[u8]) {
        self.extend(bytes.iter().copied().map(char::from));
    }

    fn push_within(&mut self, range: Range<usize>) {
        self.extend_from_within(range);
    }

    fn len(&self) -> usize {
        String::len(self)
    }

    fn reserve(&mut self, additional: usize) {
        String::reserve(self, additional);
    }
}

impl TextOutput for BytesMut {
    fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    fn push_ascii(&mut self, c: u8) {
        self.put_u8(c);
    }

    fn push_ascii_bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn push_within(&mut self, range: Range<usize>) {
        self.extend_from_within(range);
    }

    fn len(&self) -> usize {
        BytesMut::len(self)
    }

    fn reserve(&mut self, additional: usize) {
        BytesMut::reserve(self, additional);
    }
}
