//! The JS functions the Rust side calls: the exports of the prelude's root
//! module (`apis/hooks.js`), declared here once and resolved once, when the
//! engine is created. A missing or misspelt hook fails engine creation, so
//! `nano-host build` fails, never a request.

use rquickjs::function::Constructor;
use rquickjs::{Ctx, Error, FromJs, Function, Object, Persistent, Value};

macro_rules! hooks {
    ($($field:ident: $ty:ident = $name:literal,)*) => {
        /// The hooks, restored into a context.
        pub struct Hooks<'js> {
            $(pub $field: $ty<'js>,)*
        }

        /// The hooks, kept across entries into the context.
        pub struct SavedHooks {
            $($field: Persistent<$ty<'static>>,)*
        }

        impl<'js> Hooks<'js> {
            /// Looks every hook up in the root module's exports.
            pub fn resolve(exports: &Object<'js>) -> Result<Self, String> {
                Ok(Self { $($field: resolve(exports, $name)?,)* })
            }

            pub fn save(self, ctx: &Ctx<'js>) -> SavedHooks {
                SavedHooks { $($field: Persistent::save(ctx, self.$field),)* }
            }
        }

        /// Every hook's name, as hooks.js exports it.
        #[cfg(test)]
        pub const NAMES: &[&str] = &[$($name),*];

        impl SavedHooks {
            pub fn restore<'js>(&self, ctx: &Ctx<'js>) -> Hooks<'js> {
                Hooks { $($field: self.$field.clone().restore(ctx).expect("hooks belong to this runtime"),)* }
            }
        }
    };
}

hooks! {
    // console.js
    describe_error: Function = "describeError",
    describe_located_error: Function = "describeLocatedError",
    // timers.js
    next_timer_deadline: Function = "nextTimerDeadline",
    run_next_timer: Function = "runNextTimer",
    // fetch/body.js
    body_data: Function = "bodyData",
    body_failed: Function = "bodyFailed",
    pump_to_sink: Function = "pumpToSink",
    sink_drained: Function = "sinkDrained",
    // fetch/request_response.js, fetch/fetch.js
    response_parts: Function = "responseParts",
    fetch_failed: Function = "fetchFailed",
    fetch_responded: Function = "fetchResponded",
    // streams/transform.js
    start_deferred_pipes: Function = "startDeferredPipes",
    // incoming.js
    dispatch_fetch: Function = "dispatchFetch",
    has_fetch_handler: Function = "hasFetchHandler",
    set_module_app: Function = "setModuleApp",
    take_unhandled_rejections: Function = "takeUnhandledRejections",
    track_rejection: Function = "trackRejection",
    wait_until_settled: Function = "waitUntilSettled",
    warm_up: Function = "warmUp",
    // webidl/dom_exception.js: what natives throw by name (see throw_dom_exception)
    dom_exception: Constructor = "DOMException",
}

fn resolve<'js, T: FromJs<'js>>(exports: &Object<'js>, name: &str) -> Result<T, String> {
    let value: Value = exports.get(name).map_err(|e| format!("the prelude's hook `{name}`: {e}"))?;
    if value.is_undefined() {
        return Err(format!("the prelude does not export the hook `{name}` (apis/hooks.js)"));
    }
    T::from_js(exports.ctx(), value).map_err(|e| format!("the prelude's hook `{name}` has the wrong type: {e}"))
}

impl<'js> Hooks<'js> {
    /// Throws `new DOMException(message, name)`: how natives report the
    /// errors the web specs name (DataError, QuotaExceededError, ...).
    pub fn throw_dom_exception(&self, ctx: &Ctx<'js>, name: &str, message: &str) -> Error {
        match self.dom_exception.construct::<_, Value>((message, name)) {
            Ok(exception) => ctx.throw(exception),
            Err(e) => e,
        }
    }

    /// `message` plus stack of a thrown value, for logs and errors.
    pub fn describe_error(&self, value: Value<'js>) -> String {
        self.describe_error
            .call::<_, String>((value,))
            .unwrap_or_else(|_| "uncaught exception (could not be formatted)".to_string())
    }
}

/// Throws a DOMException by name from a native (see Hooks::throw_dom_exception).
pub fn throw_dom_exception(ctx: &Ctx<'_>, name: &str, message: &str) -> Error {
    match crate::engine::try_hooks(ctx) {
        Some(hooks) => hooks.throw_dom_exception(ctx, name, message),
        // Only while the prelude itself is evaluated, which calls no such native.
        None => rquickjs::Exception::throw_message(ctx, &format!("{name}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::Hooks;
    use rquickjs::{CatchResultExt, Context, Module, Runtime};

    fn hook_names() -> Vec<&'static str> {
        super::NAMES.to_vec()
    }

    /// Resolves hooks from a module exporting `names` (each a function).
    fn resolve_from(names: &[&str]) -> Result<(), String> {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let source: String = names.iter().map(|n| format!("export function {n}() {{}}\n")).collect();
            let (module, _) =
                Module::declare(ctx.clone(), "hooks-test.js", source).unwrap().eval().catch(&ctx).unwrap();
            Hooks::resolve(&module.namespace().unwrap()).map(|_| ())
        })
    }

    #[test]
    fn every_declared_hook_resolves() {
        let names = hook_names();
        assert!(names.len() >= 18, "{names:?}");
        resolve_from(&names).unwrap();
    }

    #[test]
    fn a_missing_or_misspelt_hook_fails_engine_creation() {
        let names = hook_names();
        for (i, name) in names.iter().enumerate() {
            let mut exported = names.clone();
            let misspelt = format!("{name}s");
            exported[i] = &misspelt;
            let err = resolve_from(&exported).expect_err(name);
            assert!(err.contains(&format!("`{name}`")), "{err}");
        }
    }

    #[test]
    fn a_hook_of_the_wrong_type_fails() {
        let names = hook_names();
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let mut source: String = names.iter().skip(1).map(|n| format!("export function {n}() {{}}\n")).collect();
            source.push_str(&format!("export const {} = 42;\n", names[0]));
            let (module, _) =
                Module::declare(ctx.clone(), "hooks-test.js", source).unwrap().eval().catch(&ctx).unwrap();
            let err = Hooks::resolve(&module.namespace().unwrap()).err().unwrap();
            assert!(err.contains("wrong type"), "{err}");
        });
    }
}
