//! Instance contexts: how service instances are made, shared, borrowed by calls and released.

use std::sync::Arc;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use crate::message::{Fault, FaultKind};

/// An instance shared between the runtime and the calls that borrow it.
pub(crate) type SharedInstance<S> = Arc<RwLock<S>>;

/// Builds instances.
pub(crate) type Factory<S> = Arc<dyn Fn() -> S + Send + Sync>;

/// How instances relate to sessions and calls (WCF's `InstanceContextMode`).
pub(crate) enum Instancing<S> {
    /// One instance per session, built on its first initiating call.
    PerSession(Factory<S>),
    /// One instance per call.
    PerCall(Factory<S>),
    /// One instance for the host's lifetime.
    Single(SharedInstance<S>),
}

impl<S> Clone for Instancing<S> {
    fn clone(&self) -> Self {
        match self {
            Instancing::PerSession(f) => Instancing::PerSession(f.clone()),
            Instancing::PerCall(f) => Instancing::PerCall(f.clone()),
            Instancing::Single(i) => Instancing::Single(i.clone()),
        }
    }
}

/// Whether `&self` operations of one instance may run at the same time (WCF's
/// `ConcurrencyMode`). `&mut self` operations always run alone, in arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Concurrency {
    /// One call at a time per instance, in arrival order (WCF's default).
    #[default]
    Single,
    /// `&self` operations may overlap; `&mut self` operations wait for them and run alone.
    Multiple,
}

/// A call's access to its instance: a shared or an exclusive borrow held for the call's duration.
pub struct Instance<S> {
    guard: Guard<S>,
}

enum Guard<S> {
    Shared(OwnedRwLockReadGuard<S>),
    Exclusive(OwnedRwLockWriteGuard<S>),
}

impl<S> Instance<S> {
    /// Borrows `instance` for a call: exclusively, or shared when `shared` is true.
    pub(crate) async fn borrow(instance: &SharedInstance<S>, shared: bool) -> Self {
        let guard = if shared {
            Guard::Shared(instance.clone().read_owned().await)
        } else {
            Guard::Exclusive(instance.clone().write_owned().await)
        };
        Instance { guard }
    }

    /// The instance, for a `&self` operation.
    pub fn shared(&self) -> &S {
        match &self.guard {
            Guard::Shared(guard) => guard,
            Guard::Exclusive(guard) => guard,
        }
    }

    /// The instance, for a `&mut self` operation; a fault if the runtime lent it shared.
    pub fn exclusive(&mut self) -> Result<&mut S, Fault> {
        match &mut self.guard {
            Guard::Exclusive(guard) => Ok(guard),
            Guard::Shared(_) => Err(Fault::new(
                FaultKind::Receiver,
                "internal error: an exclusive operation was given a shared instance",
            )),
        }
    }
}
