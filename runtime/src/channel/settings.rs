//! The settings every binding has, with WCF's defaults: what transports and layers read.

use std::sync::OnceLock;
use std::time::Duration;

/// The number of processors, read once: WCF's defaults scale with it, and asking the system
/// (which reads cgroup files on Linux) for every binding made would cost more than the binding.
pub(crate) fn processors() -> usize {
    static PROCESSORS: OnceLock<usize> = OnceLock::new();
    *PROCESSORS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The listen backlog a binding has unless set: 1,024, or the system's `somaxconn` when it is
/// smaller (the kernel would cap it there anyway). Read once.
pub(crate) fn default_listen_backlog() -> u32 {
    static BACKLOG: OnceLock<u32> = OnceLock::new();
    *BACKLOG.get_or_init(|| {
        let somaxconn = std::fs::read_to_string("/proc/sys/net/core/somaxconn").ok();
        capped_backlog(DEFAULT_LISTEN_BACKLOG, somaxconn.as_deref())
    })
}

/// indigo's listen backlog before the system's cap.
const DEFAULT_LISTEN_BACKLOG: u32 = 1024;

/// `wanted`, capped by `somaxconn` (the text of `/proc/sys/net/core/somaxconn`) when it is a
/// positive number.
fn capped_backlog(wanted: u32, somaxconn: Option<&str>) -> u32 {
    somaxconn
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|cap| *cap > 0)
        .map_or(wanted, |cap| wanted.min(cap))
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
    /// How many connections the kernel completes on a listening port before the service accepts
    /// them (WCF `ListenBacklog`), for net.tcp and HTTP ports alike; endpoints that share a port
    /// get the largest of theirs. Default: 1,024, capped by the system's
    /// `/proc/sys/net/core/somaxconn` where it is smaller. This deviates from WCF, whose default
    /// is 10 (12 × processors in later versions): with a small backlog a burst of connects
    /// overflows it and the overflowing clients wait for their SYN to be retried (a second or
    /// more each).
    pub listen_backlog: u32,
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
            listen_backlog: default_listen_backlog(),
            message_encoding: MessageEncoding::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listen_backlog_is_capped_by_somaxconn_when_it_is_readable() {
        assert_eq!(capped_backlog(1024, Some("4096\n")), 1024);
        assert_eq!(capped_backlog(1024, Some("128\n")), 128);
        assert_eq!(capped_backlog(1024, None), 1024);
        assert_eq!(capped_backlog(1024, Some("garbage")), 1024);
        assert_eq!(capped_backlog(1024, Some("0")), 1024);
        let backlog = default_listen_backlog();
        assert!((1..=1024).contains(&backlog));
        assert_eq!(BindingSettings::default().listen_backlog, backlog);
    }
}
