//! The DataContractSerializer's member order: a base type's members first; then the members
//! without `Order`; then ascending `Order`; ties broken by `string.CompareOrdinal` of the wire
//! names, which compares UTF-16 code units (so `Zeta` sorts before `alpha`, and `_x` after
//! both upper-case letters and digits).

use std::cmp::Ordering;

/// The sort key of one member: its `Order` (`None` sorts first, as .NET's default `-1` does)
/// and its wire name.
pub trait Ordered {
    fn order(&self) -> Option<i64>;
    fn wire_name(&self) -> &str;
}

/// Sorts one type's own members into serializer order (a base type's members, which come
/// before all of these, are sorted on their own type).
pub fn sort<T: Ordered>(members: &mut [T]) {
    members.sort_by(compare);
}

fn compare<T: Ordered>(a: &T, b: &T) -> Ordering {
    let order = |m: &T| m.order().unwrap_or(-1);
    order(a)
        .cmp(&order(b))
        .then_with(|| ordinal(a.wire_name(), b.wire_name()))
}

/// `string.CompareOrdinal`: UTF-16 code unit by code unit.
fn ordinal(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct M(&'static str, Option<i64>);

    impl Ordered for M {
        fn order(&self) -> Option<i64> {
            self.1
        }
        fn wire_name(&self) -> &str {
            self.0
        }
    }

    fn sorted(members: Vec<M>) -> Vec<&'static str> {
        let mut members = members;
        sort(&mut members);
        members.into_iter().map(|m| m.0).collect()
    }

    #[test]
    fn members_without_order_come_first_alphabetically() {
        let order = sorted(vec![M("Name", None), M("Age", None), M("City", None)]);
        assert_eq!(order, ["Age", "City", "Name"]);
    }

    #[test]
    fn explicit_order_follows_ties_by_name() {
        let order = sorted(vec![
            M("b", Some(2)),
            M("Zulu", None),
            M("a", Some(2)),
            M("first", Some(0)),
            M("Alpha", None),
        ]);
        assert_eq!(order, ["Alpha", "Zulu", "first", "a", "b"]);
    }

    #[test]
    fn ordinal_compares_utf16_code_units() {
        // Upper case before lower case, `_` (0x5F) between them, digits before letters.
        let order = sorted(vec![
            M("alpha", None),
            M("_x", None),
            M("Zeta", None),
            M("x1", None),
            M("X", None),
            M("9lives", None),
        ]);
        assert_eq!(order, ["9lives", "X", "Zeta", "_x", "alpha", "x1"]);
    }

    #[test]
    fn non_ascii_names_sort_by_code_unit() {
        // `é` (U+00E9) after every ASCII letter; `𝔸` (U+1D538, surrogates D835 DD38) sorts by
        // its high surrogate, before `ｚ` (U+FF5A), although its code point is larger.
        let order = sorted(vec![
            M("ｚ", None),
            M("𝔸", None),
            M("école", None),
            M("zoo", None),
        ]);
        assert_eq!(order, ["zoo", "école", "𝔸", "ｚ"]);
    }
}
