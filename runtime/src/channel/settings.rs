//! The settings every binding has, with WCF's defaults: what transports and layers read.

use std::sync::OnceLock;
use std::time::Duration;

/// The number of processors, read once: WCF's defaults scale with it, and asking the system
/// (which reads cgroup files on Linux) for every binding made would cost more than the binding.
pub(crate) fn processors() -> usize {
    static PROCESSORS: OnceLock<usize> = OnceLock::new();
    *PROCESSORS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Settings every binding has, with WCF's defaults.
#[derive(Debug, Clone)]
pub struct BindingSettings {
    /// The largest message a receiver accepts (WCF `MaxReceivedMessageSize`): 65,536 bytes.
    pub max_received_message_size: usize,
    /// How long a session may stay idle before the service aborts it (WCF `ReceiveTimeout`):
    /// 10 minutes.
    pub receive_timeout: Duration,
    /// How long a client call may take, from send to reply (WCF `SendTimeout`): 1 minute.
    pub send_timeout: Duration,
    /// How long opening a channel may take (WCF `OpenTimeout`): 1 minute. On a service, how long
    /// a channel queued for admission waits for a session slot before it is refused.
    pub open_timeout: Duration,
    /// How long closing a session may take (WCF `CloseTimeout`): 1 minute.
    pub close_timeout: Duration,
    /// How long a new connection has to complete its preamble (WCF
    /// `ChannelInitializationTimeout`): 30 seconds.
    pub channel_initialization_timeout: Duration,
    /// How many connections a listener holds that have not been admitted yet (their preamble
    /// running, or queued for a session slot): WCF `MaxPendingConnections`, whose default is 12
    /// × processors; indigo's is max(12 × processors, 256). Unlike WCF, a full listener does not
    /// lock new clients out: a new connection evicts (closes) the oldest pending one that has not
    /// yet sent its whole preamble. Only when every pending connection has sent its preamble
    /// does the listener stop accepting until one is admitted, refused or gone. A session slot
    /// (`max_concurrent_sessions`) is taken only after the preamble.
    pub max_pending_connections: usize,
    /// How messages are encoded on a `net.tcp` connection the client opens (services accept
    /// every encoding they know): [`MessageEncoding::Binary`], as WCF's NetTcpBinding.
    pub message_encoding: MessageEncoding,
}

/// The message encoding a `net.tcp` client announces in its preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MessageEncoding {
    /// .NET Binary XML with the in-band session dictionary (`application/soap+msbinsession1`,
    /// known encoding 0x08): WCF's NetTcpBinding default.
    #[default]
    Binary,
    /// SOAP 1.2 UTF-8 text (`application/soap+xml; charset=utf-8`, known encoding 0x03).
    Text,
}

impl Default for BindingSettings {
    fn default() -> Self {
        let cores = processors();
        BindingSettings {
            max_received_message_size: 65_536,
            receive_timeout: Duration::from_secs(600),
            send_timeout: Duration::from_secs(60),
            open_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(60),
            channel_initialization_timeout: Duration::from_secs(30),
            max_pending_connections: (12 * cores).max(256),
            message_encoding: MessageEncoding::default(),
        }
    }
}
