//! The operation context: what an operation can know of the call it is running, beyond its
//! arguments (WCF's `OperationContext.Current`), and what it can ask of the runtime.
//!
//! The runtime sets it around each operation it runs, as a tokio task-local.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;

use crate::channel::SessionId;
use crate::contract::{ContractDescription, OperationDescription};
use crate::error::Error;
use crate::message::{Header, HeaderBlock, Headers, SharedStr};

tokio::task_local! {
    static CURRENT: OperationContext;
}

/// Who called, as transport or message security established it (WCF's
/// `ServiceSecurityContext`). Nothing fills it yet: the secure-session and transport-security
/// work will.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// The caller's name as the authentication gave it (a user name, a certificate subject).
    pub name: String,
    /// How the caller was authenticated (for example `"UserName"` or `"X509"`).
    pub authentication: &'static str,
}

/// The call an operation is running: its session, endpoint, contract, operation and headers,
/// the reply headers it adds, and its requests to the runtime (WCF's `OperationContext`).
///
/// The runtime sets it around each operation it runs, as a tokio task-local, so the operation
/// and everything it awaits in its own task read it with [`OperationContext::with`], however
/// deep the call chain; a task the operation spawns does not see it (copy out what it needs).
/// A task-local rather than a parameter, because the contract trait is the wire contract, shared
/// by the client proxy and the service: a context parameter would have to be hidden from one of
/// them.
///
/// ```
/// # use indigo_runtime::message::{Header, data_contract};
/// # use indigo_runtime::xml::{Infoset, XmlError, XmlSink};
/// use indigo_runtime::service::OperationContext;
///
/// # #[derive(serde::Serialize, serde::Deserialize)]
/// # struct Tenant {
/// #     #[serde(rename = "Id")]
/// #     id: u32,
/// # }
/// # impl Header for Tenant {
/// #     const NAMESPACE: &'static str = "urn:example:tenancy";
/// #     const NAME: &'static str = "Tenant";
/// #     fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError> {
/// #         data_contract::write(self, Self::NAME, Self::NAMESPACE, out)
/// #     }
/// #     fn read(element: &Infoset) -> Result<Self, XmlError> {
/// #         data_contract::read(element)
/// #     }
/// # }
/// // `Tenant` derives `Header` (`#[header(namespace = "urn:example:tenancy")]`).
/// // Inside an operation:
/// async fn whoami() -> Result<String, indigo_runtime::Error> {
///     OperationContext::with(|cx| {
///         let tenant = cx.request_header::<Tenant>()?.map_or(0, |t| t.id);
///         cx.add_reply_header(&Tenant { id: tenant })?;
///         let session = cx.call().session_id().map(ToString::to_string);
///         Ok(format!("tenant {tenant} in session {session:?}"))
///     })?
/// }
/// ```
#[derive(Debug)]
pub struct OperationContext {
    call: CallInfo,
    request: Headers,
    reply: RefCell<Vec<HeaderBlock>>,
    identity: Option<Arc<Identity>>,
    release_instance: Cell<bool>,
}

/// What the runtime knows of an incoming call before it runs: its session, endpoint, contract
/// and operation (for inspectors and instance context providers; the operation itself reads
/// them from its [`OperationContext`]).
#[derive(Debug, Clone)]
pub struct CallInfo {
    session: Option<SessionId>,
    endpoint: SharedStr,
    contract: &'static ContractDescription,
    operation: &'static OperationDescription,
}

impl CallInfo {
    pub(crate) fn new(
        session: Option<SessionId>,
        endpoint: SharedStr,
        contract: &'static ContractDescription,
        operation: &'static OperationDescription,
    ) -> Self {
        CallInfo {
            session,
            endpoint,
            contract,
            operation,
        }
    }

    /// The session the call belongs to, stable for the session's life (WCF's `SessionId`);
    /// `None` for a call without a session (HTTP, a datagram channel).
    pub fn session_id(&self) -> Option<&SessionId> {
        self.session.as_ref()
    }

    /// The address of the endpoint the call came in on, with the port actually bound; empty
    /// for an endpoint mounted in a router of the application's ([`http_service`](super::http_service)),
    /// which does not know where it is mounted.
    pub fn endpoint_address(&self) -> &str {
        &self.endpoint
    }

    /// The contract of the endpoint.
    pub fn contract(&self) -> &'static ContractDescription {
        self.contract
    }

    /// The operation called.
    pub fn operation(&self) -> &'static OperationDescription {
        self.operation
    }

    /// The request's action.
    pub fn action(&self) -> &'static str {
        self.operation.action
    }
}

impl OperationContext {
    /// Calls `read` with the context of the operation running in this task; fails with
    /// [`Error::OutsideOperation`] outside one.
    pub fn with<R>(read: impl FnOnce(&OperationContext) -> R) -> Result<R, Error> {
        CURRENT.try_with(read).map_err(|_| Error::OutsideOperation)
    }

    /// The call: its session (WCF's `SessionId`), endpoint, contract and operation.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The request's headers, the addressing ones too.
    pub fn request_headers(&self) -> &Headers {
        &self.request
    }

    /// The request's first `H` header; `Ok(None)` if it has none.
    pub fn request_header<H: Header>(&self) -> Result<Option<H>, Error> {
        self.request
            .get::<H>()
            .map_err(|e| Error::Encoding(format!("the request header {}: {e}", H::NAME)))
    }

    /// Adds `header` to the reply (after the addressing headers); its `mustUnderstand` is the
    /// type's ([`Header::MUST_UNDERSTAND`]).
    pub fn add_reply_header<H: Header>(&self, header: &H) -> Result<(), Error> {
        let block = HeaderBlock::from_header(header)
            .map_err(|e| Error::Encoding(format!("the reply header {}: {e}", H::NAME)))?;
        self.add_reply_block(block);
        Ok(())
    }

    /// Adds `block` to the reply.
    pub fn add_reply_block(&self, block: HeaderBlock) {
        // Borrowed only here, and `push` runs no code of the caller's: never borrowed twice.
        self.reply.borrow_mut().push(block);
    }

    /// Who called, once transport or message security says; `None` until then.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_deref()
    }

    /// Asks the runtime to release the service instance once this call completes (WCF's
    /// `InstanceContext.ReleaseServiceInstance`): its `on_release` hook and `Drop` run, and the
    /// next call of the same session gets a fresh instance from the factory; the session goes
    /// on. Without effect on a singleton the host was given.
    pub fn release_service_instance(&self) {
        self.release_instance.set(true);
    }

    /// Withdraws a request to release the instance (one made by the release hook of the
    /// instance a `BeforeCall` call replaced).
    pub(crate) fn forget_release_request() {
        let _ = CURRENT.try_with(|cx| cx.release_instance.set(false));
    }

    /// Whether the operation asked for its instance to be released.
    pub(crate) fn release_requested() -> bool {
        CURRENT
            .try_with(|cx| cx.release_instance.get())
            .unwrap_or(false)
    }
}

/// Runs `operation` as `call` with `request` as its headers; returns its output and the headers
/// it added to its reply.
pub(crate) fn scope<F: Future>(
    call: CallInfo,
    request: Headers,
    operation: F,
) -> impl Future<Output = (F::Output, Vec<HeaderBlock>)> {
    let context = OperationContext {
        call,
        request,
        reply: RefCell::new(Vec::new()),
        identity: None,
        release_instance: Cell::new(false),
    };
    crate::task_local::scoped(&CURRENT, context, operation).map(|(output, context)| {
        let reply = context.map(|cx| cx.reply.into_inner());
        (output, reply.unwrap_or_default())
    })
}
