//! The dispatcher: `{Trait}Contract` implements the runtime's `Dispatch<S>` for every `S` that
//! implements the trait, turning a request body into a call and its result into a reply or fault.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Names, local, reply_struct, request_struct};
use crate::model::{Contract, FaultForm, Operation};

pub fn generate(contract: &Contract, names: &Names) -> TokenStream {
    let service = &names.service;
    let marker = &names.contract;
    let description = names.description();
    let arms = contract
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| arm(names, &description, index, op));
    let (index, instance, body) = (local("index"), local("instance"), local("body"));
    let traces = contract
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| trace(index, op));
    quote! {
        impl<__S: #service> ::indigo::__private::Dispatch<__S> for #marker {
            fn dispatch(
                #index: usize,
                mut #instance: ::indigo::__private::Instance<__S>,
                #body: ::indigo::message::Body,
            ) -> ::indigo::__private::DispatchFuture<__S> {
                let _ = &mut #instance;
                match #index {
                    #(#arms)*
                    _ => ::std::boxed::Box::pin(async move {
                        let fault = ::indigo::__private::unknown_operation(#description, #index);
                        (#instance, ::core::result::Result::Err(fault))
                    }),
                }
            }

            fn release(#instance: &mut __S) -> ::indigo::__private::ReleaseFuture<'_> {
                ::std::boxed::Box::pin(<__S as #service>::on_release(#instance))
            }

            fn describe_types(types: &mut ::indigo::xml::schema::ContractTypes) {
                let _ = &types;
                #(#traces)*
            }
        }
    }
}

fn arm(names: &Names, description: &TokenStream, index: usize, op: &Operation) -> TokenStream {
    let service = &names.service;
    let method = &op.method;
    let request = request_struct(index);
    let fields: Vec<_> = op.params.iter().map(|param| &param.ident).collect();
    let (instance, body, result) = (local("instance"), local("body"), local("result"));
    let outcome = local("outcome");
    let receiver = if op.mutable {
        quote!(#instance.exclusive()?)
    } else {
        quote!(#instance.shared()?)
    };
    let reply = reply(description, index, op);
    // The call borrows the instance; the borrow is given back with the outcome, so that the
    // runtime can release the instance after the call before any other call takes it.
    quote! {
        #index => ::std::boxed::Box::pin(async move {
            let #outcome = async {
                let #request { #(#fields),* } =
                    ::indigo::__private::decode_request::<#request>(#description, #index, #body)?;
                let #result = <__S as #service>::#method(#receiver #(, #fields)*).await;
                #reply
            }
            .await;
            (#instance, #outcome)
        }),
    }
}

fn reply(description: &TokenStream, index: usize, op: &Operation) -> TokenStream {
    let (result, value, fault) = (local("result"), local("value"), local("fault"));
    if op.one_way.value {
        return quote! {
            let () = #result;
            ::core::result::Result::Ok(::indigo::message::Body::Empty)
        };
    }
    let reply = reply_struct(index);
    let wrap = |inner: &proc_macro2::Ident| {
        if op.output.is_unit() {
            quote!({ let () = #inner; #reply {} })
        } else {
            quote!(#reply { result: #inner })
        }
    };
    match &op.output.fault {
        Some(declared) => {
            let encode = match declared.form {
                FaultForm::Detail => {
                    quote!(::indigo::__private::encode_fault(#description, #index, &#fault))
                }
                FaultForm::Exception => quote! {
                    ::indigo::__private::encode_fault_exception(#description, #index, &#fault)
                },
                FaultForm::Untyped => quote!(::indigo::message::FaultException::to_fault(&#fault)),
            };
            let ok = wrap(&value);
            quote! {
                match #result {
                    ::core::result::Result::Ok(#value) => {
                        ::indigo::__private::encode_reply(#description, #index, &#ok)
                    }
                    ::core::result::Result::Err(#fault) => ::core::result::Result::Err(#encode),
                }
            }
        }
        None => {
            let ok = wrap(&result);
            quote!(::indigo::__private::encode_reply(#description, #index, &#ok))
        }
    }
}

/// Traces operation `index`'s request, reply and fault types, for metadata.
fn trace(index: usize, op: &Operation) -> TokenStream {
    let request = request_struct(index);
    let reply = (!op.one_way.value).then(|| {
        let reply = reply_struct(index);
        quote!(types.reply::<#reply>(#index);)
    });
    let typed = op.output.fault.as_ref().filter(|fault| fault.is_typed());
    let fault = typed.map(|fault| {
        let detail = &fault.detail;
        quote!(types.fault::<#detail>(#index);)
    });
    quote! {
        types.request::<#request>(#index);
        #reply
        #fault
    }
}
