//! indigo over HTTP: BasicHttpBinding (SOAP 1.1 over HTTP/1.1 on axum and hyper); every call is a
//! POST of its own, so the service is per call, as WCF makes a per-session service without a
//! session.

use indigo::binding::BasicHttpBinding;
use indigo::prelude::*;

use super::indigo_tcp::{BenchService, IndigoBenchClient, IndigoBenchContract, MAX_MESSAGE};
use super::{BoxError, Stack};

/// indigo over the basic HTTP binding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndigoHttp;

fn binding() -> BasicHttpBinding {
    BasicHttpBinding::new().max_received_message_size(MAX_MESSAGE)
}

impl Stack for IndigoHttp {
    type Server = ServiceHost;
    type Client = IndigoBenchClient;

    async fn serve(&self) -> Result<(ServiceHost, String), BoxError> {
        let host = ServiceHost::builder()
            .endpoint(
                IndigoBenchContract::per_call(|| BenchService),
                binding(),
                "http://127.0.0.1:0/bench",
            )
            .max_concurrent_sessions(20_000)
            .max_concurrent_calls(1_024)
            .open()
            .await?;
        let address = host.address().to_owned();
        Ok((host, address))
    }

    async fn connect(&self, address: &str) -> Result<IndigoBenchClient, BoxError> {
        Ok(IndigoBenchClient::connect(binding(), address).await?)
    }
}
