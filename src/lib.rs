//! indigo: WCF-style service contracts for Rust.
//!
//! Annotate a trait with [`service_contract`]; the macro keeps the trait (the service implements
//! it) and generates, for a trait `Calculator`:
//!
//! - `CalculatorContract`: the contract's `'static` description ([`contract::Contract`]), its session
//!   mode as a type, and constructors that host an implementation (`per_session`, `per_call`,
//!   `single`);
//! - `CalculatorClient`: a typed client proxy whose async methods mirror the trait; for a
//!   `session = Required` contract it is a typestate (`CalculatorClient<Fresh>` offers only the
//!   initiating operations, which return `CalculatorClient<Active>`; a terminating operation
//!   consumes the client);
//! - a dispatcher that the [`service::ServiceHost`] calls for each request.
//!
//! ```
//! use indigo::prelude::*;
//!
//! #[service_contract(session = Required)]
//! trait CalculatorSession {
//!     #[operation(initiating)]
//!     async fn clear(&mut self);
//!     #[operation(initiating = false)]
//!     async fn add_to(&mut self, n: f64);
//!     #[operation(initiating = false, terminating)]
//!     async fn equals(&mut self) -> f64;
//! }
//!
//! let description = <CalculatorSessionContract as Contract>::DESCRIPTION;
//! assert_eq!(description.operations[1].action, "http://tempuri.org/CalculatorSession/AddTo");
//! assert!(!description.operations[1].is_initiating);
//! ```
//!
//! The contract rules that WCF checks when a host opens are compile errors here, with a span:
//! non-initiating or terminating operations need `session = Required`; a `Required` contract needs
//! an initiating operation; a one-way operation returns `()`; names and actions are unique;
//! operations are `async fn` on `&self` or `&mut self` with owned, serde-able parameters. A
//! binding that cannot carry a contract's session mode does not compile either.

pub use indigo_macros::{DataContract, operation, service_contract};
pub use indigo_runtime::*;

/// The SOAP message model (see `indigo_runtime::message`), with the derive of typed headers:
/// `#[derive(Header)]` beside the [`Header`](indigo_runtime::message::Header) trait.
pub mod message {
    pub use indigo_macros::Header;
    pub use indigo_runtime::message::*;
}

/// The names most programs need: `use indigo::prelude::*;`.
pub mod prelude {
    pub use indigo_macros::{DataContract, operation, service_contract};
    pub use indigo_runtime::binding::{
        BasicHttpBinding, MemoryBinding, MemoryDatagramBinding, NetTcpBinding, WsHttpBinding,
    };
    pub use indigo_runtime::contract::{Contract, SessionMode};
    pub use indigo_runtime::service::{Admission, Concurrency, Service, ServiceHost};
}
