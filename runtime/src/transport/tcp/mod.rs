//! TCP transport speaking .NET Message Framing ([MC-NMF]), the wire format of WCF's NetTcpBinding:
//! one connection is one framing session, which is one transport session.
//!
//! [`connect`] opens a client's channel; [`listen`] registers an endpoint's path with its port's
//! acceptor, which runs the preambles and leaves each connection's answer to the host. The
//! framing runs on any [`ByteStream`] ([`open`] starts a client's session on one).

mod connect;
mod connection;
mod drain;
pub mod framing;
mod listener;
mod pending;
pub mod preamble;
mod stream;

pub use connect::{connect, open};
pub use listener::listen;
pub use stream::ByteStream;

/// The port of a `net.tcp` address that names none (WCF's default).
pub const DEFAULT_PORT: u16 = 808;
