//! A typed fault with the reason and code its service chose, as WCF's `FaultException<T>`.

use std::fmt;

use super::{Fault, FaultKind};

/// A typed fault whose service chooses its reason (and code), as WCF's `FaultException<T>`.
///
/// An operation declared `-> Result<T, FaultException<D>>` answers `Err` with a SOAP fault whose
/// detail is `D` (the operation's fault contract, as for `Result<T, D>`), whose reason is
/// [`FaultException::reason`] in [`FaultException::lang`], and whose code is
/// [`FaultException::code`] (`Sender` unless set, as WCF's). The client's `Err` carries the
/// same four back.
///
/// ```
/// use indigo_runtime::message::{FaultException, FaultKind};
///
/// let fault = FaultException::new(7_u32, "the account is overdrawn").with_code(FaultKind::Receiver);
/// assert_eq!((fault.detail, fault.code), (7, FaultKind::Receiver));
/// ```
///
/// Without a detail type, `FaultException` (that is, `FaultException<()>`) is WCF's untyped
/// `FaultException`: a reason and a code, no detail; a client whose operation declares it gets
/// any fault the service sends that way.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultException<D = ()> {
    /// The detail: the operation's fault contract.
    pub detail: D,
    /// The reason, for people.
    pub reason: String,
    /// The reason's language (`xml:lang`): `en` unless set.
    pub lang: String,
    /// The fault code: `Sender` unless set, as WCF's `FaultException<T>`.
    pub code: FaultKind,
}

impl<D> FaultException<D> {
    /// A fault of `detail` with `reason` (in English), code `Sender`.
    pub fn new(detail: D, reason: impl Into<String>) -> Self {
        FaultException {
            detail,
            reason: reason.into(),
            lang: "en".to_owned(),
            code: FaultKind::Sender,
        }
    }

    /// Sets the code (`Receiver` for a failure of the service rather than of the request).
    pub fn with_code(mut self, code: FaultKind) -> Self {
        self.code = code;
        self
    }

    /// Sets the reason's language (an `xml:lang` tag such as `fr-CA`).
    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = lang.into();
        self
    }

    /// The SOAP fault with this code and reason (in its language), without the detail (which
    /// the operation's fault contract writes).
    pub fn to_fault(&self) -> Fault {
        let mut fault = Fault::new(self.code, self.reason.clone());
        if let Some(reason) = fault.reasons.first_mut() {
            reason.lang.clone_from(&self.lang);
        }
        fault
    }
}

impl FaultException {
    /// An untyped fault: `reason` (in English), code `Sender`, no detail.
    pub fn untyped(reason: impl Into<String>) -> Self {
        FaultException::new((), reason)
    }
}

/// A detail alone, with a reason naming its type (what a `Result<T, D>` operation sends).
impl<D> From<D> for FaultException<D> {
    fn from(detail: D) -> Self {
        let name = std::any::type_name::<D>();
        let name = name.rsplit("::").next().unwrap_or(name);
        FaultException::new(
            detail,
            format!("the operation failed with a `{name}` fault"),
        )
    }
}

impl<D> fmt::Display for FaultException<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl<D: fmt::Debug> std::error::Error for FaultException<D> {}
