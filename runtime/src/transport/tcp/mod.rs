//! TCP transport speaking .NET Message Framing ([MC-NMF]), the wire format of WCF's NetTcpBinding:
//! one connection is one framing session, which is one transport session.

mod connection;
pub mod framing;
pub mod preamble;
mod server;

pub(crate) use connection::{TcpInput, connect};
pub(crate) use server::{Route, bind, serve};
