//! Deadlines from timeouts that may be "infinite" (`Duration::MAX`, as WCF's `Infinite`): adding
//! such a timeout to an instant overflows (a panic), so a deadline beyond what an instant can
//! hold is a century away instead.

use std::time::Duration;

use tokio::time::Instant;

/// Far enough to never come, near enough for any instant to hold.
const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `start + wait`, or a century after `start` when that overflows.
pub(crate) fn after(start: Instant, wait: Duration) -> Instant {
    start.checked_add(wait).unwrap_or(start + CENTURY)
}

/// `wait` from now (see [`after`]).
pub(crate) fn from_now(wait: Duration) -> Instant {
    after(Instant::now(), wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_infinite_wait_is_a_century_not_a_panic() {
        let start = Instant::now();
        assert_eq!(after(start, Duration::MAX), start + CENTURY);
        assert_eq!(
            after(start, Duration::from_secs(1)),
            start + Duration::from_secs(1)
        );
        assert!(from_now(Duration::MAX) > start);
    }
}
