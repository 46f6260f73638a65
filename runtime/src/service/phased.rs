//! A call's task in two phases — its operation, then its answer (the reply sent, the instance
//! released) — that says which phase it is in: a session that ends drops an operation it may
//! cancel, but lets an answer already on its way finish, so that an `on_release` hook is never
//! cut half-way.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

pin_project! {
    /// `operation`, then the future `answer` makes of its output (as `FutureExt::then`), and
    /// [`Phased::answering`] to tell which runs.
    #[project = PhaseProj]
    pub(crate) enum Phased<O, F, A> {
        /// The operation runs.
        Operation {
            #[pin]
            operation: O,
            answer: Option<F>,
        },
        /// Its answer goes out.
        Answer {
            #[pin]
            answer: A,
        },
    }
}

impl<O, F, A> Phased<O, F, A>
where
    O: Future,
    F: FnOnce(O::Output) -> A,
    A: Future,
{
    /// `operation`, then `answer` of its output.
    pub(crate) fn new(operation: O, answer: F) -> Self {
        Phased::Operation {
            operation,
            answer: Some(answer),
        }
    }

    /// Whether the operation is over and its answer is on its way.
    pub(crate) fn answering(&self) -> bool {
        matches!(self, Phased::Answer { .. })
    }
}

impl<O, F, A> Future for Phased<O, F, A>
where
    O: Future,
    F: FnOnce(O::Output) -> A,
    A: Future,
{
    type Output = A::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A::Output> {
        loop {
            match self.as_mut().project() {
                PhaseProj::Operation { operation, answer } => {
                    let output = ready!(operation.poll(cx));
                    let Some(answer) = answer.take() else {
                        unreachable!("the answer is made once, as the operation ends");
                    };
                    let answer = answer(output);
                    self.set(Phased::Answer { answer });
                }
                PhaseProj::Answer { answer } => return answer.poll(cx),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_the_operation_then_its_answer_and_tells_which() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let mut task = Box::pin(Phased::new(rx, |value| async move {
            let _ = done_rx.await;
            value.unwrap() + 1
        }));
        assert!(futures_util::poll!(task.as_mut()).is_pending());
        assert!(!task.answering());
        tx.send(1).unwrap();
        assert!(futures_util::poll!(task.as_mut()).is_pending());
        assert!(task.answering(), "the operation is over; its answer waits");
        done_tx.send(()).unwrap();
        assert_eq!(task.await, 2);
    }
}
