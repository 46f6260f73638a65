//! Channels: the shapes messages travel in between a client and a service, and the layers that
//! wrap them.
//!
//! Three shapes, as in WCF: a [`DuplexChannel`] (messages both ways, a session when it has a
//! [`SessionId`]: net.tcp, memory), a client's [`RequestChannel`] and a service's
//! [`RequestHandler`] (one request, at most one reply: HTTP). Transports make them, [`Layer`]s
//! wrap them, and bindings put the two together; the host and the client only see the shapes.
//! Every failure is a [`ChannelError`].
//!
//! Duplex channels are polled (their halves are object-safe, so a layer wraps them without a
//! boxed future per message); request channels and handlers return futures and are composed by
//! type, boxed once at the edge of the stack. [`pipe`] joins a sink to a source in process; the
//! [`fault_injection`] layer drops, duplicates, reorders and delays messages for tests.

mod duplex;
mod error;
pub mod fault_injection;
mod layer;
mod listener;
pub mod ordered;
mod pipe;
pub(crate) mod queue;
mod request;
mod settings;

pub use duplex::{DuplexChannel, MessageSink, MessageSource, ReceiveExt, SendExt, SessionId};
pub use error::{ChannelError, Refusal};
pub use layer::{Layer, Side};
pub use listener::{
    AcceptExt, Connection, ConnectionCounters, HostControl, Incoming, ListenContext, Listening,
    SessionListener, SharedAcceptor, SharedError,
};
pub use pipe::{PIPE_CAPACITY, PipeSink, PipeSource, pipe};
pub use queue::QueueSink;
pub use request::{
    BoxRequestChannel, BoxRequestHandler, DynRequestChannel, DynRequestHandler, EndpointMetadata,
    Exchange, NoRequests, RequestChannel, RequestEndpoint, RequestHandler,
};
pub(crate) use settings::processors;
pub use settings::{BindingSettings, MessageEncoding};
