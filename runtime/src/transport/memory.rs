//! An in-process transport for fast tests: addresses `memory://name`, channels are queues.
//!
//! It carries messages without encoding them, so it measures the runtime, not the wire.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tokio::sync::mpsc;

use crate::channel::{Channel, ChannelInput, ChannelOutput, OUTPUT_QUEUE};
use crate::error::Error;

type Registry = Mutex<HashMap<String, mpsc::Sender<Channel>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// A pair of channels joined back to back.
pub(crate) fn pair() -> (Channel, Channel) {
    let (to_server, from_client) = mpsc::channel(OUTPUT_QUEUE);
    let (to_client, from_server) = mpsc::channel(OUTPUT_QUEUE);
    let client = (
        ChannelInput::memory(from_server),
        ChannelOutput::new(to_server),
    );
    let server = (
        ChannelInput::memory(from_client),
        ChannelOutput::new(to_client),
    );
    (client, server)
}

/// Accepts in-memory channels for one name.
#[derive(Debug)]
pub(crate) struct MemoryListener {
    name: String,
    incoming: mpsc::Receiver<Channel>,
}

impl MemoryListener {
    /// Listens on `memory://name`; fails when the name is taken.
    pub(crate) fn bind(name: &str) -> Result<Self, Error> {
        let mut listeners = registry()
            .lock()
            .map_err(|_| Error::Communication("memory registry poisoned".into()))?;
        if listeners.get(name).is_some_and(|tx| !tx.is_closed()) {
            return Err(Error::InvalidAddress {
                address: format!("memory://{name}"),
                reason: "another host already listens on it".into(),
            });
        }
        let (tx, incoming) = mpsc::channel(64);
        listeners.insert(name.to_owned(), tx);
        Ok(MemoryListener {
            name: name.to_owned(),
            incoming,
        })
    }

    /// The next channel; `None` once the listener is closed.
    pub(crate) async fn accept(&mut self) -> Option<Channel> {
        self.incoming.recv().await
    }
}

impl Drop for MemoryListener {
    fn drop(&mut self) {
        if let Ok(mut listeners) = registry().lock() {
            listeners.remove(&self.name);
        }
    }
}

/// Connects to `memory://name`.
pub(crate) async fn connect(name: &str) -> Result<Channel, Error> {
    let listener = registry()
        .lock()
        .map_err(|_| Error::Communication("memory registry poisoned".into()))?
        .get(name)
        .cloned();
    let Some(listener) = listener else {
        return Err(Error::Communication(format!(
            "no host listens on memory://{name}"
        )));
    };
    let (client, server) = pair();
    listener
        .send(server)
        .await
        .map_err(|_| Error::Communication(format!("the host at memory://{name} has closed")))?;
    Ok(client)
}
