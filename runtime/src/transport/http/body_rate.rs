//! A request body that must keep arriving: [`TimelyBody`] cuts a body off when the whole of it
//! takes longer than a deadline, or when it trickles in below a minimum rate once a grace
//! period has passed (a slowloris body).
//!
//! The rate is the average since the body began, as Kestrel's `MinRequestBodyDataRate`
//! measures it. Nothing is timed while data is ready: a timer is armed only when the body
//! has to wait for the client, and moved later when data has come since it was armed.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Buf;
use hyper::body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep_until};

use crate::deadline;

/// A minimum data rate: a body slower than `bytes_per_second` on average, once `grace` has
/// passed since it began, is cut off.
///
/// The default is Kestrel's `MinRequestBodyDataRate`: 240 bytes per second after 5 seconds.
/// WCF has no such limit (http.sys's `MinSendRate` of 150 bytes/s applies to responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinDataRate {
    /// The slowest average rate allowed, in bytes per second; 0 allows any rate.
    pub bytes_per_second: u64,
    /// How long a body may be slower than the rate before the rate is enforced.
    pub grace: Duration,
}

impl MinDataRate {
    /// A rate of `bytes_per_second`, enforced after `grace`.
    pub fn new(bytes_per_second: u64, grace: Duration) -> Self {
        MinDataRate {
            bytes_per_second,
            grace,
        }
    }

    /// The time from the body's start after which `received` bytes are too few.
    fn allowance(&self, received: u64) -> Option<Duration> {
        if self.bytes_per_second == 0 {
            return None;
        }
        let nanos = u128::from(received) * 1_000_000_000 / u128::from(self.bytes_per_second);
        let earned = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        Some(earned.max(self.grace))
    }
}

impl Default for MinDataRate {
    fn default() -> Self {
        MinDataRate::new(240, Duration::from_secs(5))
    }
}

/// Why a request body was cut off before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyTooSlow {
    /// The whole body did not arrive within the binding's receive timeout.
    #[error("the request body did not arrive within {0:?}")]
    Timeout(Duration),
    /// The body arrived slower than the minimum rate.
    #[error("the request body arrived slower than {} bytes per second", .0.bytes_per_second)]
    BelowMinRate(MinDataRate),
}

pin_project! {
    /// A body that fails with [`BodyTooSlow`] when its data stops arriving in time; other
    /// errors of the inner body pass through, boxed.
    pub(crate) struct TimelyBody<B> {
        #[pin]
        inner: B,
        start: Instant,
        received: u64,
        timeout: Duration,
        min_rate: Option<MinDataRate>,
        #[pin]
        check: Option<Sleep>,
    }
}

impl<B> TimelyBody<B> {
    /// `inner`, which must end within `timeout` from now and keep above `min_rate`.
    pub(crate) fn new(inner: B, timeout: Duration, min_rate: Option<MinDataRate>) -> Self {
        TimelyBody {
            inner,
            start: Instant::now(),
            received: 0,
            timeout,
            min_rate,
            check: None,
        }
    }
}

/// When the body fails if nothing more arrives, and why.
fn deadline(
    start: Instant,
    received: u64,
    timeout: Duration,
    min_rate: Option<MinDataRate>,
) -> (Instant, BodyTooSlow) {
    let by_time = (
        deadline::after(start, timeout),
        BodyTooSlow::Timeout(timeout),
    );
    match min_rate.and_then(|rate| Some((rate.allowance(received)?, rate))) {
        Some((allowance, rate)) if allowance < timeout => (
            deadline::after(start, allowance),
            BodyTooSlow::BelowMinRate(rate),
        ),
        _ => by_time,
    }
}

impl<B> Body for TimelyBody<B>
where
    B: Body,
    B::Error: Into<axum::BoxError>,
{
    type Data = B::Data;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
                *this.received += data.map_or(0, |d| d.remaining() as u64);
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        loop {
            let (due, why) = deadline(*this.start, *this.received, *this.timeout, *this.min_rate);
            let Some(mut check) = this.check.as_mut().as_pin_mut() else {
                this.check.set(Some(sleep_until(due)));
                continue;
            };
            if check.deadline() < due {
                // More data came since the timer was armed: the body has more time.
                check.as_mut().reset(due);
            }
            ready!(check.poll(cx));
            // The timer fired at its deadline, which is the body's: nothing came in time.
            return Poll::Ready(Some(Err(Box::new(why))));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    use bytes::Bytes;
    use futures_util::Stream;
    use http_body_util::{BodyExt, StreamBody};
    use tokio::sync::mpsc;

    type Frames = Pin<Box<dyn Stream<Item = Result<Frame<Bytes>, Infallible>> + Send>>;

    /// A body fed through a channel, and its feeder.
    fn trickled(
        timeout: Duration,
        rate: Option<MinDataRate>,
    ) -> (mpsc::Sender<Bytes>, TimelyBody<StreamBody<Frames>>) {
        let (tx, rx) = mpsc::channel::<Bytes>(16);
        let frames: Frames = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            let data = rx.recv().await?;
            Some((Ok(Frame::data(data)), rx))
        }));
        let body = TimelyBody::new(StreamBody::new(frames), timeout, rate);
        (tx, body)
    }

    /// The next error of `body` (failing the test if it ends first or takes over 10 minutes of
    /// the paused clock).
    async fn next_error<B: Body<Error = axum::BoxError>>(body: Pin<&mut B>) -> axum::BoxError {
        let mut body = body;
        let error = async {
            loop {
                match body.frame().await {
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => break error,
                    None => panic!("the body ended"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(600), error)
            .await
            .expect("an error in time")
    }

    fn too_slow(error: axum::BoxError) -> BodyTooSlow {
        *error.downcast::<BodyTooSlow>().expect("a BodyTooSlow")
    }

    #[test]
    fn allowance_is_the_grace_or_what_the_bytes_earn() {
        let rate = MinDataRate::default();
        assert_eq!(rate.allowance(0), Some(Duration::from_secs(5)));
        assert_eq!(rate.allowance(2400), Some(Duration::from_secs(10)));
        assert_eq!(MinDataRate::new(0, Duration::ZERO).allowance(10), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_below_the_rate_is_cut_after_the_grace() {
        let rate = MinDataRate::new(100, Duration::from_secs(2));
        let (tx, body) = trickled(Duration::from_secs(60), Some(rate));
        let mut body = std::pin::pin!(body);
        let start = Instant::now();
        let feeder = tokio::spawn(async move {
            // 10 bytes a second: below 100 bytes/s.
            for _ in 0..100 {
                if tx.send(Bytes::from_static(b"0123456789")).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let error = next_error(body.as_mut()).await;
        assert_eq!(too_slow(error), BodyTooSlow::BelowMinRate(rate));
        // The grace (2 s) had passed, and 20 or 30 bytes earn at most 0.3 s.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_secs(2) && elapsed <= Duration::from_secs(3),
            "{elapsed:?}"
        );
        feeder.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_above_the_rate_arrives_whole() {
        let rate = MinDataRate::new(100, Duration::from_secs(1));
        let (tx, body) = trickled(Duration::from_secs(60), Some(rate));
        tokio::spawn(async move {
            for _ in 0..10 {
                tx.send(Bytes::from(vec![b'x'; 200])).await.expect("open");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let collected = tokio::time::timeout(Duration::from_secs(600), body.collect())
            .await
            .expect("in time")
            .expect("whole")
            .to_bytes();
        assert_eq!(collected.len(), 2000);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_past_the_timeout_is_cut_whatever_its_rate() {
        let (tx, body) = trickled(Duration::from_secs(3), None);
        let mut body = std::pin::pin!(body);
        let start = Instant::now();
        let _feeder = tokio::spawn(async move {
            loop {
                if tx.send(Bytes::from(vec![b'x'; 1000])).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        let error = next_error(body.as_mut()).await;
        assert_eq!(
            too_slow(error),
            BodyTooSlow::Timeout(Duration::from_secs(3))
        );
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn an_infinite_timeout_waits_without_overflowing() {
        let (_feed, body) = trickled(Duration::MAX, None);
        let mut body = std::pin::pin!(body);
        let waited = tokio::time::timeout(Duration::from_secs(3600), body.frame()).await;
        assert!(waited.is_err(), "still waiting after an hour, and no panic");
    }
}
