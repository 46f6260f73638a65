//! The stacks under test. Each serves the same two operations — add two numbers, echo a byte
//! payload — and offers a client that may have many calls in flight on one connection.

pub(crate) mod floor;
pub(crate) mod grpc;
pub(crate) mod indigo_http;
pub(crate) mod indigo_tcp;
pub(crate) mod tarpc_rpc;

use bytes::Bytes;

/// Errors of a stack, boxed: the benchmark stops on the first one.
pub(crate) use indigo_bench::BoxError;

/// One RPC stack: how to serve the operations and how to connect a client.
///
/// `serve` and `connect` run on the server's and the client's runtime respectively; the futures
/// need not be `Send`, since each runtime is a current-thread runtime on its own OS thread.
pub(crate) trait Stack: Clone + Send + 'static {
    /// Keeps the server running while it is alive.
    type Server;
    /// A connected client: one session (indigo) or one connection (the others).
    type Client: Client;

    /// Starts serving on the current runtime; returns the guard and the address to connect to.
    async fn serve(&self) -> Result<(Self::Server, String), BoxError>;
    /// Opens a client to `address`.
    async fn connect(&self, address: &str) -> Result<Self::Client, BoxError>;
}

/// The client side of a stack; calls take `&self` so that many can be in flight at once.
pub(crate) trait Client {
    /// Calls `add(a, b)`.
    async fn add(&self, a: f64, b: f64) -> Result<f64, BoxError>;
    /// Calls `echo(payload)`; returns the length of the payload that came back.
    async fn echo(&self, payload: &Bytes) -> Result<usize, BoxError>;
    /// Ends the session or connection in the way the stack offers.
    async fn close(self) -> Result<(), BoxError>;
}

/// The encodings indigo's TCP transport is benchmarked with; one table row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TcpEncoding {
    /// .NET Binary XML with session dictionaries (0x08): NetTcpBinding's default, as in WCF.
    Binary,
    /// SOAP 1.2 UTF-8 text (0x03).
    Soap12Text,
}

/// Every stack the benchmark knows, by name. The floor and tarpc come first: the ratios refer to
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StackKind {
    /// Raw tokio TCP with length-prefixed frames and coalesced writes.
    Floor,
    /// tarpc over TCP, bincode.
    Tarpc,
    /// indigo over TCP (NetTcpBinding, .NET Message Framing) with the given encoding.
    IndigoTcp(TcpEncoding),
    /// indigo over HTTP (BasicHttpBinding, SOAP 1.1).
    IndigoHttp,
    /// tonic: gRPC over HTTP/2 (h2c), protobuf via prost.
    Tonic,
}

/// Something to do with a stack, generic over which one it is.
pub(crate) trait WithStack {
    /// What it returns.
    type Output;
    /// Does it with `stack`.
    fn run<S: Stack>(self, stack: S) -> Self::Output;
}

impl StackKind {
    /// Every stack, in table order.
    pub(crate) const ALL: [StackKind; 6] = [
        StackKind::Floor,
        StackKind::Tarpc,
        StackKind::IndigoTcp(TcpEncoding::Binary),
        StackKind::IndigoTcp(TcpEncoding::Soap12Text),
        StackKind::IndigoHttp,
        StackKind::Tonic,
    ];

    /// The stack's name in the table and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            StackKind::Floor => "floor (raw TCP)",
            StackKind::Tarpc => "tarpc (bincode)",
            StackKind::IndigoTcp(TcpEncoding::Binary) => "indigo TCP (binary)",
            StackKind::IndigoTcp(TcpEncoding::Soap12Text) => "indigo TCP (SOAP 1.2 text)",
            StackKind::IndigoHttp => "indigo HTTP (basic, SOAP 1.1)",
            StackKind::Tonic => "tonic (gRPC, prost)",
        }
    }

    /// The short name used on the command line.
    pub(crate) fn key(self) -> &'static str {
        match self {
            StackKind::Floor => "floor",
            StackKind::Tarpc => "tarpc",
            StackKind::IndigoTcp(TcpEncoding::Binary) => "indigo-tcp",
            StackKind::IndigoTcp(TcpEncoding::Soap12Text) => "indigo-tcp-text",
            StackKind::IndigoHttp => "indigo-http",
            StackKind::Tonic => "tonic",
        }
    }

    /// The stack whose short name is `key`.
    pub(crate) fn from_key(key: &str) -> Option<StackKind> {
        StackKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// Runs `f` with this stack.
    pub(crate) fn with<F: WithStack>(self, f: F) -> F::Output {
        match self {
            StackKind::Floor => f.run(floor::Floor),
            StackKind::Tarpc => f.run(tarpc_rpc::Tarpc),
            StackKind::IndigoTcp(encoding) => f.run(indigo_tcp::IndigoTcp { encoding }),
            StackKind::IndigoHttp => f.run(indigo_http::IndigoHttp),
            StackKind::Tonic => f.run(grpc::Tonic),
        }
    }
}
