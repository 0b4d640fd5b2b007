//! Evaluating user code: the app during pre-initialisation (the snapshot),
//! or a script under `exec`; either comes from the host as a module graph
//! (modules.rs).

use crate::engine::{self, take_exception};
use crate::event_loop::{run_until, Rejections};
use crate::hooks::Hooks;
use crate::instance;
use crate::modules::{self, Entry};
use crate::nano::platform::modules::ModuleKind;
use rquickjs::{function::This, promise::PromiseState, Ctx, Function, Promise, Value};

/// Whether the app is being pre-initialised (see `Instance::at_build_time`).
pub fn at_build_time() -> bool {
    instance::with(|i| i.at_build_time)
}

impl crate::Guest for crate::Component {
    fn wizer_initialize() -> Result<(), String> {
        initialize()?;
        // Last, once everything the build made and dropped is freed: what
        // requests allocate goes to fresh memory, not into the holes left.
        crate::heap_holes::fill();
        crate::heap_holes::reserve_headroom();
        Ok(())
    }
}

/// The build proper: the app evaluated, its jobs run, the heap made
/// immortal. Its locals (the app's source among them) are freed on return.
fn initialize() -> Result<(), String> {
    let entry = modules::take_graph().ok_or("the host gave no app to build")?;
    let filename = entry.name.clone();
    engine::create(true)?;
    instance::with(|i| i.at_build_time = true);
    let initialised = engine::with(|ctx, hooks| -> Result<(), String> {
        evaluate(ctx, hooks, &entry, Rejections::Build)?;
        // What the top-level code left queued runs now, as a module's
        // does while its evaluation is awaited: a promise it rejected
        // and nobody handled fails the build, awaited or not.
        run_until(ctx, hooks, Rejections::Build, || true)?;
        let has_handler: bool = hooks.has_fetch_handler.call(()).map_err(|e| e.to_string())?;
        if !has_handler {
            return Err(format!(
                "{filename}: the app has no fetch handler: use `export default {{ fetch(request, env, ctx) {{ ... }} }}` or `addEventListener('fetch', event => event.respondWith(...))`"
            ));
        }
        for url in crate::nano::platform::modules::warm_up() {
            warm_up(ctx, hooks, &url, &filename)?;
        }
        // Objects only the collector can still reach give their host
        // objects back (FinalizationRegistry callbacks run as jobs).
        ctx.run_gc();
        run_until(ctx, hooks, Rejections::Build, || true)?;
        left_in_the_host(&filename)
    });
    // Cleared before the snapshot is taken: instances start at request
    // time, each drawing its own random seed.
    instance::with(|i| {
        i.at_build_time = false;
        i.random = None;
    });
    initialised?;
    engine::collect_garbage();
    engine::reset_gc_threshold();
    engine::make_heap_immortal()
}

/// One warm-up request (`--warm-up`): the app's handler runs at build time,
/// through the path a request takes (incoming.js `warmUp`), under the rules
/// of top-level code (no randomness, no keys, no network without
/// `--allow-net`). A failure or a 5xx fails the build: a half-done warm-up
/// would be frozen into every instance.
fn warm_up<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, url: &str, filename: &str) -> Result<(), String> {
    let during = |message: String| match message.split_once('\n') {
        Some((head, stack)) => format!("{head} (in the warm-up request GET {url})\n{stack}"),
        None => format!("{message} (in the warm-up request GET {url})"),
    };
    let promise: Promise =
        hooks.warm_up.call((url,)).map_err(|e| during(located_error(hooks, take_exception(ctx, e), filename)))?;
    // Its failure is reported below, with the app's location, not also as
    // an unhandled rejection.
    crate::apis::streams::mark_handled(ctx.clone(), promise.clone().into_value()).map_err(|e| e.to_string())?;
    run_until(ctx, hooks, Rejections::Build, || promise.state() != PromiseState::Pending).map_err(|e| {
        // An unhandled rejection comes located; the loop's own error not.
        if e.starts_with("Uncaught") {
            during(e)
        } else {
            during(format!("{filename}: {e}"))
        }
    })?;
    let status = match promise.result::<Value>() {
        Some(Ok(status)) => status.as_int().unwrap_or(0),
        Some(Err(e)) => return Err(during(located_error(hooks, take_exception(ctx, e), filename))),
        None => unreachable!("the promise settled"),
    };
    if !(1..500).contains(&status) {
        let answer = if status == 0 { "Response.error()".to_string() } else { format!("status {status}") };
        return Err(format!(
            "{filename}: the warm-up request GET {url} was answered with {answer}: a warm-up must succeed, or what it left half done would be in every instance"
        ));
    }
    if status >= 400 {
        let warning = format!("the warm-up request GET {url} was answered with status {status}: is the path right?");
        crate::nano::platform::console::write(crate::nano::platform::console::Level::Warn, &warning);
    }
    Ok(())
}

/// The snapshot is memory only: a host object (a key, a digest context, a
/// coder, a fetch, a body) made by the top-level code belongs to the build's
/// store and does not exist at request time, where its id would dangle. The
/// APIs refuse what cannot end at the top level (keys) where it is made, at
/// the app's line; this catches whatever else is still open at the end.
fn left_in_the_host(filename: &str) -> Result<(), String> {
    let left = instance::with(|i| i.handles.summary());
    if left.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = left.iter().map(|(what, n)| format!("{n} × {what}")).collect();
    Err(format!(
        "{filename}: the top-level code left objects open in the host when it ended: {}; they would not exist at request time: finish them in the top-level code (or the warm-up request) or create them inside fetch()",
        list.join(", ")
    ))
}

/// Evaluates the entry as a script or an ES module (awaiting its top-level
/// await, and loading the modules it imports), then registers a module's
/// default export as the app.
pub fn evaluate<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, entry: &Entry, rejections: Rejections) -> Result<(), String> {
    let filename = &entry.name;
    if entry.kind == ModuleKind::Script {
        let source = modules::take_source(filename).unwrap_or_default();
        let mut opts = rquickjs::context::EvalOptions::default();
        opts.global = true;
        opts.strict = false;
        opts.filename = Some(filename.clone());
        ctx.eval_with_options::<Value, _>(source, opts)
            .map_err(|e| located_error(hooks, take_exception(ctx, e), filename))?;
        return Ok(());
    }
    let declared =
        modules::declare(ctx, filename).map_err(|e| located_error(hooks, take_exception(ctx, e), filename))?;
    let (evaluated, promise) = declared.eval().map_err(|e| located_error(hooks, take_exception(ctx, e), filename))?;
    settle(ctx, hooks, &promise, filename, rejections)?;
    let namespace = evaluated.namespace().map_err(|e| e.to_string())?;
    hooks.set_module_app.call::<_, ()>((namespace,)).map_err(|e| e.to_string())?;
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
    promise
        .catch()
        .and_then(|catch| catch.call::<_, Value>((This(promise.clone()), ignore)))
        .map_err(|e| e.to_string())?;
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
    hooks
        .describe_located_error
        .call::<_, String>((error, filename))
        .unwrap_or_else(|_| "uncaught exception (could not be formatted)".into())
}
