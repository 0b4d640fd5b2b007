//! The one QuickJS runtime and context of an instance, and the JS-side hooks
//! object the web-API prelude returns.

use rquickjs::{CatchResultExt, Context, Ctx, Function, Object, Persistent, Runtime, Value};
use std::cell::RefCell;

/// The web APIs, written in JS (one file per API), evaluated once into the
/// snapshot. The prelude is a function of the native helpers that installs
/// the globals and returns the hooks the Rust side drives.
const PRELUDE: &str = concat!(
    "(function (native) {\n'use strict';\n",
    include_str!("apis/webidl/dom_exception.js"),
    include_str!("apis/events/events.js"),
    include_str!("apis/events/abort.js"),
    include_str!("apis/encoding/encoding.js"),
    include_str!("apis/encoding/base64.js"),
    include_str!("apis/url/url.js"),
    include_str!("apis/clone/clone.js"),
    include_str!("apis/crypto/crypto.js"),
    include_str!("apis/console/console.js"),
    include_str!("apis/timers/timers.js"),
    include_str!("apis/streams/readable.js"),
    include_str!("apis/streams/byte.js"),
    include_str!("apis/streams/writable.js"),
    include_str!("apis/crypto/digest_stream.js"),
    include_str!("apis/blob/blob.js"),
    include_str!("apis/fetch/headers.js"),
    include_str!("apis/fetch/form_data.js"),
    include_str!("apis/fetch/body.js"),
    include_str!("apis/fetch/request_response.js"),
    include_str!("apis/fetch/fetch.js"),
    include_str!("apis/globals/globals.js"),
    include_str!("apis/incoming/incoming.js"),
    "\nreturn hooks;\n})"
);

pub struct Engine {
    pub runtime: Runtime,
    pub context: Context,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// Kept apart from ENGINE so code already inside the context (e.g. the
    /// rejection tracker) can reach the hooks without locking the runtime again.
    static HOOKS: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

/// Memory the JS heap may use until the host's limit is known. Kept below
/// the linear-memory limit so that running out surfaces as a JS exception,
/// not a failed `memory.grow`.
const DEFAULT_HEAP_LIMIT: usize = 96 << 20;

/// Bytes allocated before QuickJS first collects garbage.
const GC_THRESHOLD: usize = 16 << 20;

pub fn create() -> Result<(), String> {
    let runtime = Runtime::new().map_err(|e| format!("creating the JS runtime: {e}"))?;
    runtime.set_memory_limit(DEFAULT_HEAP_LIMIT);
    // Instances live for one request: collecting garbage early only costs time.
    runtime.set_gc_threshold(GC_THRESHOLD);
    runtime.set_host_promise_rejection_tracker(Some(Box::new(crate::event_loop::track_rejection)));
    let context = Context::full(&runtime).map_err(|e| format!("creating the JS context: {e}"))?;
    let hooks = context.with(|ctx| -> Result<_, String> {
        let native = crate::native::install(&ctx).map_err(|e| format!("native helpers: {e}"))?;
        let prelude: Function = ctx
            .eval_with_options(PRELUDE, prelude_options())
            .catch(&ctx)
            .map_err(|e| format!("prelude: {e}"))?;
        let hooks: Object = prelude.call((native,)).catch(&ctx).map_err(|e| format!("prelude: {e}"))?;
        Ok(Persistent::save(&ctx, hooks))
    })?;
    HOOKS.with(|h| *h.borrow_mut() = Some(hooks));
    ENGINE.with(|e| *e.borrow_mut() = Some(Engine { runtime, context }));
    Ok(())
}

fn prelude_options() -> rquickjs::context::EvalOptions {
    let mut opts = rquickjs::context::EvalOptions::default();
    opts.global = true;
    opts.strict = true;
    opts.filename = Some("nano:prelude".into());
    opts
}

pub fn is_created() -> bool {
    ENGINE.with(|e| e.borrow().is_some())
}

/// Runs `f` inside the engine's context with its hooks object.
pub fn with<R>(f: impl for<'js> FnOnce(&Ctx<'js>, Object<'js>) -> R) -> R {
    ENGINE.with(|e| {
        let guard = e.borrow();
        let engine = guard.as_ref().expect("engine is created before use");
        engine.context.with(|ctx| f(&ctx, hooks(&ctx)))
    })
}

/// The hooks object, restored into `ctx`.
pub fn hooks<'js>(ctx: &Ctx<'js>) -> Object<'js> {
    HOOKS.with(|h| {
        let saved = h.borrow().clone().expect("engine is created before use");
        saved.restore(ctx).expect("hooks belong to this runtime")
    })
}

/// Calls `hooks[name](...args)`.
pub fn call_hook<'js, A, R>(hooks: &Object<'js>, name: &str, args: A) -> rquickjs::Result<R>
where
    A: rquickjs::function::IntoArgs<'js>,
    R: rquickjs::FromJs<'js>,
{
    let f: Function = hooks.get(name)?;
    f.call(args)
}

/// The value of a pending exception behind an `Err` from rquickjs.
pub fn take_exception<'js>(ctx: &Ctx<'js>, err: rquickjs::Error) -> Value<'js> {
    match err {
        rquickjs::Error::Exception => ctx.catch(),
        other => rquickjs::String::from_str(ctx.clone(), &other.to_string())
            .map(|s| s.into_value())
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone())),
    }
}

/// Formats a thrown JS value as `message` plus its stack, for logs and errors.
pub fn describe_error<'js>(hooks: &Object<'js>, value: Value<'js>) -> String {
    call_hook::<_, String>(hooks, "describeError", (value,))
        .unwrap_or_else(|_| "uncaught exception (could not be formatted)".to_string())
}

/// Sizes the JS heap to the host's memory limit (`NANO_MAX_MEMORY`): three
/// quarters of it, leaving room for the Rust side's copies of large buffers.
/// Done at the start of each request or script, since one snapshot runs
/// under whatever limit the host was started with.
pub fn apply_memory_limit() {
    let Some(limit) = std::env::var("NANO_MAX_MEMORY").ok().and_then(|v| v.parse::<usize>().ok()) else { return };
    ENGINE.with(|e| {
        if let Some(engine) = e.borrow().as_ref() {
            engine.runtime.set_memory_limit(limit / 4 * 3);
        }
    })
}

pub fn collect_garbage() {
    ENGINE.with(|e| {
        if let Some(engine) = e.borrow().as_ref() {
            engine.runtime.run_gc();
        }
    })
}
