//! Every attribute form compiles, and the contract, client and dispatcher can be used.
use indigo::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Deserialize)]
pub struct OutOfRange {
    limit: i32,
}

/// Defaults everywhere.
#[service_contract]
trait Plain {
    async fn ping(&self);
}

#[service_contract(session = Allowed, name = "IShapes", namespace = "urn:shapes")]
pub trait Shapes {
    #[operation]
    async fn origin(&self) -> Point;
    #[operation(initiating)]
    async fn mirror(&self, point: Point) -> Point;
    #[operation(initiating = true, terminating = false)]
    async fn clamp(&self, point: Point, limit: i32) -> Result<Point, OutOfRange>;
    #[operation(one_way)]
    async fn forget(&mut self, points: Vec<Point>);
    #[operation(one_way = true, action = "urn:shapes:log")]
    async fn log(&self, line: Option<String>);
    #[operation(name = "Area", action = "urn:shapes:area", reply_action = "urn:shapes:area-reply")]
    async fn area_of(&self, width: u32, height: u32) -> u64;
    #[operation(one_way = false)]
    async fn nothing(&self) -> ();
}

#[service_contract(session = NotAllowed)]
pub(crate) trait Stateless {
    async fn now(&self) -> i64;
}

#[service_contract(session = Required)]
pub trait Counter {
    #[operation(initiating)]
    async fn start(&mut self, from: i64);
    #[operation(initiating = false)]
    async fn add(&mut self, n: i64) -> i64;
    #[operation(initiating, terminating)]
    async fn once(&mut self) -> i64;
    #[operation(initiating = false, terminating = true)]
    async fn stop(&mut self) -> i64;
    #[operation(initiating = false, terminating, one_way)]
    async fn drop_it(&mut self);
}

struct Impl(i64);

impl Counter for Impl {
    async fn start(&mut self, from: i64) {
        self.0 = from;
    }
    async fn add(&mut self, n: i64) -> i64 {
        self.0 += n;
        self.0
    }
    async fn once(&mut self) -> i64 {
        self.0
    }
    async fn stop(&mut self) -> i64 {
        self.0
    }
    async fn drop_it(&mut self) {}
    async fn on_release(&mut self) {
        self.0 = 0;
    }
}

fn main() {
    let _ = CounterContract::per_session(|| Impl(0));
    let _ = CounterContract::per_call(|| Impl(0));
    let _ = CounterContract::single(Impl(0));
    let _: fn(CounterClient) = drop;
    let _: fn(CounterClient<indigo::client::Active>) = drop;
    let _: fn(ShapesClient) = drop;
    let _: fn(PlainClient, StatelessClient) = |_, _| ();
    assert_eq!(<ShapesContract as Contract>::DESCRIPTION.name, "IShapes");
    assert_eq!(<StatelessContract as Contract>::DESCRIPTION.session_mode, SessionMode::NotAllowed);
    assert_eq!(<PlainContract as Contract>::DESCRIPTION.namespace, "http://tempuri.org/");
}
