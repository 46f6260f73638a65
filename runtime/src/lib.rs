//! The runtime of indigo: everything that runs behind the `#[service_contract]` macro.
//!
//! Most users depend on the `indigo` facade crate, which re-exports this crate and the macros.

pub mod contract;
pub mod encoding;
pub mod message;
pub mod transport;
pub mod xml;
