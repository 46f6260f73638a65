//! Running a future with a tokio task-local value, and getting the value back: how a call's
//! headers reach the code of an operation or of a client's caller without a parameter.

use std::cell::RefCell;
use std::future::Future;

use tokio::task::LocalKey;

/// Runs `future` with `value` in `key`; returns its output and the value as the future left it.
pub(crate) async fn scoped<T: 'static, F: Future>(
    key: &'static LocalKey<RefCell<T>>,
    value: T,
    future: F,
) -> (F::Output, Option<T>) {
    let mut scoped = std::pin::pin!(key.scope(RefCell::new(value), future));
    let output = scoped.as_mut().await;
    let value = scoped.take_value().map(RefCell::into_inner);
    (output, value)
}
