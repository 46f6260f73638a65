//! WCF's contract rules, checked at compile time: what WCF rejects when a host opens, and more.

use std::collections::HashMap;

use crate::attr::Session;
use crate::ctxt::Ctxt;
use crate::model::{Contract, Operation};

/// Method names the generated client or trait uses itself.
const RESERVED: &[&str] = &["connect", "close", "abort", "on_release"];

/// Checks the rules between a contract's operations; errors go to `cx`.
pub fn contract(cx: &mut Ctxt, contract: &Contract) {
    if contract.operations.is_empty() {
        cx.error_spanned_by(
            &contract.ident,
            "a service contract needs at least one operation",
        );
    }
    session_rules(cx, contract);
    for op in &contract.operations {
        one_way_rules(cx, op);
        reserved_name(cx, op);
    }
    if unique(cx, contract, "name", |op| &op.name.value) {
        // Default actions derive from names: a repeated name already explains a repeated action.
        unique(cx, contract, "action", |op| &op.action);
    }
}

/// Rules 1 and 2: non-initiating and terminating operations need `session = Required`, and a
/// `Required` contract needs an initiating operation.
fn session_rules(cx: &mut Ctxt, contract: &Contract) {
    if contract.session == Session::Required {
        let any_initiating = contract.operations.iter().any(|op| op.initiating.value);
        if !any_initiating && !contract.operations.is_empty() {
            cx.push(syn::Error::new(
                contract.session_span,
                "a `session = Required` contract needs at least one initiating operation, or no session could ever start; \
                 mark one with `#[operation(initiating)]`",
            ));
        }
        return;
    }
    for op in &contract.operations {
        if !op.initiating.value {
            cx.push(syn::Error::new(
                op.initiating.span,
                format!(
                    "operation `{}` is not initiating, which only a session can order; \
                     declare the contract with `#[service_contract(session = Required)]`",
                    op.method
                ),
            ));
        }
        if op.terminating.value {
            cx.push(syn::Error::new(
                op.terminating.span,
                format!(
                    "operation `{}` is terminating, which only a session can honour; \
                     declare the contract with `#[service_contract(session = Required)]`",
                    op.method
                ),
            ));
        }
    }
}

/// Rule 3: a one-way operation returns nothing and has no fault type.
fn one_way_rules(cx: &mut Ctxt, op: &Operation) {
    if !op.one_way.value {
        return;
    }
    if let Some(ty) = op.output.span() {
        let what = if op.output.fault.is_some() {
            "a fault type"
        } else {
            "a result"
        };
        if op.output.fault.is_some() || !op.output.is_unit() {
            cx.error_spanned_by(
                ty,
                format!(
                    "one-way operation `{}` cannot have {what}: no reply is ever sent; \
                     remove `one_way` or return `()`",
                    op.method
                ),
            );
        }
    }
}

fn reserved_name(cx: &mut Ctxt, op: &Operation) {
    let method = op.method.to_string();
    if RESERVED.contains(&method.as_str()) {
        cx.error_spanned_by(
            &op.method,
            format!(
                "`{method}` is a method of the generated client; rename the method and keep the wire name \
                 with `#[operation(name = \"{}\")]`",
                op.name.value
            ),
        );
    }
}

/// Rule 4: names and actions are unique within the contract. Returns whether they were.
fn unique(
    cx: &mut Ctxt,
    contract: &Contract,
    what: &str,
    key: impl Fn(&Operation) -> &String,
) -> bool {
    let mut all_unique = true;
    let mut seen: HashMap<&String, &Operation> = HashMap::new();
    for op in &contract.operations {
        match seen.get(key(op)) {
            Some(first) => {
                all_unique = false;
                cx.push(syn::Error::new(
                op.name.span,
                format!(
                    "operation {what} `{}` is used twice (also by `{}`); give one of them its own \
                     `#[operation({what} = \"…\")]`",
                    key(op),
                    first.method
                ),
            ));
            }
            None => {
                seen.insert(key(op), op);
            }
        }
    }
    all_unique
}
