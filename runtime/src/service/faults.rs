//! The faults the service runtime sends on its own, with WCF's codes so that WCF clients map them
//! to the same exceptions.

use crate::contract::OperationDescription;
use crate::message::{Fault, FaultKind, Headers, WSA10_NS};

/// WCF's dispatcher fault namespace (`SessionTerminated`, `DeserializationFailed`, …).
pub const DISPATCHER_NS: &str =
    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher";

/// No operation has this action (WCF: ContractFilter mismatch at the EndpointDispatcher).
pub fn action_not_supported(action: &str) -> Fault {
    Fault::new(
        FaultKind::Sender,
        format!(
            "The message with action '{action}' cannot be processed: no operation of this endpoint's contract has that action (ContractFilter mismatch)."
        ),
    )
    .with_subcode(WSA10_NS, "ActionNotSupported")
}

/// A session's first call is not initiating. WCF answers with the same fault as an unknown
/// action, because only initiating actions pass its filter for a new session.
pub fn not_initiating(op: &OperationDescription) -> Fault {
    Fault::new(
        FaultKind::Sender,
        format!(
            "The message with action '{}' cannot be processed: operation '{}' is not initiating (IsInitiating = false), so it cannot be the first call of a session; call an initiating operation first.",
            op.action, op.name
        ),
    )
    .with_subcode(WSA10_NS, "ActionNotSupported")
}

/// A call arrived after the session's terminating operation.
pub fn session_terminated(terminating: &str) -> Fault {
    Fault::new(
        FaultKind::Sender,
        format!(
            "This session has ended: its terminating operation '{terminating}' was already called, so no more operations may be called; open a new session."
        ),
    )
    .with_subcode(DISPATCHER_NS, "SessionTerminated")
}

/// A request body could not be read.
pub fn deserialization(op: &OperationDescription, reason: String) -> Fault {
    Fault::new(
        FaultKind::Sender,
        format!(
            "The request of operation '{}' could not be deserialized: {reason}",
            op.name
        ),
    )
    .with_subcode(DISPATCHER_NS, "DeserializationFailed")
}

/// The service failed in a way that is not the caller's fault.
pub fn internal(reason: String) -> Fault {
    Fault::new(FaultKind::Receiver, reason).with_subcode(DISPATCHER_NS, "InternalServiceFault")
}

/// The `MustUnderstand` fault for the headers marked `mustUnderstand` that nothing understood
/// (no layer claimed them, and the dispatcher does not know them); `None` when there are none.
/// The fault names every one (SOAP 1.2 `NotUnderstood` headers); its reason names the first, as
/// WCF's does.
pub fn not_understood(headers: &Headers) -> Option<Fault> {
    headers.not_understood().next()?;
    let names: Vec<(String, String)> = headers
        .not_understood()
        .map(|block| {
            let (namespace, name) = block.name();
            (namespace.to_owned(), name.to_owned())
        })
        .collect();
    let (namespace, name) = names.first()?;
    let mut fault = Fault::new(
        FaultKind::MustUnderstand,
        format!(
            "The header '{name}' from the namespace '{namespace}' was not understood by the recipient of this message, causing the message to not be processed. The sender has enabled a protocol (or sent a header) that this endpoint does not process; make the client's binding match the service's."
        ),
    );
    fault.not_understood = names.into();
    Some(fault)
}

/// An operation ran past the service's operation timeout; its session is faulted.
pub fn operation_timed_out(op: &OperationDescription, limit: std::time::Duration) -> Fault {
    Fault::new(
        FaultKind::Receiver,
        format!(
            "Operation '{}' did not complete within the service's operation timeout ({limit:?}); the session is aborted.",
            op.name
        ),
    )
    .with_subcode(DISPATCHER_NS, "OperationTimedOut")
}

/// No instance context could be made: the host's `max_concurrent_instances` live, and none
/// ended within `waited` (or, under `Admission::Refuse`, the host does not wait).
pub fn too_many_instances(waited: Option<std::time::Duration>) -> Fault {
    let reason = match waited {
        Some(waited) => format!(
            "The service is too busy: it keeps as many service instances as it may (max_concurrent_instances), and none was released within {waited:?}; try again later."
        ),
        None => "The service is too busy: it keeps as many service instances as it may (max_concurrent_instances); try again later.".to_owned(),
    };
    Fault::new(FaultKind::Receiver, reason).with_subcode(DISPATCHER_NS, "ServerTooBusy")
}
