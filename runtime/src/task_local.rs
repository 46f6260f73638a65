//! Running a future with a tokio task-local value, and getting the value back: how a call's
//! context reaches the code of an operation, or a client's scope the calls made in it, without
//! a parameter.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::task::LocalKey;
use tokio::task::futures::TaskLocalFuture;

pin_project_lite::pin_project! {
    /// `future` run with a task-local value; outputs the future's output and the value as the
    /// future left it. A plain future rather than an `async fn`, whose state would hold the
    /// value and the future twice (as arguments, and inside the scope).
    pub(crate) struct Scoped<T: 'static, F: Future> {
        #[pin]
        inner: TaskLocalFuture<T, F>,
    }
}

/// Runs `future` with `value` in `key`; outputs its output and the value as the future left it.
pub(crate) fn scoped<T: 'static, F: Future>(
    key: &'static LocalKey<T>,
    value: T,
    future: F,
) -> Scoped<T, F> {
    Scoped {
        inner: key.scope(value, future),
    }
}

impl<T: 'static, F: Future> Future for Scoped<T, F> {
    type Output = (F::Output, Option<T>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inner = self.project().inner;
        let output = ready!(inner.as_mut().poll(cx));
        Poll::Ready((output, inner.take_value()))
    }
}
