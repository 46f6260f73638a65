//! An endpoint's answer to the requests a request-reply transport pushes: each is admitted as a
//! channel of one exchange, then runs as a call outside any session.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::admission::Slots;
use super::call::call_once;
use super::dispatch::Dispatch;
use super::endpoint::Endpoint;
use crate::channel::{ChannelError, Refusal, RequestHandler};
use crate::message::Message;

/// The endpoint's answer to the requests of a request-reply transport: each is admitted as a
/// channel of one exchange, then runs as a call outside any session.
pub(crate) struct Requests<C, S> {
    pub endpoint: Arc<Endpoint<C, S>>,
    pub slots: Arc<Slots>,
    /// Cancelled when the host drops what is in progress.
    pub abort: CancellationToken,
    /// Where the calls' instance releases run, after their replies (the host waits for them
    /// when it shuts down).
    pub cleanups: TaskTracker,
}

impl<C, S> RequestHandler for Requests<C, S>
where
    C: Dispatch<S>,
    S: Send + Sync + 'static,
{
    async fn handle(&self, request: Message) -> Result<Option<Message>, ChannelError> {
        let _slot = self
            .slots
            .admit(self.endpoint.settings.open_timeout)
            .await
            .map_err(ChannelError::Refused)?;
        // On abort the call is dropped where it stands, and a per-call instance with it, without
        // its `on_release` hook (which would have to wait for the call to let go of it); a call on
        // a singleton or shared instance runs on in its own task (see `call_once`).
        tokio::select! {
            answer = call_once(&self.endpoint, request, &self.cleanups) => Ok(answer),
            () = self.abort.cancelled() => Err(ChannelError::Refused(Refusal::ShuttingDown)),
        }
    }
}
