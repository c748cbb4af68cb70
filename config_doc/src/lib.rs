//! `#[derive(ConfigDoc)]` on a struct with named fields generates
//!
//! ```text
//! impl T { pub fn config_keys(prefix: &str) -> Vec<(String, &'static str, &'static str)> }
//! ```
//!
//! listing each field as `(prefix + name, its doc comment joined into one line, kind)`, where kind
//! is `"section"` for a field marked `#[config_doc(section)]` (its type derives `ConfigDoc` too and
//! its keys follow, as `name.key`), `"optional"` for an `Option<_>` field (absent from TOML when
//! unset) and `"value"` otherwise. The CLI's help lists configuration keys from it, so the list
//! cannot drift from the types.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Expr, ExprLit, Fields, Lit, Meta, Type};

/// Derives `config_keys` (see the crate docs).
#[proc_macro_derive(ConfigDoc, attributes(config_doc))]
pub fn derive_config_doc(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            _ => return error(name, "ConfigDoc needs a struct with named fields"),
        },
        _ => return error(name, "ConfigDoc needs a struct"),
    };
    let mut pushes = Vec::new();
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        let key = ident.to_string();
        let doc = doc_line(&field.attrs);
        let section = field
            .attrs
            .iter()
            .any(|a| a.path().is_ident("config_doc") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "section"));
        if section {
            let ty = &field.ty;
            pushes.push(quote! {
                keys.push((format!("{prefix}{}", #key), #doc, "section"));
                keys.extend(<#ty>::config_keys(&format!("{prefix}{}.", #key)));
            });
        } else {
            let kind = if is_option(&field.ty) { "optional" } else { "value" };
            pushes.push(quote! {
                keys.push((format!("{prefix}{}", #key), #doc, #kind));
            });
        }
    }
    quote! {
        impl #name {
            /// The documented configuration keys: `(prefix + key path, doc comment, kind)` with kind
            /// `"section"`, `"optional"` or `"value"`, generated from the fields by
            /// `#[derive(ConfigDoc)]`.
            pub fn config_keys(prefix: &str) -> ::std::vec::Vec<(::std::string::String, &'static str, &'static str)> {
                let mut keys = ::std::vec::Vec::new();
                #(#pushes)*
                keys
            }
        }
    }
    .into()
}

fn doc_line(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = &nv.value {
                lines.push(s.value().trim().to_string());
            }
        }
    }
    lines.join(" ").trim().to_string()
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}

fn error(name: &syn::Ident, msg: &str) -> TokenStream {
    syn::Error::new(name.span(), msg).to_compile_error().into()
}
