//! Instance contexts shared between sessions (WCF's `IInstanceContextProvider`): a provider
//! maps the first call of a session (or a call without one) to a key, and every session with
//! the same key uses one instance context.
//!
//! A shared context lives while a session (or a sessionless call) uses it, then for the
//! service's shared idle timeout (zero by default), so that a session arriving in between finds
//! it; then it is released once. Its calls queue at its instance in arrival order, whichever
//! session they come from: a busy shared instance holds up every session attached to it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use super::context::CallInfo;
use super::instance::InstanceContext;
use crate::message::{Fault, Message};

/// Maps an incoming session or call to the key of the instance context it uses (WCF's
/// `IInstanceContextProvider`); sessions with equal keys share one instance.
///
/// A closure `Fn(&Message, &CallInfo) -> Option<String>` is one. It is asked once per session,
/// at its first call (and once per call without a session); `None` leaves the session to the
/// service's own instancing.
pub trait InstanceContextProvider: Send + Sync + 'static {
    /// The key of the instance context for `request`, or `None` for the service's own
    /// instancing.
    fn key(&self, request: &Message, call: &CallInfo) -> Option<String>;
}

impl<F> InstanceContextProvider for F
where
    F: Fn(&Message, &CallInfo) -> Option<String> + Send + Sync + 'static,
{
    fn key(&self, request: &Message, call: &CallInfo) -> Option<String> {
        self(request, call)
    }
}

/// Ends a shared context: releases its instance.
pub(crate) type Close<S> = fn(InstanceContext<S>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// The shared contexts of one service, by key.
pub(crate) struct SharedContexts<S> {
    pub(crate) provider: Box<dyn InstanceContextProvider>,
    close: Close<S>,
    entries: Mutex<HashMap<String, Shared<S>>>,
    /// Woken when a context is added, for the sessions waiting to make one.
    added: Notify,
}

struct Shared<S> {
    context: InstanceContext<S>,
    /// Sessions and sessionless calls attached now.
    users: usize,
    /// Counts attachments, so that an idle timer knows whether the context was used since.
    generation: u64,
}

impl<S: Send + Sync + 'static> SharedContexts<S> {
    pub(crate) fn new(provider: Box<dyn InstanceContextProvider>, close: Close<S>) -> Self {
        SharedContexts {
            provider,
            close,
            entries: Mutex::new(HashMap::new()),
            added: Notify::new(),
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Shared<S>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Attaches to the context of `key`, made with `make` (which may wait for the instance
    /// throttle) if there is none; a session that waits to make one attaches to the one another
    /// session made meanwhile. Once its last user detaches, the context stays for
    /// `idle_timeout`.
    pub(crate) async fn attach<F>(
        self: &Arc<Self>,
        key: String,
        idle_timeout: Duration,
        make: impl FnOnce() -> F,
    ) -> Result<Attachment<S>, Fault>
    where
        F: Future<Output = Result<InstanceContext<S>, Fault>>,
    {
        let added = self.added.notified();
        let mut added = std::pin::pin!(added);
        // Registered before the look, so that a context added after it wakes this session.
        added.as_mut().enable();
        if let Some(context) = self.attach_existing(&key) {
            return Ok(self.attachment(key, idle_timeout, context));
        }
        let making = make();
        let mut making = std::pin::pin!(making);
        let made = loop {
            tokio::select! {
                made = making.as_mut() => break made?,
                () = added.as_mut() => {
                    // Some context was added: look again, registered for the next first.
                    added.set(self.added.notified());
                    added.as_mut().enable();
                    if let Some(context) = self.attach_existing(&key) {
                        return Ok(self.attachment(key, idle_timeout, context));
                    }
                }
            }
        };
        let context = match self.entries().entry(key.clone()) {
            // Another session made it while this one waited: `made` is dropped unused.
            Entry::Occupied(mut shared) => {
                let shared = shared.get_mut();
                shared.users += 1;
                shared.generation += 1;
                shared.context.clone()
            }
            Entry::Vacant(vacant) => {
                vacant.insert(Shared {
                    context: made.clone(),
                    users: 1,
                    generation: 0,
                });
                self.added.notify_waiters();
                made
            }
        };
        Ok(self.attachment(key, idle_timeout, context))
    }

    fn attach_existing(&self, key: &str) -> Option<InstanceContext<S>> {
        let mut entries = self.entries();
        let shared = entries.get_mut(key)?;
        shared.users += 1;
        shared.generation += 1;
        Some(shared.context.clone())
    }

    fn attachment(
        self: &Arc<Self>,
        key: String,
        idle_timeout: Duration,
        context: InstanceContext<S>,
    ) -> Attachment<S> {
        Attachment {
            contexts: self.clone(),
            key,
            idle_timeout,
            context,
            detached: false,
        }
    }

    /// Detaches one user of `context` under `key`: the context ends if it was the last and no
    /// idle time is allowed (returned, to be closed), or an idle timer starts. A context no
    /// longer under its key (ended by a host's close) is left alone.
    fn detach(
        self: &Arc<Self>,
        key: &str,
        context: &InstanceContext<S>,
        idle_timeout: Duration,
    ) -> Option<InstanceContext<S>> {
        let mut entries = self.entries();
        let shared = entries
            .get_mut(key)
            .filter(|shared| shared.context.is(context))?;
        shared.users = shared.users.saturating_sub(1);
        if shared.users > 0 {
            return None;
        }
        if idle_timeout.is_zero() {
            return entries.remove(key).map(|shared| shared.context);
        }
        let generation = shared.generation;
        let (contexts, key) = (self.clone(), key.to_owned());
        spawn(async move {
            tokio::time::sleep(idle_timeout).await;
            let idle = {
                let mut entries = contexts.entries();
                match entries.get(&key) {
                    Some(shared) if shared.users == 0 && shared.generation == generation => {
                        entries.remove(&key).map(|shared| shared.context)
                    }
                    _ => None,
                }
            };
            if let Some(context) = idle {
                (contexts.close)(context).await;
            }
        });
        None
    }

    /// Ends the shared contexts no session uses (kept for their idle time) when a host
    /// closes. The ones in use stay: the sessions using them (of another host serving the same
    /// service) end them when they end.
    pub(crate) async fn close_idle(&self) {
        let idle: Vec<_> = self
            .entries()
            .extract_if(|_, shared| shared.users == 0)
            .map(|(_, shared)| shared.context)
            .collect();
        for context in idle {
            (self.close)(context).await;
        }
    }
}

/// A session's (or a sessionless call's) use of a shared context. [`Attachment::detach`] ends
/// it; dropped without it (a call abandoned mid-way), the context is released in the
/// background if it was the last use.
pub(crate) struct Attachment<S: Send + Sync + 'static> {
    contexts: Arc<SharedContexts<S>>,
    key: String,
    idle_timeout: Duration,
    context: InstanceContext<S>,
    detached: bool,
}

impl<S: Send + Sync + 'static> Attachment<S> {
    /// The shared context.
    pub(crate) fn context(&self) -> &InstanceContext<S> {
        &self.context
    }

    /// Ends this use; releases the context's instance if it was the last use and no idle time
    /// is allowed.
    pub(crate) async fn detach(mut self) {
        self.detached = true;
        let ended = self
            .contexts
            .detach(&self.key, &self.context, self.idle_timeout);
        if let Some(context) = ended {
            (self.contexts.close)(context).await;
        }
    }
}

impl<S: Send + Sync + 'static> Drop for Attachment<S> {
    fn drop(&mut self) {
        if self.detached {
            return;
        }
        let ended = self
            .contexts
            .detach(&self.key, &self.context, self.idle_timeout);
        if let Some(context) = ended {
            spawn((self.contexts.close)(context));
        }
    }
}

/// Spawns `task` on the current runtime; without one (the host dropped outside tokio) the task
/// is dropped, and a context's instance with it, without its `on_release` hook.
fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(task);
    }
}
