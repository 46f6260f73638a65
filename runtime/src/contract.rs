//! Contract descriptions: what a `#[service_contract]` trait declares, as `'static` data that the
//! dispatcher, the client, metadata and tools read at run time, plus the session rule as types so
//! that bindings can be checked against contracts at compile time.

use std::fmt;

/// Whether a contract needs, accepts or refuses a session (WCF's `SessionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionMode {
    /// A session is used when the binding has one (WCF's default).
    Allowed,
    /// Every call belongs to one session; the binding must provide one.
    Required,
    /// The binding must not be sessionful.
    NotAllowed,
}

impl fmt::Display for SessionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionMode::Allowed => "Allowed",
            SessionMode::Required => "Required",
            SessionMode::NotAllowed => "NotAllowed",
        })
    }
}

/// How an operation borrows the service instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Receiver {
    /// `&self`: may run alongside other shared calls when the service allows concurrency.
    Shared,
    /// `&mut self`: runs alone, in arrival order.
    Exclusive,
}

/// When the runtime recycles the service instance around an operation (WCF's
/// `ReleaseInstanceMode`): the instance context (and the session) goes on, the service object in
/// it is released (its `on_release` hook, then `Drop`) and the next call gets a fresh one from the
/// factory. A singleton the host was given is never recycled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReleaseInstanceMode {
    /// The instancing mode alone decides (WCF's default).
    #[default]
    None,
    /// The instance in place is released before the call, which runs on a fresh one.
    BeforeCall,
    /// The instance is released once the call has completed.
    AfterCall,
    /// Both: the call runs on a fresh instance, released once it has completed.
    BeforeAndAfterCall,
}

impl ReleaseInstanceMode {
    /// Whether the instance in place is released before the call.
    pub fn before_call(self) -> bool {
        matches!(self, Self::BeforeCall | Self::BeforeAndAfterCall)
    }

    /// Whether the instance is released after the call.
    pub fn after_call(self) -> bool {
        matches!(self, Self::AfterCall | Self::BeforeAndAfterCall)
    }
}

/// A service contract: name, namespace, session mode and operations in declaration order.
#[derive(Debug)]
pub struct ContractDescription {
    /// The contract's name on the wire (default: the trait's name).
    pub name: &'static str,
    /// The contract's XML namespace (default `http://tempuri.org/`).
    pub namespace: &'static str,
    /// The namespace of the members of the types its messages carry that name no namespace of
    /// their own (plain serde types, data contracts without `namespace`): `data_namespace = "…"`
    /// on the contract, by default its namespace.
    pub data_namespace: &'static str,
    /// The contract's session mode.
    pub session_mode: SessionMode,
    /// The operations, in declaration order.
    pub operations: &'static [OperationDescription],
}

impl ContractDescription {
    /// The operation whose request action is `action`.
    pub fn operation_by_action(
        &self,
        action: &str,
    ) -> Option<(usize, &'static OperationDescription)> {
        self.operations
            .iter()
            .enumerate()
            .find(|(_, op)| op.action == action)
    }
}

/// One operation of a contract.
#[derive(Debug)]
pub struct OperationDescription {
    /// The operation's name on the wire (default: the method name in PascalCase).
    pub name: &'static str,
    /// The Rust method's name.
    pub method: &'static str,
    /// The request message's action.
    pub action: &'static str,
    /// The reply message's action; `None` for a one-way operation.
    pub reply_action: Option<&'static str>,
    /// May start a session (WCF's `IsInitiating`).
    pub is_initiating: bool,
    /// Ends the session once it has run (WCF's `IsTerminating`).
    pub is_terminating: bool,
    /// No reply is sent (WCF's `IsOneWay`).
    pub is_one_way: bool,
    /// When the instance is recycled around this operation (WCF's `ReleaseInstanceMode`).
    pub release_instance: ReleaseInstanceMode,
    /// The operation may be dropped mid-way (at an `await`) when its session ends, even on a
    /// singleton or shared instance (`#[operation(cancel_safe)]`); otherwise such a call is
    /// left to finish, its reply discarded, so that the instance other sessions use is not
    /// left half-changed. Calls on an instance of their own are always dropped.
    pub is_cancel_safe: bool,
    /// How the operation borrows the instance.
    pub receiver: Receiver,
    /// The parameters, in declaration order.
    pub parameters: &'static [ParameterDescription],
    /// The reply body's wrapper element (`{Operation}Response`).
    pub reply_name: &'static str,
    /// The result element's name (`{Operation}Result`).
    pub result_name: &'static str,
    /// The result type as written, `()` when there is none.
    pub result_type: &'static str,
    /// The fault detail type of a `Result<T, F>` operation.
    pub fault_type: Option<&'static str>,
    /// The action of its typed fault's message (default, as WCF's,
    /// `{action}{DetailType}Fault`; `#[operation(fault_action = "…")]`); `None` without a fault
    /// type.
    pub fault_action: Option<&'static str>,
}

/// One parameter of an operation.
#[derive(Debug)]
pub struct ParameterDescription {
    /// The parameter's element name on the wire.
    pub name: &'static str,
    /// The parameter's type as written.
    pub type_name: &'static str,
}

/// A service contract, implemented by the marker type that `#[service_contract]` generates
/// (`{Trait}Contract`).
pub trait Contract: Send + Sync + 'static {
    /// The session mode as a type: [`Required`], [`Allowed`] or [`NotAllowed`].
    type Session: SessionRule;
    /// The contract's description.
    const DESCRIPTION: &'static ContractDescription;
}

/// Seals the session modes and the session capabilities: only indigo's bindings and layers can
/// claim to provide a session, or to provide none.
pub(crate) mod sealed {
    /// The session modes.
    pub trait Sealed {}
    /// The bindings whose session capability indigo vouches for.
    pub trait Capability {}
}

/// The session modes as types, so that a binding can be checked against a contract by rustc.
pub trait SessionRule: sealed::Sealed + Send + Sync + 'static {
    /// The mode as a value.
    const MODE: SessionMode;
}

/// `session = Required`, as a type.
#[derive(Debug, Clone, Copy)]
pub struct Required;
/// `session = Allowed`, as a type.
#[derive(Debug, Clone, Copy)]
pub struct Allowed;
/// `session = NotAllowed`, as a type.
#[derive(Debug, Clone, Copy)]
pub struct NotAllowed;

impl sealed::Sealed for Required {}
impl sealed::Sealed for Allowed {}
impl sealed::Sealed for NotAllowed {}
impl SessionRule for Required {
    const MODE: SessionMode = SessionMode::Required;
}
impl SessionRule for Allowed {
    const MODE: SessionMode = SessionMode::Allowed;
}
impl SessionRule for NotAllowed {
    const MODE: SessionMode = SessionMode::NotAllowed;
}

/// Implemented by every binding that gives each channel a session (TCP, reliable, secure).
/// Sealed: a binding outside indigo cannot claim it.
#[diagnostic::on_unimplemented(
    message = "contract `{C}` requires a session, but binding `{Self}` provides none",
    label = "this binding has no session",
    note = "use a binding with a session (such as `NetTcpBinding`), or declare the contract with `session = Allowed`"
)]
pub trait ProvidesSession<C: ?Sized>: sealed::Capability {}

/// Implemented by every binding whose channels have no session (HTTP request-reply). Sealed, as
/// [`ProvidesSession`].
#[diagnostic::on_unimplemented(
    message = "contract `{C}` does not allow a session, but binding `{Self}` always provides one",
    label = "this binding has a session",
    note = "use a binding without a session (such as `BasicHttpBinding`, `WsHttpBinding` or `MemoryDatagramBinding`), or declare the contract with `session = Allowed`"
)]
pub trait ProvidesDatagram<C: ?Sized>: sealed::Capability {}

/// The compile-time check "binding `B` can carry contract `C`", keyed on `C`'s session mode.
///
/// Runtime constructors bound `C::Session: SessionCompatible<C, B>`; when it fails, rustc names the
/// missing [`ProvidesSession`] or [`ProvidesDatagram`] with the contract and the binding.
pub trait SessionCompatible<C: ?Sized, B: ?Sized> {}
impl<C: ?Sized, B: ProvidesSession<C> + ?Sized> SessionCompatible<C, B> for Required {}
impl<C: ?Sized, B: ?Sized> SessionCompatible<C, B> for Allowed {}
impl<C: ?Sized, B: ProvidesDatagram<C> + ?Sized> SessionCompatible<C, B> for NotAllowed {}
