//! Closing a connection after a last word (a framing fault) without resetting it: what the peer
//! still sends is read and discarded for a short while first. A socket closed with unread input
//! sends a TCP reset instead of a normal close, and a peer's stack may then discard the fault
//! before its application reads it.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// How long the peer's input is drained at most.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// How much of the peer's input is drained at most.
const DRAIN_LIMIT: usize = 64 * 1024;

/// Reads and discards `input` until the peer closes its side, [`DRAIN_LIMIT`] bytes were read
/// or [`DRAIN_TIMEOUT`] has passed, whichever comes first. The caller has sent its last bytes
/// (and shut its writing side down); it closes the connection when this returns.
pub(super) async fn drain<R: AsyncRead + Unpin>(input: &mut R) {
    let mut sink = [0u8; 1024];
    let discard = async {
        let mut drained = 0;
        while drained < DRAIN_LIMIT {
            match input.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, discard).await;
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn draining_ends_at_the_peers_close_at_its_limit_or_at_its_timeout() {
        let (mut ours, mut peer) = tokio::io::duplex(256 * 1024);
        peer.write_all(b"junk").await.unwrap();
        drop(peer);
        tokio::time::timeout(Duration::from_millis(1), drain(&mut ours))
            .await
            .expect("the peer's close ends the drain at once");

        let (mut ours, mut peer) = tokio::io::duplex(256 * 1024);
        peer.write_all(&[0; 100 * 1024]).await.unwrap();
        tokio::time::timeout(Duration::from_millis(1), drain(&mut ours))
            .await
            .expect("the limit ends the drain at once");
        let mut rest = Vec::new();
        drop(peer);
        ours.read_to_end(&mut rest).await.unwrap();
        assert!(rest.len() >= 100 * 1024 - DRAIN_LIMIT && rest.len() < 100 * 1024);

        let (mut ours, _peer) = tokio::io::duplex(1024);
        let start = tokio::time::Instant::now();
        drain(&mut ours).await;
        assert_eq!(start.elapsed(), DRAIN_TIMEOUT);
    }
}
