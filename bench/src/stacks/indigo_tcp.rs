//! indigo over TCP: NetTcpBinding (.NET Message Framing), one session per client, the service
//! per session (WCF's default instancing).

use bytes::Bytes;
use indigo::binding::NetTcpBinding;
use indigo::prelude::*;
use serde_bytes::ByteBuf;

use super::{BoxError, Client, Stack, TcpEncoding};

/// The benchmark's operations as an indigo contract.
#[service_contract(name = "IBench", namespace = "http://indigo.bench/")]
pub(crate) trait IndigoBench {
    /// Adds two numbers.
    async fn add(&self, a: f64, b: f64) -> f64;
    /// Returns the payload.
    async fn echo(&self, data: ByteBuf) -> ByteBuf;
}

pub(crate) struct BenchService;

impl IndigoBench for BenchService {
    async fn add(&self, a: f64, b: f64) -> f64 {
        a + b
    }

    async fn echo(&self, data: ByteBuf) -> ByteBuf {
        data
    }
}

/// Messages up to this size are accepted (the 64 KiB payload grows by a third in base64).
pub(crate) const MAX_MESSAGE: usize = 1 << 20;

/// indigo over TCP with one of its encodings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndigoTcp {
    /// The message encoding.
    pub encoding: TcpEncoding,
}

impl IndigoTcp {
    fn binding(self) -> NetTcpBinding {
        match self.encoding {
            TcpEncoding::Binary => NetTcpBinding::new(),
            TcpEncoding::Soap12Text => NetTcpBinding::new().text_encoding(),
        }
        .max_received_message_size(MAX_MESSAGE)
    }
}

impl Stack for IndigoTcp {
    type Server = ServiceHost;
    type Client = IndigoBenchClient;

    async fn serve(&self) -> Result<(ServiceHost, String), BoxError> {
        let host = ServiceHost::builder()
            .endpoint(
                IndigoBenchContract::per_session(|| BenchService),
                self.binding(),
                "net.tcp://127.0.0.1:0/bench",
            )
            // The idle-session scenario holds 10,000 sessions; pipelining has 128 calls in flight.
            .max_concurrent_sessions(20_000)
            .max_concurrent_calls(1_024)
            .open()
            .await?;
        let address = host.address().to_owned();
        Ok((host, address))
    }

    async fn connect(&self, address: &str) -> Result<IndigoBenchClient, BoxError> {
        Ok(IndigoBenchClient::connect(self.binding(), address).await?)
    }
}

impl Client for IndigoBenchClient {
    async fn add(&self, a: f64, b: f64) -> Result<f64, BoxError> {
        Ok(IndigoBenchClient::add(self, a, b).await?)
    }

    async fn echo(&self, payload: &Bytes) -> Result<usize, BoxError> {
        let data = ByteBuf::from(payload.to_vec());
        Ok(IndigoBenchClient::echo(self, data).await?.len())
    }

    async fn close(self) -> Result<(), BoxError> {
        Ok(IndigoBenchClient::close(self).await?)
    }
}
