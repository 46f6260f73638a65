//! The byte stream under a net.tcp connection: a TCP socket today, a TLS stream after an
//! upgrade later; anything that reads and writes and can be split into a reading and a
//! writing half.

use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// A stream a framing session runs on.
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {
    /// The reading half.
    type Read: AsyncRead + Send + Unpin + 'static;
    /// The writing half.
    type Write: AsyncWrite + Send + Unpin + 'static;

    /// Splits the stream, so that one task reads while another writes.
    fn split(self) -> (Self::Read, Self::Write);
}

impl ByteStream for TcpStream {
    type Read = OwnedReadHalf;
    type Write = OwnedWriteHalf;

    fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        // The socket's own halves need no lock between them.
        self.into_split()
    }
}

/// An in-memory byte pipe ([`tokio::io::duplex`]), for running net.tcp's framing without a
/// socket.
impl ByteStream for DuplexStream {
    type Read = ReadHalf<DuplexStream>;
    type Write = WriteHalf<DuplexStream>;

    fn split(self) -> (Self::Read, Self::Write) {
        tokio::io::split(self)
    }
}
