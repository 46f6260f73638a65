//! [`CallScope`]: headers for the calls made inside a scope, and the headers of their replies,
//! as WCF's `OperationContextScope` gives a client.

use std::cell::RefCell;
use std::future::Future;

use futures_util::FutureExt;

use crate::error::Error;
use crate::message::{Header, HeaderBlock, Headers};
use crate::xml::XmlError;

tokio::task_local! {
    static SCOPE: RefCell<CallScope>;
}

/// Headers to send with every call made inside [`CallScope::run`], and the headers of the last
/// reply received there.
///
/// The scope is a tokio task-local: calls made by the future given to `run` (and what it awaits
/// in its own task) use it; a task it spawns does not.
///
/// ```no_run
/// # use indigo_runtime::client::CallScope;
/// # use indigo_runtime::message::{Header, data_contract};
/// # use indigo_runtime::xml::{Infoset, XmlError, XmlSink};
/// # #[derive(serde::Serialize, serde::Deserialize)]
/// # struct Tenant { #[serde(rename = "Id")] id: u32 }
/// # impl Header for Tenant {
/// #     const NAMESPACE: &'static str = "urn:example:tenancy";
/// #     const NAME: &'static str = "Tenant";
/// #     fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError> {
/// #         data_contract::write(self, Self::NAME, Self::NAMESPACE, out)
/// #     }
/// #     fn read(element: &Infoset) -> Result<Self, XmlError> { data_contract::read(element) }
/// # }
/// # async fn example(call: impl std::future::Future<Output = ()>) -> Result<(), indigo_runtime::Error> {
/// // `call`: a call of a generated client, e.g. `client.whoami()`.
/// let scope = CallScope::new().with_header(&Tenant { id: 7 })?;
/// let ((), reply_headers) = scope.run(call).await;
/// let tenant: Option<Tenant> = reply_headers.get()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct CallScope {
    outgoing: Vec<HeaderBlock>,
    understood: Vec<(&'static str, &'static str)>,
    reply: Headers,
}

impl CallScope {
    /// A scope that adds no header.
    pub fn new() -> Self {
        CallScope::default()
    }

    /// Adds `header` to every request made in the scope (after the addressing headers).
    pub fn with_header<H: Header>(mut self, header: &H) -> Result<Self, Error> {
        let block = HeaderBlock::from_header(header)
            .map_err(|e: XmlError| Error::Encoding(format!("the header {}: {e}", H::NAME)))?;
        self.outgoing.push(block);
        Ok(self)
    }

    /// Adds `block` to every request made in the scope.
    pub fn with_block(mut self, block: HeaderBlock) -> Self {
        self.outgoing.push(block);
        self
    }

    /// Declares that the caller reads the replies' `H` headers itself: an `H` marked
    /// `mustUnderstand` is then not an [`Error::HeaderNotUnderstood`].
    pub fn understand<H: Header>(mut self) -> Self {
        self.understood.push((H::NAMESPACE, H::NAME));
        self
    }

    /// Runs `calls` in the scope; returns their output and the headers of the last reply
    /// received in the scope (empty if none was).
    pub fn run<F: Future>(self, calls: F) -> impl Future<Output = (F::Output, Headers)> {
        crate::task_local::scoped(&SCOPE, RefCell::new(self), calls).map(|(output, scope)| {
            let reply = scope.map(|scope| scope.into_inner().reply);
            (output, reply.unwrap_or_default())
        })
    }
}

/// Adds the current scope's headers, if any, to a request's.
pub(crate) fn add_outgoing(request: &mut Headers) {
    let _ = SCOPE.try_with(|scope| {
        request
            .other
            .extend(scope.borrow().outgoing.iter().cloned());
    });
}

/// Takes a reply's headers: fails if one marked `mustUnderstand` is understood neither by a
/// layer nor by the current scope; otherwise keeps them in the scope, if any.
pub(crate) fn received(mut reply: Headers) -> Result<(), Error> {
    let in_scope = SCOPE.try_with(|scope| {
        for &(namespace, name) in &scope.borrow().understood {
            reply.understand(namespace, name);
        }
    });
    if let Some(block) = reply.not_understood().next() {
        let (namespace, name) = block.name();
        return Err(Error::HeaderNotUnderstood {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        });
    }
    if in_scope.is_ok() {
        let _ = SCOPE.try_with(|scope| scope.borrow_mut().reply = reply);
    }
    Ok(())
}
