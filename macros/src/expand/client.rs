//! The typed client proxy `{Trait}Client`.
//!
//! For a `session = Required` contract the client is a typestate: `{Trait}Client<Fresh>` offers
//! only the initiating operations, which return the started `{Trait}Client<Active>`; a
//! non-initiating operation on a fresh client fails to compile, and a terminating operation takes
//! the client by value, so calling anything after it is a use-after-move error.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Names, local, reply_struct, request_struct};
use crate::attr::Session;
use crate::model::{Contract, FaultForm, Operation};

pub struct Client {
    /// The struct, declared where the user can name it.
    pub declaration: TokenStream,
    /// Its impls, inside the expansion's anonymous const.
    pub implementation: TokenStream,
}

/// How a generated method receives and returns the client.
#[derive(Clone, Copy)]
enum Form {
    /// `&self`, returns the value.
    Borrow,
    /// `self`, returns the value and ends the session.
    Terminate,
    /// `self` on a fresh client, returns `(started client, value)`.
    Start,
}

pub fn generate(contract: &Contract, names: &Names) -> Client {
    if contract.session == Session::Required {
        typestate(contract, names)
    } else {
        plain(contract, names)
    }
}

fn plain(contract: &Contract, names: &Names) -> Client {
    let vis = &contract.vis;
    let client = &names.client;
    let doc = client_doc(names);
    let connect = connect(names);
    let lifecycle = lifecycle();
    let methods = contract
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| method(names, index, op, Form::Borrow, None));
    Client {
        declaration: quote! {
            #[doc = #doc]
            #[derive(Debug)]
            #vis struct #client {
                channel: ::indigo::client::ClientChannel,
            }
        },
        implementation: quote! {
            impl #client {
                fn from_channel(channel: ::indigo::client::ClientChannel) -> Self {
                    Self { channel }
                }

                #connect
                #lifecycle
                #(#methods)*
            }
        },
    }
}

fn typestate(contract: &Contract, names: &Names) -> Client {
    let vis = &contract.vis;
    let client = &names.client;
    let doc = format!(
        "{} The session follows the contract's rules in the type: a `{client}<Fresh>` offers only \
         the initiating operations, each of which returns the started `{client}<Active>`; a \
         terminating operation consumes the client.",
        client_doc(names)
    );
    let connect = connect(names);
    let lifecycle = lifecycle();
    let ops = contract.operations.iter().enumerate();
    let fresh = ops
        .clone()
        .filter(|(_, op)| op.initiating.value)
        .map(|(index, op)| {
            let form = if op.terminating.value {
                Form::Terminate
            } else {
                Form::Start
            };
            method(names, index, op, form, None)
        });
    let active_initiating = ops
        .clone()
        .filter(|(_, op)| op.initiating.value)
        .map(|(index, op)| method(names, index, op, borrow_or_terminate(op), None));
    let started_bound = quote!(where __S: ::indigo::client::Started);
    let started = ops
        .filter(|(_, op)| !op.initiating.value)
        .map(|(index, op)| {
            method(
                names,
                index,
                op,
                borrow_or_terminate(op),
                Some(&started_bound),
            )
        });
    Client {
        declaration: quote! {
            #[doc = #doc]
            #[derive(Debug)]
            #vis struct #client<__S = ::indigo::client::Fresh> {
                channel: ::indigo::client::ClientChannel,
                state: ::core::marker::PhantomData<__S>,
            }
        },
        implementation: quote! {
            impl #client<::indigo::client::Fresh> {
                #connect
                #(#fresh)*
            }

            impl #client<::indigo::client::Active> {
                #(#active_initiating)*
            }

            impl<__S: ::indigo::client::SessionState> #client<__S> {
                fn from_channel(channel: ::indigo::client::ClientChannel) -> Self {
                    Self { channel, state: ::core::marker::PhantomData }
                }

                #lifecycle
                #(#started)*
            }
        },
    }
}

fn borrow_or_terminate(op: &Operation) -> Form {
    if op.terminating.value {
        Form::Terminate
    } else {
        Form::Borrow
    }
}

fn client_doc(names: &Names) -> String {
    format!(
        "A typed client of the [`{}`] contract: each operation sends its request and awaits the reply.",
        names.service
    )
}

fn connect(names: &Names) -> TokenStream {
    let contract = &names.contract;
    quote! {
        /// Opens a channel to the service at `address` over `binding`.
        ///
        /// Fails to compile when the binding cannot carry this contract's session mode.
        pub async fn connect<B>(binding: B, address: &str) -> ::core::result::Result<Self, ::indigo::Error>
        where
            B: ::indigo::binding::Binding,
            <#contract as ::indigo::contract::Contract>::Session:
                ::indigo::contract::SessionCompatible<#contract, B>,
        {
            Self::connect_with(binding, address, ::indigo::client::ClientOptions::new()).await
        }

        /// [`Self::connect`] with `options` (inspectors, a handler for messages that answer no call).
        pub async fn connect_with<B>(
            binding: B,
            address: &str,
            options: ::indigo::client::ClientOptions,
        ) -> ::core::result::Result<Self, ::indigo::Error>
        where
            B: ::indigo::binding::Binding,
            <#contract as ::indigo::contract::Contract>::Session:
                ::indigo::contract::SessionCompatible<#contract, B>,
        {
            let channel =
                ::indigo::client::ClientChannel::connect_with::<#contract, B>(binding, address, options)
                    .await?;
            ::core::result::Result::Ok(Self::from_channel(channel))
        }
    }
}

fn lifecycle() -> TokenStream {
    quote! {
        /// Ends the session gracefully: waits for outstanding replies, tells the service the
        /// session is over and waits for it to agree (bounded by the binding's close timeout).
        pub async fn close(self) -> ::core::result::Result<(), ::indigo::Error> {
            self.channel.close().await
        }

        /// Ends the session at once, without telling the service. Dropping the client does the same.
        pub fn abort(self) {
            self.channel.abort();
        }
    }
}

fn method(
    names: &Names,
    index: usize,
    op: &Operation,
    form: Form,
    bound: Option<&TokenStream>,
) -> TokenStream {
    let attrs = op.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let ident = &op.method;
    let description = names.description();
    let request = request_struct(index);
    let params = op.params.iter().map(|param| {
        let ident = &param.ident;
        let ty = &param.ty;
        quote!(#ident: #ty)
    });
    let fields = op.params.iter().map(|param| &param.ident);
    let ok = &op.output.ok;
    let value_ty = match &op.output.fault {
        Some(fault) => {
            let fault = &fault.ty;
            quote!(::core::result::Result<#ok, #fault>)
        }
        None => quote!(#ok),
    };
    let decode = decode_reply(index, op, &description);
    let (body, reply, value) = (local("body"), local("reply"), local("value"));
    let send = quote! {
        let #body = ::indigo::__private::encode_request(#description, #index, &#request { #(#fields),* })?;
        let #reply = self.channel.call(#description, #index, #body).await?;
        #decode
    };
    match form {
        Form::Borrow => quote! {
            #(#attrs)*
            pub async fn #ident(&self #(, #params)*) -> ::core::result::Result<#value_ty, ::indigo::Error> #bound {
                #send
            }
        },
        Form::Terminate => quote! {
            #(#attrs)*
            ///
            /// This operation is terminating: it ends the session, so it consumes the client.
            pub async fn #ident(self #(, #params)*) -> ::core::result::Result<#value_ty, ::indigo::Error> #bound {
                let #value = { #send };
                self.channel.close_after_terminating().await;
                #value
            }
        },
        Form::Start => {
            let client = &names.client;
            quote! {
                #(#attrs)*
                ///
                /// This operation is initiating: on a fresh client it starts the session and
                /// returns the started client with the operation's value.
                pub async fn #ident(self #(, #params)*) -> ::core::result::Result<
                    (#client<::indigo::client::Active>, #value_ty),
                    ::indigo::Error,
                > {
                    let #value = { #send }?;
                    ::core::result::Result::Ok((#client::from_channel(self.channel), #value))
                }
            }
        }
    }
}

fn decode_reply(index: usize, op: &Operation, description: &TokenStream) -> TokenStream {
    let reply = local("reply");
    if op.one_way.value {
        return quote! {
            let _ = #reply;
            ::core::result::Result::Ok(())
        };
    }
    let message = reply_struct(index);
    let (decoded, outcome) = (local("decoded"), local("outcome"));
    let extract = if op.output.is_unit() {
        quote!(|_: #message| ())
    } else {
        quote!(|#decoded: #message| #decoded.result)
    };
    match &op.output.fault {
        Some(fault) => {
            let detail = &fault.detail;
            let decode = match fault.form {
                FaultForm::Detail => quote!(decode_reply_or_fault::<#message, #detail>),
                FaultForm::Exception => {
                    quote!(decode_reply_or_fault_exception::<#message, #detail>)
                }
                FaultForm::Untyped => quote!(decode_reply_or_untyped_fault::<#message>),
            };
            quote! {
                ::indigo::__private::#decode(#description, #index, #reply)
                    .map(|#outcome| #outcome.map(#extract))
            }
        }
        None => quote! {
            ::indigo::__private::decode_reply::<#message>(#description, #index, #reply).map(#extract)
        },
    }
}
