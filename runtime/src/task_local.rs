//! Running a future with a tokio task-local value, and getting the value back: how a call's
//! headers reach the code of an operation or of a client's caller without a parameter.

use std::future::Future;

use tokio::task::LocalKey;

/// Runs `future` with `value` in `key`; returns its output and the value as the future left it.
pub(crate) async fn scoped<T: 'static, F: Future>(
    key: &'static LocalKey<T>,
    value: T,
    future: F,
) -> (F::Output, Option<T>) {
    let mut scoped = std::pin::pin!(key.scope(value, future));
    let output = scoped.as_mut().await;
    (output, scoped.take_value())
}
