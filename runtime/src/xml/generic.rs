//! The names the DataContractSerializer gives instances of its generic collection types:
//! `KeyValueOf{Key}{Value}` for a dictionary's entries and `ArrayOfKeyValueOf{Key}{Value}` for the
//! dictionary, both in [`ARRAYS_NS`](super::ARRAYS_NS), with a digest of the parameters'
//! namespaces appended when one of them is not a built-in namespace.
//!
//! .NET's `DataContract.ExpandGenericParameters` expands the `{#}` of the generic name
//! `ArrayOfKeyValueOf{0}{1}{#}` to the digest when any parameter's schema namespace is neither XML
//! Schema's nor the serializer's own (`IsBuiltInNamespace`). The digest is `GetNamespacesDigest`
//! of `" {count}"` followed by `" {namespace}"` per parameter: the first 6 bytes of its UTF-8
//! MD5, in base64 with `/` as `_S`, `+` as `_P` and the padding dropped. So
//! `Dictionary<string, Person>` with `Person` in `http://peers.test/geo` is
//! `ArrayOfKeyValueOfstringPerson_S0hWBn0Y` (checked against Mono's serializer, whose
//! `System.Runtime.Serialization` is .NET's reference source).

use super::base64;
use super::names::is_simple_type_namespace as is_built_in;

/// The name of a dictionary entry with parameters named `key` and `value` whose schema types are
/// in `key_ns` and `value_ns`: `KeyValueOf{key}{value}` and, when a namespace is not built in,
/// the digest.
pub(crate) fn key_value_name(key: &str, key_ns: &str, value: &str, value_ns: &str) -> String {
    let mut name = format!("KeyValueOf{key}{value}");
    if !(is_built_in(key_ns) && is_built_in(value_ns)) {
        name.push_str(&namespaces_digest(&format!(" 2 {key_ns} {value_ns}")));
    }
    name
}

/// .NET's `GetNamespacesDigest`: the first 6 bytes of the MD5 of `namespaces`, in base64 with
/// `/` as `_S` and `+` as `_P` (6 bytes make 8 characters, no padding).
fn namespaces_digest(namespaces: &str) -> String {
    use md5::Digest as _;
    let hash = md5::Md5::digest(namespaces.as_bytes());
    let mut encoded = String::with_capacity(8);
    base64::encode_into(&mut encoded, &hash[..6]);
    encoded.replace('/', "_S").replace('+', "_P")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::names::{SERIALIZATION_NS, XS_NS};

    #[test]
    fn names_as_dotnet_writes_them() {
        assert_eq!(
            key_value_name("string", XS_NS, "int", XS_NS),
            "KeyValueOfstringint"
        );
        assert_eq!(
            key_value_name("string", XS_NS, "guid", SERIALIZATION_NS),
            "KeyValueOfstringguid"
        );
        // Mono's DataContractSerializer: Dictionary<string, Person> in http://peers.test/geo.
        assert_eq!(
            key_value_name("string", XS_NS, "Person", "http://peers.test/geo"),
            "KeyValueOfstringPerson_S0hWBn0Y"
        );
    }
}
