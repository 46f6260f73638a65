//! indigo: WCF-style service contracts for Rust.
//!
//! Annotate a trait with [`service_contract`] and get a contract description, a typed client proxy
//! and a server dispatcher; host it with the runtime's service host.

pub use indigo_macros::{operation, service_contract};
pub use indigo_runtime::*;

/// The names most programs need.
pub mod prelude {
    pub use indigo_macros::{operation, service_contract};
    pub use indigo_runtime::contract::{Contract, SessionMode};
}
