//! Typestate markers of the client of a `session = Required` contract.

mod sealed {
    pub trait Sealed {}
}

/// The state of a session-required client: [`Fresh`] or [`Active`].
pub trait SessionState: sealed::Sealed + Send + Sync + 'static {}

/// A client whose session has not started: only initiating operations are offered.
#[derive(Debug, Clone, Copy)]
pub struct Fresh;

/// A client whose session has started with an initiating operation.
#[derive(Debug, Clone, Copy)]
pub struct Active;

impl sealed::Sealed for Fresh {}
impl sealed::Sealed for Active {}
impl SessionState for Fresh {}
impl SessionState for Active {}

/// Implemented by the states in which a session has started.
#[diagnostic::on_unimplemented(
    message = "this operation is not initiating, and the client's session has not started",
    label = "the session has not started yet",
    note = "a `session = Required` contract starts its session with an initiating operation; call one first: it returns the started client (`Client<Active>`)"
)]
pub trait Started: SessionState {}

impl Started for Active {}
