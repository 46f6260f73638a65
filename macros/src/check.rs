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

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ctxt::Ctxt;
    use crate::{attr, check, model};

    /// Runs parse → model → check on a contract and returns the error messages.
    fn errors(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Vec<String> {
        let mut cx = Ctxt::default();
        let args = attr::contract_args(&mut cx, args);
        let contract = model::contract(&mut cx, args, syn::parse2(item).unwrap());
        check::contract(&mut cx, &contract);
        match cx.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_valid_session_contract_passes() {
        let found = errors(
            quote!(session = Required),
            quote! {
                trait Calc {
                    #[operation(initiating)] async fn clear(&mut self);
                    #[operation(initiating = false, terminating)] async fn equals(&mut self) -> f64;
                }
            },
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn session_rules_need_a_required_session() {
        let found = errors(
            quote!(),
            quote! {
                trait Calc {
                    async fn clear(&mut self);
                    #[operation(initiating = false)] async fn add(&mut self, n: f64);
                    #[operation(terminating)] async fn equals(&mut self) -> f64;
                }
            },
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("`add` is not initiating"));
        assert!(found[1].contains("`equals` is terminating"));
    }

    #[test]
    fn a_required_contract_needs_an_initiating_operation() {
        let found = errors(
            quote!(session = Required),
            quote!(
                trait Calc {
                    #[operation(initiating = false)]
                    async fn add(&mut self);
                }
            ),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("at least one initiating operation"));
    }

    #[test]
    fn one_way_operations_return_nothing() {
        let found = errors(
            quote!(),
            quote! {
                trait Log {
                    #[operation(one_way)] async fn a(&self) -> u32;
                    #[operation(one_way)] async fn b(&self) -> Result<(), E>;
                    #[operation(one_way)] async fn c(&self) -> ();
                }
            },
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("cannot have a result"));
        assert!(found[1].contains("cannot have a fault type"));
    }

    #[test]
    fn names_and_actions_are_unique() {
        let names = errors(
            quote!(),
            quote!(
                trait T {
                    async fn add(&self);
                    #[operation(name = "Add")]
                    async fn plus(&self);
                }
            ),
        );
        assert_eq!(
            names.len(),
            1,
            "a repeated name is reported once: {names:?}"
        );
        assert!(names[0].contains("name `Add` is used twice"));
        let actions = errors(
            quote!(),
            quote!(
                trait T {
                    #[operation(action = "x")]
                    async fn a(&self);
                    #[operation(action = "x")]
                    async fn b(&self);
                }
            ),
        );
        assert_eq!(actions.len(), 1);
        assert!(actions[0].contains("action `x` is used twice"));
    }

    #[test]
    fn every_shape_error_is_reported_at_once() {
        let found = errors(
            quote!(sesion = Required),
            quote! {
                trait T<X> {
                    fn sync(&self);
                    async fn generic<U>(&self);
                    async fn owned(self);
                    async fn borrowed(&self, s: &str);
                    #[operation(one_way, reply_action = "r")] async fn reply(&self);
                    #[operation(initiating, initiating)] async fn twice(&self);
                    #[operation(fault_action = "f")] async fn no_fault(&self) -> u32;
                }
            },
        );
        let expected = [
            "unknown #[service_contract] argument `sesion`",
            "cannot be generic",
            "must be an `async fn`",
            "operation `generic` cannot be generic",
            "takes `self` by value",
            "cannot be borrowed",
            "takes no `reply_action`",
            "`initiating` is given twice",
            "takes no `fault_action`",
        ];
        for message in expected {
            assert!(
                found.iter().any(|f| f.contains(message)),
                "missing {message:?} in {found:?}"
            );
        }
    }

    #[test]
    fn defaults_follow_wcf() {
        let mut cx = Ctxt::default();
        let args = attr::contract_args(&mut cx, quote!(namespace = "urn:x"));
        let item = syn::parse2(quote! {
            trait Calc { async fn add_to(&self, first_value: i32); #[operation(one_way)] async fn log(&self); }
        })
        .unwrap();
        let contract = model::contract(&mut cx, args, item);
        assert!(cx.finish().is_ok());
        assert_eq!(contract.name, "Calc");
        let add = &contract.operations[0];
        assert_eq!(add.name.value, "AddTo");
        assert_eq!(add.action, "urn:x/Calc/AddTo");
        assert_eq!(
            add.reply_action.as_deref(),
            Some("urn:x/Calc/AddToResponse")
        );
        assert_eq!(add.params[0].wire_name, "firstValue");
        assert!(add.initiating.value && !add.terminating.value && !add.mutable);
        assert_eq!(contract.operations[1].reply_action, None);
    }

    #[test]
    fn fault_actions_default_to_wcf_s_and_may_be_given() {
        let mut cx = Ctxt::default();
        let args = attr::contract_args(&mut cx, quote!(namespace = "urn:x"));
        let item = syn::parse2(quote! {
            trait Calc {
                async fn divide(&self) -> Result<f64, errors::MathFault>;
                async fn pay(&self) -> Result<(), FaultException<Overdrawn>>;
                #[operation(fault_action = "urn:custom")] async fn own(&self) -> Result<(), E>;
                async fn plain(&self) -> u32;
                async fn untyped(&self) -> Result<(), FaultException>;
                async fn unit(&self) -> Result<(), indigo::message::FaultException<()>>;
            }
        })
        .unwrap();
        let contract = model::contract(&mut cx, args, item);
        assert!(cx.finish().is_ok());
        let actions: Vec<_> = contract
            .operations
            .iter()
            .map(|op| op.fault_action.as_deref())
            .collect();
        assert_eq!(
            actions,
            [
                Some("urn:x/Calc/DivideMathFaultFault"),
                Some("urn:x/Calc/PayOverdrawnFault"),
                Some("urn:custom"),
                None,
                None,
                None
            ]
        );
        let untyped = contract.operations[4..].iter().map(|op| {
            let fault = op.output.fault.as_ref().expect("a fault");
            (fault.form == model::FaultForm::Untyped, fault.is_typed())
        });
        assert!(untyped.eq([(true, false), (true, false)]));
    }
}
