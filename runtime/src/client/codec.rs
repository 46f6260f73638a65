//! The body codec the generated client calls: requests out, replies and typed faults in.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::contract::{ContractDescription, OperationDescription};
use crate::error::Error;
use crate::message::{Body, Fault, FaultException};
use crate::xml;

fn operation(
    contract: &'static ContractDescription,
    index: usize,
) -> Result<&'static OperationDescription, Error> {
    contract.operations.get(index).ok_or_else(|| {
        Error::Encoding(format!(
            "contract `{}` has no operation number {index}",
            contract.name
        ))
    })
}

/// Writes a request value as operation `index`'s request body.
pub fn encode_request<R: Serialize>(
    contract: &'static ContractDescription,
    index: usize,
    request: &R,
) -> Result<Body, Error> {
    let op = operation(contract, index)?;
    let infoset = xml::to_infoset_with_data(
        request,
        op.name,
        contract.namespace,
        contract.data_namespace,
    )
    .map_err(|e| Error::Encoding(format!("the request of `{}`: {e}", op.name)))?;
    Ok(Body::Infoset(infoset))
}

/// Reads a reply body; a fault becomes [`Error::Fault`].
pub fn decode_reply<R: DeserializeOwned>(
    contract: &'static ContractDescription,
    index: usize,
    body: Body,
) -> Result<R, Error> {
    let op = operation(contract, index)?;
    match body {
        Body::Xml(_) | Body::Infoset(_) => body
            .deserialize()
            .map_err(|e| Error::Encoding(format!("the reply of `{}`: {e}", op.name))),
        Body::Fault(fault) => Err(Error::Fault(fault)),
        Body::Empty => Err(Error::Encoding(format!(
            "the reply of `{}` has no body",
            op.name
        ))),
    }
}

/// Reads a reply body of an operation with a typed fault: a fault whose detail is the fault type
/// becomes `Ok(Err(detail))`; any other fault becomes [`Error::Fault`].
pub fn decode_reply_or_fault<R: DeserializeOwned, F: DeserializeOwned>(
    contract: &'static ContractDescription,
    index: usize,
    body: Body,
) -> Result<Result<R, F>, Error> {
    decode_typed(contract, index, body, |detail, _| detail)
}

/// [`decode_reply_or_fault`] for an operation whose fault is a [`FaultException`]: the typed
/// fault comes back with its reason, language and code.
pub fn decode_reply_or_fault_exception<R: DeserializeOwned, D: DeserializeOwned>(
    contract: &'static ContractDescription,
    index: usize,
    body: Body,
) -> Result<Result<R, FaultException<D>>, Error> {
    decode_typed(contract, index, body, exception)
}

/// [`decode_reply_or_fault`] for an operation whose fault is an untyped [`FaultException`]:
/// every fault comes back that way, with its reason, language and code.
pub fn decode_reply_or_untyped_fault<R: DeserializeOwned>(
    contract: &'static ContractDescription,
    index: usize,
    body: Body,
) -> Result<Result<R, FaultException>, Error> {
    match body {
        Body::Fault(fault) => Ok(Err(exception((), &fault))),
        other => decode_reply(contract, index, other).map(Ok),
    }
}

/// `detail` with `fault`'s reason, language and code.
fn exception<D>(detail: D, fault: &Fault) -> FaultException<D> {
    let reason = fault.reasons.first();
    FaultException {
        detail,
        reason: reason.map(|r| r.text.clone()).unwrap_or_default(),
        lang: reason.map(|r| r.lang.clone()).unwrap_or_default(),
        code: fault.code.kind,
    }
}

/// The local name of `op`'s fault detail element, a `D`: its data contract's name
/// (`#[derive(DataContract)]`), else the type's name.
fn detail_name<D: DeserializeOwned>(op: &OperationDescription) -> Option<String> {
    let mut registry = xml::schema::TypeRegistry::default();
    match xml::schema::trace::<D>(&mut registry) {
        Ok(shape @ xml::schema::Shape::Struct(name)) if name.starts_with('{') => {
            Some(shape.item_name())
        }
        _ => op
            .fault_type
            .map(|ty| crate::service::detail_element(ty).to_owned()),
    }
}

/// A reply, or the operation's typed fault made by `typed` from its detail and the fault.
fn decode_typed<R: DeserializeOwned, D: DeserializeOwned, F>(
    contract: &'static ContractDescription,
    index: usize,
    body: Body,
    typed: impl FnOnce(D, &Fault) -> F,
) -> Result<Result<R, F>, Error> {
    let op = operation(contract, index)?;
    match body {
        Body::Fault(fault) => {
            let expected = detail_name::<D>(op);
            let detail = fault.detail.as_ref().filter(|detail| {
                detail
                    .root_element()
                    .is_ok_and(|(_, name)| Some(name) == expected.as_deref())
            });
            match detail {
                Some(detail) => {
                    let detail = xml::from_infoset(detail).map_err(|e| {
                        Error::Encoding(format!("the fault detail of `{}`: {e}", op.name))
                    })?;
                    Ok(Err(typed(detail, &fault)))
                }
                None => Err(Error::Fault(fault)),
            }
        }
        other => decode_reply(contract, index, other).map(Ok),
    }
}
