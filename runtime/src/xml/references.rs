//! .NET's object references (`[DataContract(IsReference = true)]`): the serializer gives each
//! element of such a type a `z:Id`, and a later element may stand for the same object with
//! `z:Ref`. Writing numbers the ids per message (`i1`, `i2`, …); reading keeps a copy of each
//! value read under its id, per message, so that a `z:Ref` reads as that value.
//!
//! Serde sees such a type as a newtype struct named [`IS_REFERENCE`]: the XML writer adds the
//! `z:Id`; the reader hands the derive's visitor either the element (after [`take_id`] gives
//! its `z:Id`) or, for a `z:Ref`, the id as a string, which [`recall`] resolves.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// The serde newtype name of a type with object references (`#[data_contract(is_reference)]`).
#[doc(hidden)]
pub const IS_REFERENCE: &str = "@is-reference";

thread_local! {
    /// The last id written in the message being written.
    static WRITTEN: Cell<u32> = const { Cell::new(0) };
    /// The values read under their ids in the message being read (`None` until one is: most
    /// messages have none, and every message read starts by clearing this).
    static READ: RefCell<Option<HashMap<String, Box<dyn Any>>>> = const { RefCell::new(None) };
    /// The `z:Id` of the element whose value is being read.
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether `READ` or `CURRENT` hold anything (most messages have no references).
    static DIRTY: Cell<bool> = const { Cell::new(false) };
}

/// Starts a message being written: ids count from `i1`.
pub(crate) fn start_writing() {
    WRITTEN.with(|n| n.set(0));
}

/// Starts a message being read: no ids known.
pub(crate) fn start_reading() {
    if !DIRTY.with(|dirty| dirty.replace(false)) {
        return;
    }
    READ.with(|read| {
        if let Ok(mut read) = read.try_borrow_mut()
            && read.is_some()
        {
            *read = None;
        }
    });
    CURRENT.with(|current| {
        if let Ok(mut current) = current.try_borrow_mut()
            && current.is_some()
        {
            *current = None;
        }
    });
}

/// The next id of the message being written.
pub(crate) fn next_id() -> String {
    WRITTEN.with(|n| {
        let next = n.get().saturating_add(1);
        n.set(next);
        format!("i{next}")
    })
}

/// Sets the `z:Id` of the element about to be read.
pub(crate) fn set_id(id: Option<String>) {
    DIRTY.with(|dirty| dirty.set(true));
    CURRENT.with(|current| *current.borrow_mut() = id);
}

/// The `z:Id` of the element being read, if it has one (taken: a nested element has its own).
#[doc(hidden)]
pub fn take_id() -> Option<String> {
    CURRENT.with(|current| current.borrow_mut().take())
}

/// Keeps a copy of `value`, read under `id`, for the `z:Ref`s to it.
#[doc(hidden)]
pub fn remember<T: Clone + 'static>(id: String, value: &T) {
    DIRTY.with(|dirty| dirty.set(true));
    READ.with(|read| {
        read.borrow_mut()
            .get_or_insert_with(HashMap::new)
            .insert(id, Box::new(value.clone()));
    });
}

/// The value read under `id`, if it was of type `T`.
#[doc(hidden)]
pub fn recall<T: Clone + 'static>(id: &str) -> Option<T> {
    READ.with(|read| {
        read.borrow()
            .as_ref()?
            .get(id)?
            .downcast_ref::<T>()
            .cloned()
    })
}
