//! The XML data format for message bodies: serde to and from the element shape that WCF's
//! DataContractSerializer reads and writes.
