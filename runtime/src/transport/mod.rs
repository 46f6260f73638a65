//! Transports: the bottom of the channel stack.

pub(crate) mod memory;
pub mod tcp;
