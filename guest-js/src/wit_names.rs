//! The WIT enums (and the cases of WIT variants) cross between JS and Rust
//! as their WIT case names (`'sha256'`, `'uint8-clamped'`, `'rsa-pss'`). The
//! conversions are generated from wit/nano.wit by build.rs, so reordering or
//! adding a WIT case cannot make JS and Rust disagree, and a name that is not
//! a case of the type is a TypeError saying so. Where a number per value is
//! worth keeping (structuredClone's node tags, the url-parts list), the
//! number is an index into a list of WIT names that JS reads from the engine
//! once (`WitEnum::ALL`, `UrlParts::WIT_FIELDS`), never a table kept by hand.

#![allow(dead_code)] // the generated code covers every type, used or not

use crate::nano::platform;
use rquickjs::{Ctx, Exception, FromJs, IntoJs, Result, Value};

/// A value that a native takes or returns is converted with these.
macro_rules! for_each_wit_enum {
    ($($ty:path),* $(,)?) => {$(
        impl<'js> FromJs<'js> for $ty {
            fn from_js(ctx: &Ctx<'js>, value: Value<'js>) -> Result<Self> {
                from_wit_name(ctx, value)
            }
        }
        impl<'js> IntoJs<'js> for $ty {
            fn into_js(self, ctx: &Ctx<'js>) -> Result<Value<'js>> {
                self.wit_name().into_js(ctx)
            }
        }
    )*
        /// Runs `tests::check` on every generated type; their WIT names.
        #[cfg(test)]
        fn check_every_type(ctx: &Ctx<'_>) -> Vec<&'static str> {
            vec![$(tests::check::<$ty>(ctx)),*]
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/wit_names.rs"));

/// The case of `T` that JS named. The name is read in place (QuickJS hands
/// out an ASCII string's own bytes), so nothing is allocated.
pub fn from_wit_name<'js, T: WitEnum>(ctx: &Ctx<'js>, value: Value<'js>) -> Result<T> {
    let name = match value.as_string() {
        Some(name) => rquickjs::CString::from_string(name.clone())?,
        None => return Err(not_a_case::<T>(ctx, &format!("a value of type {}", value.type_name()))),
    };
    T::from_wit_name(&name).ok_or_else(|| not_a_case::<T>(ctx, &format!("{:?}", &*name)))
}

fn not_a_case<T: WitEnum>(ctx: &Ctx<'_>, what: &str) -> rquickjs::Error {
    Exception::throw_type(ctx, &format!("{what} is not a case of WIT {}", T::WIT_TYPE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    /// Every case goes to JS as its WIT name and comes back as itself (and
    /// by its WIT index); an unknown name, a number or a non-string is a
    /// TypeError naming the WIT type, never some case.
    pub(super) fn check<T: WitEnum + for<'js> FromJs<'js> + for<'js> IntoJs<'js>>(ctx: &Ctx<'_>) -> &'static str {
        for &case in T::ALL {
            // The name belongs to this case: wit-bindgen's own Debug names
            // the Rust case, which is the WIT name in UpperCamelCase.
            let debug = format!("{case:?}");
            assert_eq!(debug.rsplit("::").next().unwrap(), upper_camel(case.wit_name()), "{}", T::WIT_TYPE);
            let value = case.into_js(ctx).unwrap();
            assert_eq!(value.as_string().unwrap().to_string().unwrap(), case.wit_name());
            assert_eq!(T::from_js(ctx, value).unwrap(), case);
            // A name made in JS (not the Rust-made string) converts too.
            let made: Value = ctx.eval(format!("'{}'.split('').join('')", case.wit_name())).unwrap();
            assert_eq!(T::from_js(ctx, made).unwrap(), case);
            // By index (structuredClone's node tags): its place in the WIT.
            assert_eq!(T::ALL[case.wit_index() as usize], case);
            assert_eq!(T::from_wit_index(case.wit_index()), Some(case));
        }
        assert_eq!(T::from_wit_index(T::ALL.len() as u32), None, "{}: an index past the last case", T::WIT_TYPE);
        let unknown =
            ["no-such-case".into_js(ctx).unwrap(), 0.into_js(ctx).unwrap(), Value::new_undefined(ctx.clone())];
        for value in unknown {
            let described = format!("{value:?}");
            assert!(T::from_js(ctx, value).is_err(), "{}: {described} was taken for a case", T::WIT_TYPE);
            let error = ctx.catch();
            let message: String = error.as_object().unwrap().get("message").unwrap();
            assert!(message.ends_with(&format!("is not a case of WIT {}", T::WIT_TYPE)), "{message}");
            assert_eq!(error.as_object().unwrap().get::<_, String>("name").unwrap(), "TypeError");
        }
        T::WIT_TYPE
    }

    /// `rsassa-pkcs1-v1-5` -> `RsassaPkcs1V15`, as the bindings spell cases.
    fn upper_camel(wit_name: &str) -> String {
        wit_name.split('-').map(|part| part[..1].to_uppercase() + &part[1..]).collect()
    }

    #[test]
    fn every_wit_enum_and_variant_case_crosses_by_name() {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        let checked = context.with(|ctx| check_every_type(&ctx));
        for ty in [
            "console.level",
            "url.component",
            "clone.view-kind",
            "clone.node",
            "crypto.hash-algorithm",
            "crypto.key-kind",
            "crypto.key-format",
            "crypto.aes-mode",
            "crypto.signature-scheme",
            "crypto.secret-key-type",
            "crypto.key-derivation",
            "crypto.unwrap-mode",
            "crypto.unwrap-target",
        ] {
            assert!(checked.contains(&ty), "{ty} is not generated: {checked:?}");
        }
    }

    #[test]
    fn the_messages_name_what_was_given() {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            use platform::crypto::HashAlgorithm;
            assert!(HashAlgorithm::from_js(&ctx, "SHA-256".into_js(&ctx).unwrap()).is_err());
            let message: String = ctx.catch().as_object().unwrap().get("message").unwrap();
            assert_eq!(message, "\"SHA-256\" is not a case of WIT crypto.hash-algorithm");
            assert!(HashAlgorithm::from_js(&ctx, 1.into_js(&ctx).unwrap()).is_err());
            let message: String = ctx.catch().as_object().unwrap().get("message").unwrap();
            assert_eq!(message, "a value of type int is not a case of WIT crypto.hash-algorithm");
        });
    }
}
