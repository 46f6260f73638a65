//! Framing fault URIs ([MC-NMF] 2.2.5), sent in a Fault record before closing the connection.

/// The namespace every framing fault URI starts with.
pub const NAMESPACE: &str = "http://schemas.microsoft.com/ws/2006/05/framing/faults/";

/// The endpoint exists but handing the connection to it failed.
pub const CONNECTION_DISPATCH_FAILED: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/ConnectionDispatchFailed";
/// The endpoint does not support the announced encoding.
pub const CONTENT_TYPE_INVALID: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/ContentTypeInvalid";
/// The ExtensibleEncoding content type exceeds the receiver's quota.
pub const CONTENT_TYPE_TOO_LONG: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/ContentTypeTooLong";
/// The endpoint at the Via may not be accessed.
pub const ENDPOINT_ACCESS_DENIED: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointAccessDenied";
/// No endpoint listens at the Via.
pub const ENDPOINT_NOT_FOUND: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointNotFound";
/// The endpoint exists but is paused.
pub const ENDPOINT_PAUSED: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointPaused";
/// The endpoint exists but is unavailable.
pub const ENDPOINT_UNAVAILABLE: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointUnavailable";
/// Records arrived out of order.
pub const INVALID_RECORD_SEQUENCE: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/InvalidRecordSequence";
/// An envelope is larger than the receiver allows.
pub const MAX_MESSAGE_SIZE_EXCEEDED: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/MaxMessageSizeExceededFault";
/// The receiver is too busy.
pub const SERVER_TOO_BUSY: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/ServerTooBusy";
/// A hosted service failed to start.
pub const SERVICE_ACTIVATION_FAILED: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/ServiceActivationFailed";
/// The mode is unknown or not supported by the endpoint.
pub const UNSUPPORTED_MODE: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/UnsupportedMode";
/// The framing version is not supported.
pub const UNSUPPORTED_VERSION: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/UnsupportedVersion";
/// The requested stream upgrade is not supported or not expected.
pub const UPGRADE_INVALID: &str =
    "http://schemas.microsoft.com/ws/2006/05/framing/faults/UpgradeInvalid";
/// The Via exceeds the receiver's quota.
pub const VIA_TOO_LONG: &str = "http://schemas.microsoft.com/ws/2006/05/framing/faults/ViaTooLong";

/// Every framing fault URI defined by [MC-NMF].
pub const ALL: [&str; 15] = [
    CONNECTION_DISPATCH_FAILED,
    CONTENT_TYPE_INVALID,
    CONTENT_TYPE_TOO_LONG,
    ENDPOINT_ACCESS_DENIED,
    ENDPOINT_NOT_FOUND,
    ENDPOINT_PAUSED,
    ENDPOINT_UNAVAILABLE,
    INVALID_RECORD_SEQUENCE,
    MAX_MESSAGE_SIZE_EXCEEDED,
    SERVER_TOO_BUSY,
    SERVICE_ACTIVATION_FAILED,
    UNSUPPORTED_MODE,
    UNSUPPORTED_VERSION,
    UPGRADE_INVALID,
    VIA_TOO_LONG,
];
