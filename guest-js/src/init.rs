//! Evaluating user code: the app during pre-initialisation (the snapshot),
//! or a script under `exec`.

use crate::engine::{self, take_exception};
use crate::hooks::Hooks;
use crate::event_loop::{run_until, Rejections};
use rquickjs::{function::This, promise::PromiseState, Ctx, Function, Module, Promise, Value};
use std::cell::Cell;
use std::io::Read;

thread_local! {
    /// True while the app's top-level code runs into the snapshot: whatever
    /// it computes then is frozen and shared by every instance, so what must
    /// differ per instance (randomness, generated keys) is refused.
    static AT_BUILD_TIME: Cell<bool> = const { Cell::new(false) };
}

/// Whether the app is being pre-initialised (see AT_BUILD_TIME).
pub fn at_build_time() -> bool {
    AT_BUILD_TIME.with(Cell::get)
}

impl crate::Guest for crate::Component {
    fn wizer_initialize() -> Result<(), String> {
        let mut source = String::new();
        std::io::stdin()
            .read_to_string(&mut source)
            .map_err(|e| format!("reading the app's source: {e}"))?;
        let filename = std::env::var("NANO_APP_FILENAME").unwrap_or_else(|_| "app.js".into());
        let module = std::env::var("NANO_APP_MODULE").map(|v| v == "1").unwrap_or(false);
        engine::create()?;
        AT_BUILD_TIME.with(|b| b.set(true));
        let initialised = engine::with(|ctx, hooks| -> Result<(), String> {
            evaluate(ctx, &hooks, &source, &filename, module, Rejections::Fatal)?;
            let has_handler: bool = hooks.has_fetch_handler.call(()).map_err(|e| e.to_string())?;
            if !has_handler {
                return Err(format!(
                    "{filename}: the app has no fetch handler: use `export default {{ fetch(request, env, ctx) {{ ... }} }}` or `addEventListener('fetch', event => event.respondWith(...))`"
                ));
            }
            Ok(())
        });
        // Cleared before the snapshot is taken: instances start at request time.
        AT_BUILD_TIME.with(|b| b.set(false));
        initialised?;
        crate::apis::globals::forget_instance_state();
        engine::collect_garbage();
        Ok(())
    }
}

/// Evaluates `source` as a script or an ES module (awaiting its top-level
/// await), then registers a module's default export as the app.
pub fn evaluate<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    source: &str,
    filename: &str,
    module: bool,
    rejections: Rejections,
) -> Result<(), String> {
    if module {
        let declared = Module::declare(ctx.clone(), filename, source)
            .map_err(|e| located_error(hooks, take_exception(ctx, e), filename))?;
        let (evaluated, promise) = declared
            .eval()
            .map_err(|e| located_error(hooks, take_exception(ctx, e), filename))?;
        settle(ctx, hooks, &promise, filename, rejections)?;
        let namespace = evaluated.namespace().map_err(|e| e.to_string())?;
        hooks.set_module_app.call::<_, ()>((namespace,)).map_err(|e| e.to_string())?;
    } else {
        let mut opts = rquickjs::context::EvalOptions::default();
        opts.global = true;
        opts.strict = false;
        opts.filename = Some(filename.to_string());
        ctx.eval_with_options::<Value, _>(source, opts)
            .map_err(|e| located_error(hooks, take_exception(ctx, e), filename))?;
    }
    Ok(())
}

/// Drives the loop until a module's evaluation promise settles.
fn settle<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    promise: &Promise<'js>,
    filename: &str,
    rejections: Rejections,
) -> Result<(), String> {
    // The module's own failure is reported below with its location, not as
    // an unhandled rejection of its evaluation promise.
    let ignore = Function::new(ctx.clone(), || ()).map_err(|e| e.to_string())?;
    promise.catch().and_then(|catch| catch.call::<_, Value>((This(promise.clone()), ignore))).map_err(|e| e.to_string())?;
    run_until(ctx, hooks, rejections, || promise.state() != PromiseState::Pending)
        .map_err(|e| format!("top-level await: {e}"))?;
    if promise.state() == PromiseState::Rejected {
        let reason = match promise.result::<Value>() {
            Some(Err(e)) => take_exception(ctx, e),
            _ => Value::new_undefined(ctx.clone()),
        };
        return Err(located_error(hooks, reason, filename));
    }
    Ok(())
}

/// `file:line:col: Name: message` followed by the stack, as a compiler would
/// (`file: ...` when the error did not come from the app's code).
fn located_error<'js>(hooks: &Hooks<'js>, error: Value<'js>, filename: &str) -> String {
    hooks.describe_located_error.call::<_, String>((error, filename))
        .unwrap_or_else(|_| "uncaught exception (could not be formatted)".into())
}
