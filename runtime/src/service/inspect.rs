//! Dispatch inspectors (WCF's `IDispatchMessageInspector`, tonic's interceptors): code that sees
//! every request of a service before its operation runs, and every reply or fault before it
//! goes out.
//!
//! Inspectors run in the order they were added, on the way in and on the way out, as WCF runs
//! its message inspectors (so that one added after another also sees the other's changes to a
//! reply: a signer after a header writer). They run after the request's action is found
//! (a request for no operation of the contract is answered before them, as WCF's contract filter
//! does) and before everything else: the `mustUnderstand` check (so an inspector can claim the
//! headers it handles), the session rules, the instance. An inspector that rejects a request
//! answers it with a fault, which the inspectors before it see on the way out.

use std::any::Any;
use std::sync::Arc;

use super::context::CallInfo;
use crate::message::{Fault, Message};

/// Sees, and may change or reject, the requests and replies of a service.
///
/// ```
/// use indigo_runtime::message::{Fault, FaultKind, Message};
/// use indigo_runtime::service::{CallInfo, DispatchInspector};
///
/// /// Refuses requests without a `Ticket` header; logs how long each call took.
/// struct Gate;
///
/// impl DispatchInspector for Gate {
///     type State = std::time::Instant;
///
///     fn after_receive_request(
///         &self,
///         request: &mut Message,
///         _call: &CallInfo,
///     ) -> Result<Self::State, Fault> {
///         // Claimed: a Ticket marked mustUnderstand is understood.
///         if request.headers.understand("urn:example", "Ticket") == 0 {
///             return Err(Fault::new(FaultKind::Sender, "a Ticket header is required"));
///         }
///         Ok(std::time::Instant::now())
///     }
///
///     fn before_send_reply(&self, _reply: Option<&mut Message>, started: Self::State) {
///         tracing::info!(elapsed = ?started.elapsed(), "call answered");
///     }
/// }
/// ```
pub trait DispatchInspector: Send + Sync + 'static {
    /// What [`after_receive_request`](Self::after_receive_request) hands to
    /// [`before_send_reply`](Self::before_send_reply) for the same call (WCF's correlation
    /// state); `()` if nothing.
    type State: Send + 'static;

    /// Sees, and may change, a request before its operation runs: its headers (claim the ones
    /// this inspector handles, so that a `mustUnderstand` one is understood) and its body. A
    /// fault rejects the call: it is answered with the fault, and its operation does not run.
    fn after_receive_request(
        &self,
        request: &mut Message,
        call: &CallInfo,
    ) -> Result<Self::State, Fault>;

    /// Sees, and may change, the reply or fault before it is sent; `None` for a one-way call,
    /// which has no reply.
    fn before_send_reply(&self, reply: Option<&mut Message>, state: Self::State);
}

/// A [`DispatchInspector`] with its state type erased, so that a service holds a list of them.
trait Erased: Send + Sync {
    fn receive(&self, request: &mut Message, call: &CallInfo)
    -> Result<Box<dyn Any + Send>, Fault>;
    fn send(&self, reply: Option<&mut Message>, state: Box<dyn Any + Send>);
}

impl<I: DispatchInspector> Erased for I {
    fn receive(
        &self,
        request: &mut Message,
        call: &CallInfo,
    ) -> Result<Box<dyn Any + Send>, Fault> {
        Ok(Box::new(self.after_receive_request(request, call)?))
    }

    fn send(&self, reply: Option<&mut Message>, state: Box<dyn Any + Send>) {
        // The state is the one `receive` boxed for this inspector.
        if let Ok(state) = state.downcast::<I::State>() {
            self.before_send_reply(reply, *state);
        }
    }
}

/// The inspectors of a service, in the order they were added.
#[derive(Clone, Default)]
pub(crate) struct Inspectors(Vec<Arc<dyn Erased>>);

/// The states of the inspectors that accepted a request, for the way out.
#[derive(Default)]
pub(crate) struct Inspected(Vec<Box<dyn Any + Send>>);

impl Inspectors {
    /// Adds `inspector` after the ones added before.
    pub(crate) fn push(&mut self, inspector: impl DispatchInspector) {
        self.0.push(Arc::new(inspector));
    }

    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Runs the inspectors on `request`, keeping in `inspected` the states of those that
    /// accept it; the first rejection stops them.
    pub(crate) fn receive(
        &self,
        request: &mut Message,
        call: &CallInfo,
        inspected: &mut Inspected,
    ) -> Result<(), Fault> {
        inspected.0.reserve_exact(self.0.len());
        for inspector in &self.0 {
            inspected.0.push(inspector.receive(request, call)?);
        }
        Ok(())
    }

    /// Runs the inspectors that accepted the request on its reply, in order.
    pub(crate) fn send(&self, mut reply: Option<&mut Message>, inspected: Inspected) {
        let accepted = self.0.iter().zip(inspected.0);
        for (inspector, state) in accepted {
            inspector.send(reply.as_deref_mut(), state);
        }
    }
}
