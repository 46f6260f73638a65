//! The headers of the call an operation is running: the request's, to read, and the reply's, to
//! add to.
//!
//! The service runtime sets them around each operation it runs (a tokio task-local), so the
//! operation and everything it awaits in its own task see them; a task it spawns does not.
//! Outside an operation the readers find nothing and the writers fail with
//! [`Error::OutsideOperation`].
//!
//! ```
//! # use indigo_runtime::message::{Header, data_contract};
//! # use indigo_runtime::xml::{Infoset, XmlError, XmlSink};
//! use indigo_runtime::service::headers;
//!
//! # #[derive(serde::Serialize, serde::Deserialize)]
//! # struct Tenant {
//! #     #[serde(rename = "Id")]
//! #     id: u32,
//! # }
//! # impl Header for Tenant {
//! #     const NAMESPACE: &'static str = "urn:example:tenancy";
//! #     const NAME: &'static str = "Tenant";
//! #     fn write(&self, out: &mut dyn XmlSink) -> Result<(), XmlError> {
//! #         data_contract::write(self, Self::NAME, Self::NAMESPACE, out)
//! #     }
//! #     fn read(element: &Infoset) -> Result<Self, XmlError> {
//! #         data_contract::read(element)
//! #     }
//! # }
//! // `Tenant` derives `Header` (`#[header(namespace = "urn:example:tenancy")]`).
//! // Inside an operation:
//! async fn whoami() -> Result<u32, indigo_runtime::Error> {
//!     let tenant = headers::request_header::<Tenant>()?.map_or(0, |t| t.id);
//!     headers::add_reply_header(&Tenant { id: tenant })?;
//!     Ok(tenant)
//! }
//! ```

use std::cell::RefCell;
use std::future::Future;

use crate::error::Error;
use crate::message::{Header, HeaderBlock, Headers};

tokio::task_local! {
    static CALL: CallHeaders;
}

/// The headers of one call.
#[derive(Debug, Default)]
struct CallHeaders {
    /// The request's headers (the addressing ones too); never changed, so reading them while
    /// adding reply headers is fine.
    request: Headers,
    /// Headers to add to the reply.
    reply: RefCell<Vec<HeaderBlock>>,
}

/// Runs `call` with `request` as its call's headers; returns its output and the reply headers
/// it added.
pub(crate) async fn scope<F: Future>(request: Headers, call: F) -> (F::Output, Vec<HeaderBlock>) {
    let headers = CallHeaders {
        request,
        reply: RefCell::new(Vec::new()),
    };
    let (output, headers) = crate::task_local::scoped(&CALL, headers, call).await;
    (
        output,
        headers.map(|h| h.reply.into_inner()).unwrap_or_default(),
    )
}

/// Reads the request's headers with `read`; `None` outside an operation.
pub fn request<R>(read: impl FnOnce(&Headers) -> R) -> Option<R> {
    CALL.try_with(|call| read(&call.request)).ok()
}

/// The request's first `H` header; `Ok(None)` if it has none, or outside an operation.
pub fn request_header<H: Header>() -> Result<Option<H>, Error> {
    request(Headers::get::<H>)
        .transpose()
        .map(Option::flatten)
        .map_err(|e| Error::Encoding(format!("the request header {}: {e}", H::NAME)))
}

/// Adds `header` to the reply (after the addressing headers); its `mustUnderstand` is the
/// type's ([`Header::MUST_UNDERSTAND`]).
pub fn add_reply_header<H: Header>(header: &H) -> Result<(), Error> {
    let block = HeaderBlock::from_header(header)
        .map_err(|e| Error::Encoding(format!("the reply header {}: {e}", H::NAME)))?;
    add_reply_block(block)
}

/// Adds `block` to the reply.
pub fn add_reply_block(block: HeaderBlock) -> Result<(), Error> {
    CALL.try_with(|call| {
        // Borrowed only here, and `push` runs no code of the caller's: never borrowed twice.
        call.reply.borrow_mut().push(block);
    })
    .map_err(|_| Error::OutsideOperation)
}
