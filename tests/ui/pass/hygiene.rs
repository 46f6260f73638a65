//! Parameter and type names that the generated code also uses internally do not clash with it.
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct S(u32);

#[derive(Serialize, Deserialize)]
pub struct B(u32);

#[service_contract(session = Required)]
pub trait Clashes {
    #[operation(initiating)]
    async fn start(&mut self, index: u32, instance: S, body: B, result: String) -> S;
    #[operation(initiating = false)]
    async fn more(&self, reply: u32, value: u32, decoded: u32, outcome: u32, channel: S) -> Result<B, S>;
    #[operation(initiating = false, terminating)]
    async fn stop(&mut self, fault: S, state: u32) -> B;
}

struct Impl;

impl Clashes for Impl {
    async fn start(&mut self, index: u32, instance: S, body: B, result: String) -> S {
        S(index + instance.0 + body.0 + result.len() as u32)
    }
    async fn more(&self, reply: u32, value: u32, decoded: u32, outcome: u32, channel: S) -> Result<B, S> {
        if reply == 0 { Err(channel) } else { Ok(B(value + decoded + outcome)) }
    }
    async fn stop(&mut self, fault: S, state: u32) -> B {
        B(fault.0 + state)
    }
}

fn main() {
    let _ = ClashesContract::per_session(|| Impl);
}
