//! tarpc over TCP with its serde transport and bincode codec; `TCP_NODELAY` on both sides.

use bytes::Bytes;
use futures_util::StreamExt;
use serde_bytes::ByteBuf;
use tarpc::client;
use tarpc::context;
use tarpc::serde_transport;
use tarpc::server::{BaseChannel, Channel};
use tarpc::tokio_serde::formats::Bincode;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use super::{BoxError, Client, Stack};

/// The benchmark's operations as a tarpc service.
#[tarpc::service]
pub(crate) trait BenchRpc {
    /// Adds two numbers.
    async fn add(a: f64, b: f64) -> f64;
    /// Returns the payload.
    async fn echo(data: ByteBuf) -> ByteBuf;
}

#[derive(Clone)]
struct BenchServer;

impl BenchRpc for BenchServer {
    async fn add(self, _: context::Context, a: f64, b: f64) -> f64 {
        a + b
    }

    async fn echo(self, _: context::Context, data: ByteBuf) -> ByteBuf {
        data
    }
}

/// tarpc with bincode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tarpc;

/// Frames as tarpc's own `tcp::connect`/`listen` make them (length-delimited, 8 MiB maximum).
fn framed(stream: TcpStream) -> Framed<TcpStream, LengthDelimitedCodec> {
    Framed::new(stream, LengthDelimitedCodec::new())
}

impl Stack for Tarpc {
    type Server = JoinHandle<()>;
    type Client = BenchRpcClient;

    async fn serve(&self) -> Result<(Self::Server, String), BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if stream.set_nodelay(true).is_err() {
                    continue;
                }
                let transport = serde_transport::new(framed(stream), Bincode::default());
                let requests = BaseChannel::with_defaults(transport).execute(BenchServer.serve());
                // tarpc's model: each request runs as its own task.
                tokio::spawn(requests.for_each(|response| async move {
                    tokio::spawn(response);
                }));
            }
        });
        Ok((accept, address))
    }

    async fn connect(&self, address: &str) -> Result<BenchRpcClient, BoxError> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let transport = serde_transport::new(framed(stream), Bincode::default());
        Ok(BenchRpcClient::new(client::Config::default(), transport).spawn())
    }
}

impl Client for BenchRpcClient {
    async fn add(&self, a: f64, b: f64) -> Result<f64, BoxError> {
        Ok(BenchRpcClient::add(self, context::current(), a, b).await?)
    }

    async fn echo(&self, payload: &Bytes) -> Result<usize, BoxError> {
        let data = ByteBuf::from(payload.to_vec());
        Ok(BenchRpcClient::echo(self, context::current(), data)
            .await?
            .len())
    }

    async fn close(self) -> Result<(), BoxError> {
        // tarpc has no close handshake: dropping the client ends its dispatch task.
        drop(self);
        Ok(())
    }
}
