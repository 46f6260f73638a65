//! Client inspectors (WCF's `IClientMessageInspector`, tonic's interceptors): code that sees
//! every request a client sends and every reply it receives.
//!
//! Inspectors run in the order they were added, on the way out and on the way back, as WCF runs
//! its client message inspectors. A request inspector that fails stops the
//! call before anything is sent; a reply inspector that fails turns the reply into that error.

use std::any::Any;
use std::sync::Arc;

use crate::contract::OperationDescription;
use crate::error::Error;
use crate::message::Message;

/// Sees, and may change or reject, the requests and replies of a client.
///
/// ```
/// use indigo_runtime::Error;
/// use indigo_runtime::client::ClientInspector;
/// use indigo_runtime::contract::OperationDescription;
/// use indigo_runtime::message::Message;
///
/// /// Logs each call's action and how long its reply took.
/// struct Timing;
///
/// impl ClientInspector for Timing {
///     type State = (&'static str, std::time::Instant);
///
///     fn before_send_request(
///         &self,
///         _request: &mut Message,
///         operation: &'static OperationDescription,
///     ) -> Result<Self::State, Error> {
///         Ok((operation.name, std::time::Instant::now()))
///     }
///
///     fn after_receive_reply(&self, _reply: &mut Message, (name, sent): Self::State) -> Result<(), Error> {
///         tracing::info!(operation = name, elapsed = ?sent.elapsed(), "reply received");
///         Ok(())
///     }
/// }
/// ```
pub trait ClientInspector: Send + Sync + 'static {
    /// What [`before_send_request`](Self::before_send_request) hands to
    /// [`after_receive_reply`](Self::after_receive_reply) for the same call (WCF's correlation
    /// state); `()` if nothing.
    type State: Send + 'static;

    /// Sees, and may change, a request before it is sent (its addressing headers are set, and
    /// the headers of the caller's [`CallScope`](super::CallScope) added). An error (such as
    /// [`Error::Rejected`]) stops the call: nothing is sent, and the caller gets the error.
    fn before_send_request(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<Self::State, Error>;

    /// Sees, and may change, the reply (or fault) of a request-reply call before the proxy
    /// reads it; a one-way call has none. An error (such as [`Error::Rejected`]) becomes the
    /// call's.
    fn after_receive_reply(&self, reply: &mut Message, state: Self::State) -> Result<(), Error>;
}

/// A [`ClientInspector`] with its state type erased, so that a client holds a list of them.
trait Erased: Send + Sync {
    fn send(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<Box<dyn Any + Send>, Error>;
    fn receive(&self, reply: &mut Message, state: Box<dyn Any + Send>) -> Result<(), Error>;
}

impl<I: ClientInspector> Erased for I {
    fn send(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<Box<dyn Any + Send>, Error> {
        Ok(Box::new(self.before_send_request(request, operation)?))
    }

    fn receive(&self, reply: &mut Message, state: Box<dyn Any + Send>) -> Result<(), Error> {
        // The state is the one `send` boxed for this inspector.
        match state.downcast::<I::State>() {
            Ok(state) => self.after_receive_reply(reply, *state),
            Err(_) => Ok(()),
        }
    }
}

/// The inspectors of a client, in the order they were added.
#[derive(Clone, Default)]
pub(crate) struct Inspectors(Vec<Arc<dyn Erased>>);

/// The states of a request's inspectors, for its reply.
pub(crate) struct Inspected(Vec<Box<dyn Any + Send>>);

impl Inspectors {
    /// Adds `inspector` after the ones added before.
    pub(crate) fn push(&mut self, inspector: impl ClientInspector) {
        self.0.push(Arc::new(inspector));
    }

    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Runs the inspectors on `request`, in order; the first error stops the call.
    pub(crate) fn send(
        &self,
        request: &mut Message,
        operation: &'static OperationDescription,
    ) -> Result<Inspected, Error> {
        let mut states = Vec::with_capacity(self.0.len());
        for inspector in &self.0 {
            states.push(inspector.send(request, operation)?);
        }
        Ok(Inspected(states))
    }

    /// Runs the inspectors on `reply`, in order; the first error is the call's.
    pub(crate) fn receive(&self, reply: &mut Message, inspected: Inspected) -> Result<(), Error> {
        for (inspector, state) in self.0.iter().zip(inspected.0) {
            inspector.receive(reply, state)?;
        }
        Ok(())
    }
}
