//! [MC-NMF] framing records: codec and preamble exchange.
