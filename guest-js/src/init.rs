//! Evaluating user code: the app during pre-initialisation (the snapshot),
//! or a script under `exec`.

use crate::engine::{self, call_hook, take_exception};
use crate::event_loop::{run_until, Rejections};
use rquickjs::{promise::PromiseState, Ctx, Module, Object, Promise, Value};
use std::io::Read;

impl crate::Guest for crate::Component {
    fn wizer_initialize() -> Result<(), String> {
        let mut source = String::new();
        std::io::stdin()
            .read_to_string(&mut source)
            .map_err(|e| format!("reading the app's source: {e}"))?;
        let filename = std::env::var("NANO_APP_FILENAME").unwrap_or_else(|_| "app.js".into());
        let module = std::env::var("NANO_APP_MODULE").map(|v| v == "1").unwrap_or(false);
        engine::create()?;
        engine::with(|ctx, hooks| -> Result<(), String> {
            evaluate(ctx, &hooks, &source, &filename, module, Rejections::Fatal)?;
            let has_handler: bool = call_hook(&hooks, "hasFetchHandler", ()).map_err(|e| e.to_string())?;
            if !has_handler {
                return Err(format!(
                    "{filename}: the app has no fetch handler: use `export default {{ fetch(request, env, ctx) {{ ... }} }}` or `addEventListener('fetch', event => event.respondWith(...))`"
                ));
            }
            Ok(())
        })?;
        crate::native::forget_instance_state();
        engine::collect_garbage();
        Ok(())
    }
}

/// Evaluates `source` as a script or an ES module (awaiting its top-level
/// await), then registers a module's default export as the app.
pub fn evaluate<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    source: &str,
    filename: &str,
    module: bool,
    rejections: Rejections,
) -> Result<(), String> {
    if module {
        let declared = Module::declare(ctx.clone(), filename, source)
            .map_err(|e| located_error(hooks, take_exception(ctx, e)))?;
        let (evaluated, promise) = declared
            .eval()
            .map_err(|e| located_error(hooks, take_exception(ctx, e)))?;
        settle(ctx, hooks, &promise, rejections)?;
        let namespace = evaluated.namespace().map_err(|e| e.to_string())?;
        call_hook::<_, ()>(hooks, "setModuleApp", (namespace,)).map_err(|e| e.to_string())?;
    } else {
        let mut opts = rquickjs::context::EvalOptions::default();
        opts.global = true;
        opts.strict = false;
        opts.filename = Some(filename.to_string());
        ctx.eval_with_options::<Value, _>(source, opts)
            .map_err(|e| located_error(hooks, take_exception(ctx, e)))?;
    }
    Ok(())
}

/// Drives the loop until a module's evaluation promise settles.
fn settle<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, promise: &Promise<'js>, rejections: Rejections) -> Result<(), String> {
    run_until(ctx, hooks, rejections, || promise.state() != PromiseState::Pending)
        .map_err(|e| format!("top-level await: {e}"))?;
    if promise.state() == PromiseState::Rejected {
        let reason = match promise.result::<Value>() {
            Some(Err(e)) => take_exception(ctx, e),
            _ => Value::new_undefined(ctx.clone()),
        };
        return Err(located_error(hooks, reason));
    }
    Ok(())
}

/// `file:line:col: Name: message` followed by the stack, as a compiler would.
fn located_error<'js>(hooks: &Object<'js>, error: Value<'js>) -> String {
    call_hook::<_, String>(hooks, "describeLocatedError", (error,))
        .unwrap_or_else(|_| "uncaught exception (could not be formatted)".into())
}
