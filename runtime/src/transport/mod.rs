//! Transports: the bottom of the channel stack. Each makes channels of one shape and knows
//! nothing above them: [`tcp`] (net.tcp's .NET Message Framing, duplex sessions), [`memory`]
//! (in-process duplex channels), [`http`] (request-reply over HTTP/1.1).

pub mod http;
pub mod memory;
pub mod tcp;
