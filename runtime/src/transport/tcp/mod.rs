//! TCP transport speaking .NET Message Framing ([MC-NMF]), the wire format of WCF's NetTcpBinding.

pub mod framing;
pub mod preamble;
