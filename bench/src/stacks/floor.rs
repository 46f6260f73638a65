//! The floor: raw tokio TCP with length-prefixed frames, doing the same work with nothing else.
//!
//! A request frame is `id: u64, op: u8, body`; a reply frame is `id: u64, body` (`add` bodies are
//! little-endian `f64`s). Both sides coalesce writes: the server answers every request that has
//! already arrived before it writes, and the client's writer sends everything the calls queued
//! since its last write, so a write happens only before a side would otherwise wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::{FutureExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, LengthDelimitedCodec};

use super::{BoxError, Client, Stack};

const OP_ADD: u8 = 0;
const OP_ECHO: u8 = 1;
/// A side writes once this much is buffered even when more is ready.
const COALESCE_LIMIT: usize = 64 * 1024;
/// Larger than any benchmark payload.
const MAX_FRAME: usize = 1 << 20;

/// The raw-socket floor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Floor;

fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

/// Appends one length-prefixed frame made of `head` and `body`.
fn put_frame(out: &mut BytesMut, head: &[u8], body: &[u8]) {
    let len = u32::try_from(head.len() + body.len()).expect("frame within u32");
    out.reserve(4 + head.len() + body.len());
    out.put_u32(len);
    out.put_slice(head);
    out.put_slice(body);
}

impl Stack for Floor {
    type Server = JoinHandle<()>;
    type Client = FloorClient;

    async fn serve(&self) -> Result<(Self::Server, String), BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_connection(stream));
            }
        });
        Ok((accept, address))
    }

    async fn connect(&self, address: &str) -> Result<FloorClient, BoxError> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        let shared = Arc::new(Shared::default());
        let writer = tokio::spawn(write_requests(write, shared.clone()));
        let reader = tokio::spawn(read_replies(FramedRead::new(read, codec()), shared.clone()));
        Ok(FloorClient {
            shared,
            writer,
            reader,
        })
    }
}

async fn serve_connection(stream: TcpStream) {
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let (read, mut write) = stream.into_split();
    let mut frames = FramedRead::new(read, codec());
    let mut out = BytesMut::new();
    loop {
        // Answer what has arrived; write only before waiting for more.
        let next = match frames.next().now_or_never() {
            Some(next) if out.len() < COALESCE_LIMIT => next,
            ready => {
                if !out.is_empty() {
                    if write.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
                match ready {
                    Some(next) => next,
                    None => frames.next().await,
                }
            }
        };
        let Some(Ok(mut frame)) = next else {
            break;
        };
        if frame.len() < 9 {
            return;
        }
        let id = frame.get_u64_le();
        match frame.get_u8() {
            OP_ADD if frame.len() == 16 => {
                let sum = frame.get_f64_le() + frame.get_f64_le();
                put_frame(&mut out, &id.to_le_bytes(), &sum.to_le_bytes());
            }
            OP_ECHO => put_frame(&mut out, &id.to_le_bytes(), &frame),
            _ => return,
        }
    }
    let _ = write.shutdown().await;
}

/// What the calls and the client's writer and reader share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake_writer: Notify,
}

#[derive(Default)]
struct State {
    next_id: u64,
    out: BytesMut,
    pending: HashMap<u64, oneshot::Sender<Bytes>>,
    closing: bool,
}

/// A floor client: calls queue frames; a writer task sends them; a reader task hands out replies.
pub(crate) struct FloorClient {
    shared: Arc<Shared>,
    writer: JoinHandle<()>,
    reader: JoinHandle<()>,
}

impl FloorClient {
    async fn call(&self, op: u8, body: &[u8]) -> Result<Bytes, BoxError> {
        let reply = {
            let mut state = self.shared.state.lock().expect("floor state");
            let id = state.next_id;
            state.next_id += 1;
            let mut head = [0u8; 9];
            head[..8].copy_from_slice(&id.to_le_bytes());
            head[8] = op;
            put_frame(&mut state.out, &head, body);
            let (tx, rx) = oneshot::channel();
            state.pending.insert(id, tx);
            rx
        };
        self.shared.wake_writer.notify_one();
        Ok(reply.await?)
    }
}

impl Client for FloorClient {
    async fn add(&self, a: f64, b: f64) -> Result<f64, BoxError> {
        let mut body = [0u8; 16];
        body[..8].copy_from_slice(&a.to_le_bytes());
        body[8..].copy_from_slice(&b.to_le_bytes());
        let mut reply = self.call(OP_ADD, &body).await?;
        Ok(reply.get_f64_le())
    }

    async fn echo(&self, payload: &Bytes) -> Result<usize, BoxError> {
        Ok(self.call(OP_ECHO, payload).await?.len())
    }

    async fn close(self) -> Result<(), BoxError> {
        self.shared.state.lock().expect("floor state").closing = true;
        self.shared.wake_writer.notify_one();
        self.writer.await?;
        self.reader.await?;
        Ok(())
    }
}

async fn write_requests(mut write: tokio::net::tcp::OwnedWriteHalf, shared: Arc<Shared>) {
    // Two buffers take turns: the calls fill one while the other is written.
    let mut batch = BytesMut::new();
    loop {
        shared.wake_writer.notified().await;
        let closing = {
            let mut state = shared.state.lock().expect("floor state");
            std::mem::swap(&mut state.out, &mut batch);
            state.closing
        };
        if !batch.is_empty() && write.write_all(&batch).await.is_err() {
            return;
        }
        batch.clear();
        if closing {
            let _ = write.shutdown().await;
            return;
        }
    }
}

async fn read_replies(
    mut frames: FramedRead<tokio::net::tcp::OwnedReadHalf, LengthDelimitedCodec>,
    shared: Arc<Shared>,
) {
    while let Some(Ok(frame)) = frames.next().await {
        let mut frame = frame.freeze();
        if frame.len() < 8 {
            break;
        }
        let id = frame.get_u64_le();
        let waiter = shared
            .state
            .lock()
            .expect("floor state")
            .pending
            .remove(&id);
        if let Some(waiter) = waiter {
            let _ = waiter.send(frame);
        }
    }
    shared.state.lock().expect("floor state").pending.clear();
}
