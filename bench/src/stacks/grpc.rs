//! tonic: gRPC over cleartext HTTP/2. The service is generated in `build.rs` with
//! `tonic_build::manual` and the messages are hand-written `prost` structs, so no `protoc` is
//! needed; the codec is tonic's prost codec.

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};

use super::{BoxError, Client, Stack};

mod generated {
    #![allow(missing_docs, clippy::all)]
    include!(concat!(env!("OUT_DIR"), "/bench.Bench.rs"));
}

use generated::bench_client::BenchClient;
use generated::bench_server::{Bench, BenchServer};

/// The request of `add`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct AddRequest {
    /// The first number.
    #[prost(double, tag = "1")]
    pub a: f64,
    /// The second number.
    #[prost(double, tag = "2")]
    pub b: f64,
}

/// The reply of `add`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct AddReply {
    /// The sum.
    #[prost(double, tag = "1")]
    pub sum: f64,
}

/// The request and reply of `echo`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Blob {
    /// The payload.
    #[prost(bytes = "bytes", tag = "1")]
    pub data: Bytes,
}

struct BenchService;

#[tonic::async_trait]
impl Bench for BenchService {
    async fn add(&self, request: Request<AddRequest>) -> Result<Response<AddReply>, Status> {
        let AddRequest { a, b } = request.into_inner();
        Ok(Response::new(AddReply { sum: a + b }))
    }

    async fn echo(&self, request: Request<Blob>) -> Result<Response<Blob>, Status> {
        Ok(Response::new(request.into_inner()))
    }
}

/// tonic with its default settings, `TCP_NODELAY` on both sides.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tonic;

impl Stack for Tonic {
    type Server = JoinHandle<()>;
    type Client = BenchClient<Channel>;

    async fn serve(&self) -> Result<(Self::Server, String), BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = format!("http://{}", listener.local_addr()?);
        let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
        let server = tokio::spawn(async move {
            let _ = Server::builder()
                .serve_with_incoming(BenchServer::new(BenchService), incoming)
                .await;
        });
        Ok((server, address))
    }

    async fn connect(&self, address: &str) -> Result<Self::Client, BoxError> {
        let channel = Endpoint::from_shared(address.to_owned())?
            .tcp_nodelay(true)
            .connect()
            .await?;
        Ok(BenchClient::new(channel))
    }
}

impl Client for BenchClient<Channel> {
    async fn add(&self, a: f64, b: f64) -> Result<f64, BoxError> {
        // Generated calls take `&mut self`; a clone shares the connection.
        let reply = BenchClient::add(&mut self.clone(), AddRequest { a, b }).await?;
        Ok(reply.into_inner().sum)
    }

    async fn echo(&self, payload: &Bytes) -> Result<usize, BoxError> {
        let data = payload.clone();
        let reply = BenchClient::echo(&mut self.clone(), Blob { data }).await?;
        Ok(reply.into_inner().data.len())
    }

    async fn close(self) -> Result<(), BoxError> {
        // gRPC has no session to end: dropping the channel closes the connection.
        drop(self);
        Ok(())
    }
}
