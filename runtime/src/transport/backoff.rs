//! How an accept loop waits after `accept` fails for want of resources (out of descriptors,
//! `EMFILE`/`ENFILE`; out of memory): 50 ms, doubling to 1 s while it keeps failing, and one
//! log line per wait — neither spinning on a listener that stays readable nor giving up.

use std::io;
use std::time::Duration;

/// The first wait after a failed accept.
const FIRST: Duration = Duration::from_millis(50);
/// The longest wait.
const LONGEST: Duration = Duration::from_secs(1);

/// The state of one accept loop's back-off.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    next: Option<Duration>,
}

impl AcceptBackoff {
    /// An accept succeeded: the next failure waits the shortest again.
    pub(crate) fn reset(&mut self) {
        self.next = None;
    }

    /// How long to wait after `error`; logs it once. Errors of one connection (reset or
    /// aborted before it was accepted) wait nothing.
    pub(crate) fn after(&mut self, error: &io::Error) -> Duration {
        if is_connection_error(error) {
            tracing::debug!(%error, "a connection failed before it was accepted");
            return Duration::ZERO;
        }
        let wait = self.next.unwrap_or(FIRST);
        self.next = Some((wait * 2).min(LONGEST));
        tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "accept failed; backing off");
        wait
    }
}

/// Whether an accept error concerns one connection only, not the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_to_a_second_and_reset() {
        let mut backoff = AcceptBackoff::default();
        let emfile = io::Error::from_raw_os_error(24);
        let waits: Vec<_> = (0..7).map(|_| backoff.after(&emfile).as_millis()).collect();
        assert_eq!(waits, [50, 100, 200, 400, 800, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.after(&emfile), FIRST);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(backoff.after(&reset), Duration::ZERO);
    }
}
