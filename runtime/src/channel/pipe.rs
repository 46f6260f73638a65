//! In-process pipes: a [`MessageSink`] joined to a [`MessageSource`] by a bounded queue.
//!
//! Two pipes back to back are the in-memory transport; a layer that produces messages of its
//! own (a delay line, a reliable session's receive buffer) hands them on through one.

use std::sync::Arc;
use std::task::{Context, Poll};

use super::queue::{Popped, Queue, QueueSink};
use super::{ChannelError, MessageSource};
use crate::message::Message;

/// How many messages a pipe holds before senders wait.
pub const PIPE_CAPACITY: usize = 1024;

/// A pipe holding up to `capacity` messages: what is sent on the sink is received, in order, on
/// the source. Closing the sink ends the source (`Ok(None)`), and the close completes once the
/// source has read that end; dropping either half fails the other with
/// [`ChannelError::Lost`].
pub fn pipe(capacity: usize) -> (PipeSink, PipeSource) {
    let (sink, queue) = raw_pipe(capacity);
    (sink, PipeSource(queue))
}

/// A pipe whose receiving end is the bare queue, for a task that does its own part of the close
/// (it sees [`Popped::Closing`] and reports the outcome with [`Queue::finish`]).
pub(crate) fn raw_pipe(capacity: usize) -> (PipeSink, Arc<Queue<Box<Message>>>) {
    let queue = Arc::new(Queue::new(capacity));
    // Boxed in the queue: an idle pipe keeps a few pointers, not a few messages.
    (QueueSink::new(queue.clone(), Box::new), queue)
}

/// The sending half of a [`pipe`].
pub type PipeSink = QueueSink<Box<Message>>;

/// The receiving half of a [`pipe`].
#[derive(Debug)]
pub struct PipeSource(Arc<Queue<Box<Message>>>);

impl MessageSource for PipeSource {
    fn poll_receive(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Message>, ChannelError>> {
        self.0.poll_pop(cx).map(|popped| match popped {
            Popped::Item(message) => Ok(Some(*message)),
            Popped::Closing => {
                self.0.finish(Ok(()));
                Ok(None)
            }
            Popped::Done(Ok(())) => Ok(None),
            Popped::Done(Err(error)) => Err(error),
        })
    }
}

impl Drop for PipeSource {
    fn drop(&mut self) {
        self.0
            .abort(ChannelError::lost("the peer stopped receiving"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{ReceiveExt, SendExt};
    use crate::message::Body;

    #[tokio::test]
    async fn a_close_arrives_after_the_messages_and_completes_when_read() {
        let (sink, mut source) = pipe(4);
        sink.send(Message::new("a", Body::Empty)).await.unwrap();
        let sink = Arc::new(sink);
        let closing = tokio::spawn({
            let sink = sink.clone();
            async move { sink.close().await }
        });
        assert_eq!(source.receive().await.unwrap().unwrap().action(), "a");
        assert_eq!(source.receive().await, Ok(None));
        assert_eq!(closing.await.unwrap(), Ok(()));
        assert_eq!(
            sink.send(Message::new("late", Body::Empty)).await,
            Err(ChannelError::Closed)
        );
    }

    #[tokio::test]
    async fn dropping_the_sink_fails_the_source_as_lost() {
        let (sink, mut source) = pipe(4);
        drop(sink);
        assert!(matches!(source.receive().await, Err(ChannelError::Lost(_))));
    }
}
