//! Transports: the bottom of the channel stack.

pub mod tcp;
