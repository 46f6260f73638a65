//! Instance contexts: where a service instance lives, how a call borrows it, and when it is
//! built, recycled and released.
//!
//! An [`InstanceContext`] holds at most one service object. The object is built by the
//! context's factory when a call needs it, recycled (released, then built afresh by the next
//! call) when an operation's release mode or the operation itself asks, and released for good
//! when the context ends: with its session, its call, its last sharing session, or the host.
//! Calls borrow the context through one fair lock, so exclusive calls run one at a time in
//! arrival order.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, OwnedSemaphorePermit, RwLock};

use crate::message::{Fault, FaultKind};

/// The future of an instance's `on_release` hook.
pub type ReleaseFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs an instance's `on_release` hook: the dispatcher's `Dispatch::release`.
pub(crate) type ReleaseHook<S> = for<'a> fn(&'a mut S) -> ReleaseFuture<'a>;

/// Builds instances.
pub(crate) type Factory<S> = Arc<dyn Fn() -> S + Send + Sync>;

/// How instances relate to sessions and calls (WCF's `InstanceContextMode`).
pub(crate) enum Instancing<S> {
    /// One instance context per session, built on its first call.
    PerSession(Factory<S>),
    /// One instance context per call.
    PerCall(Factory<S>),
    /// One instance context for the host's lifetime, holding the instance it was given.
    Single(InstanceContext<S>),
}

impl<S> Clone for Instancing<S> {
    fn clone(&self) -> Self {
        match self {
            Instancing::PerSession(f) => Instancing::PerSession(f.clone()),
            Instancing::PerCall(f) => Instancing::PerCall(f.clone()),
            Instancing::Single(context) => Instancing::Single(context.clone()),
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

/// An instance context: at most one service object, the factory that builds it, and the
/// context's place in the host's instance throttle (given back when the context is dropped).
pub(crate) struct InstanceContext<S>(Arc<RwLock<Slot<S>>>);

impl<S> Clone for InstanceContext<S> {
    fn clone(&self) -> Self {
        InstanceContext(self.0.clone())
    }
}

struct Slot<S> {
    instance: Option<S>,
    /// Counts the instances built, so that a release asked for one does not end its successor.
    generation: u64,
    /// `None` for a singleton the host was given: it is never recycled.
    factory: Option<Factory<S>>,
    /// The context's place in the instance throttle (WCF `MaxConcurrentInstances`).
    _throttle: Option<OwnedSemaphorePermit>,
}

impl<S: Send + Sync + 'static> InstanceContext<S> {
    /// An empty context whose first call builds its instance with `factory`.
    pub(crate) fn new(factory: Factory<S>, throttle: Option<OwnedSemaphorePermit>) -> Self {
        Self::with(Slot {
            instance: None,
            generation: 0,
            factory: Some(factory),
            _throttle: throttle,
        })
    }

    /// The context of a singleton the host was given.
    pub(crate) fn singleton(instance: S) -> Self {
        Self::with(Slot {
            instance: Some(instance),
            generation: 0,
            factory: None,
            _throttle: None,
        })
    }

    fn with(slot: Slot<S>) -> Self {
        InstanceContext(Arc::new(RwLock::new(slot)))
    }

    /// Whether `self` and `other` are one context.
    pub(crate) fn is(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Takes the context for a call, in arrival order: shared when `shared` (and the instance is
    /// there to share), exclusively otherwise.
    pub(crate) async fn borrow(&self, shared: bool) -> Borrow<S> {
        if shared {
            let guard = self.0.clone().read_owned().await;
            if guard.instance.is_some() {
                return Borrow(Guard::Shared(guard));
            }
            // Nothing to share yet: it is built under an exclusive borrow, then shared.
        }
        Borrow(Guard::Exclusive(self.0.clone().write_owned().await))
    }

    /// Ends the context: releases its instance (`on_release`, then `Drop`) once every call has
    /// let go of it.
    pub(crate) async fn close(&self, hook: ReleaseHook<S>) {
        let mut slot = self.0.clone().write_owned().await;
        release(&mut slot.instance, hook).await;
    }
}

/// Runs `instance`'s `on_release` hook and drops it, leaving the slot empty.
async fn release<S>(instance: &mut Option<S>, hook: ReleaseHook<S>) {
    if let Some(mut instance) = instance.take() {
        hook(&mut instance).await;
    }
}

/// A call's hold on its instance context, taken in arrival order, before its instance is ready.
pub(crate) struct Borrow<S>(Guard<S>);

enum Guard<S> {
    Shared(OwnedRwLockReadGuard<Slot<S>>),
    Exclusive(OwnedRwLockWriteGuard<Slot<S>>),
}

impl<S: Send + Sync + 'static> Borrow<S> {
    /// The instance for the call: the one in place, or a fresh one when the context has none.
    /// Shared again when `shared`.
    pub(crate) fn ready(self, shared: bool) -> Instance<S> {
        let mut slot = match self.0 {
            Guard::Shared(slot) => {
                let generation = slot.generation;
                return Instance(Guard::Shared(slot), generation);
            }
            Guard::Exclusive(slot) => slot,
        };
        if slot.instance.is_none()
            && let Some(factory) = &slot.factory
        {
            slot.instance = Some(factory());
            slot.generation += 1;
        }
        let generation = slot.generation;
        if shared {
            Instance(Guard::Shared(slot.downgrade()), generation)
        } else {
            Instance(Guard::Exclusive(slot), generation)
        }
    }

    /// [`Borrow::ready`] after releasing the instance in place (release mode `BeforeCall`),
    /// unless it is a singleton the host was given. Taken exclusively.
    pub(crate) async fn recycled(mut self, hook: ReleaseHook<S>) -> Instance<S> {
        if let Guard::Exclusive(slot) = &mut self.0
            && slot.factory.is_some()
        {
            release(&mut slot.instance, hook).await;
        }
        self.ready(false)
    }
}

/// A call's access to its instance: a shared or an exclusive borrow held for the call's duration
/// (and the generation of the instance it lent).
pub struct Instance<S>(Guard<S>, u64);

impl<S> std::fmt::Debug for Instance<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let access = match self.0 {
            Guard::Shared(_) => "shared",
            Guard::Exclusive(_) => "exclusive",
        };
        f.debug_struct("Instance")
            .field("access", &access)
            .finish_non_exhaustive()
    }
}

impl<S> Instance<S> {
    /// The instance, for a `&self` operation.
    pub fn shared(&self) -> Result<&S, Fault> {
        let slot = match &self.0 {
            Guard::Shared(slot) => &**slot,
            Guard::Exclusive(slot) => &**slot,
        };
        slot.instance.as_ref().ok_or_else(no_instance)
    }

    /// The instance, for a `&mut self` operation; a fault if the runtime lent it shared.
    pub fn exclusive(&mut self) -> Result<&mut S, Fault> {
        match &mut self.0 {
            Guard::Exclusive(slot) => slot.instance.as_mut().ok_or_else(no_instance),
            Guard::Shared(_) => Err(Fault::new(
                FaultKind::Receiver,
                "internal error: an exclusive operation was given a shared instance",
            )),
        }
    }
}

impl<S: Send + Sync + 'static> Instance<S> {
    /// Releases the instance after its call (release mode `AfterCall`, or the operation's own
    /// request); the next call of the context builds a fresh one. A singleton the host was
    /// given stays. A shared borrow is given up first, and the release waits for the other
    /// calls sharing the instance; if one of them replaced it meanwhile, its successor stays.
    pub(crate) async fn recycle(self, hook: ReleaseHook<S>) {
        let Instance(guard, generation) = self;
        let mut slot = match guard {
            Guard::Exclusive(slot) => slot,
            Guard::Shared(slot) => {
                let lock = OwnedRwLockReadGuard::rwlock(&slot).clone();
                drop(slot);
                lock.write_owned().await
            }
        };
        if slot.factory.is_some() && slot.generation == generation {
            release(&mut slot.instance, hook).await;
        }
    }
}

fn no_instance() -> Fault {
    Fault::new(
        FaultKind::Receiver,
        "internal error: the call's instance context holds no instance",
    )
}
