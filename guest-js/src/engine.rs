//! The one QuickJS runtime and context of an instance. Creating it declares
//! the web APIs' ES modules (the prelude, `apis/`) and the `nano:native`
//! module, evaluates the root module `apis/hooks.js` and resolves its hooks;
//! all of this runs once, into the snapshot.

use crate::hooks::{Hooks, SavedHooks};
use rquickjs::loader::{Loader, Resolver};
use rquickjs::{qjs, CatchResultExt, Context, Ctx, Module, Runtime, Value};
use std::cell::RefCell;

pub struct Engine {
    pub runtime: Runtime,
    pub context: Context,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// Kept apart from ENGINE so code already inside the context (e.g. the
    /// rejection tracker) can reach the hooks without locking the runtime again.
    static HOOKS: RefCell<Option<SavedHooks>> = const { RefCell::new(None) };
}

/// Memory the JS heap may use until the host's limit is known. Kept below
/// the linear-memory limit so that running out surfaces as a JS exception,
/// not a failed `memory.grow`.
const DEFAULT_HEAP_LIMIT: usize = 96 << 20;

/// Bytes allocated before QuickJS first collects garbage: during the build,
/// and in an instance above the heap its snapshot holds (reset_gc_threshold).
const GC_THRESHOLD: usize = 16 << 20;

/// `for_snapshot`: the build of an app's snapshot, whose shapes are retained
/// (see retain_shapes) until make_heap_immortal.
pub fn create(for_snapshot: bool) -> Result<(), String> {
    let runtime = Runtime::new().map_err(|e| format!("creating the JS runtime: {e}"))?;
    runtime.set_memory_limit(DEFAULT_HEAP_LIMIT);
    // Instances live for one request: collecting garbage early only costs time.
    runtime.set_gc_threshold(GC_THRESHOLD);
    runtime.set_host_promise_rejection_tracker(Some(Box::new(crate::event_loop::track_rejection)));
    runtime.set_loader(ModuleNames, ModuleSources);
    let context = Context::full(&runtime).map_err(|e| format!("creating the JS context: {e}"))?;
    let hooks = context.with(|ctx| -> Result<_, String> {
        if for_snapshot {
            retain_shapes(&ctx);
        }
        let hooks = evaluate_prelude(&ctx)?;
        Ok(hooks.save(&ctx))
    })?;
    HOOKS.with(|h| *h.borrow_mut() = Some(hooks));
    ENGINE.with(|e| *e.borrow_mut() = Some(Engine { runtime, context }));
    Ok(())
}

/// Evaluates the root prelude module (the loader below brings in the modules
/// it imports) and resolves the hooks it exports.
fn evaluate_prelude<'js>(ctx: &Ctx<'js>) -> Result<Hooks<'js>, String> {
    let failed = |e: String| format!("the web-API prelude: {e}");
    let root = ModuleSources
        .load(ctx, &internal_name(crate::apis::ROOT), None)
        .catch(ctx)
        .map_err(|e| failed(e.to_string()))?;
    let (evaluated, promise) = root.eval().catch(ctx).map_err(|e| failed(e.to_string()))?;
    // The prelude has no top-level await: its evaluation has settled here.
    while ctx.execute_pending_job() {}
    promise.finish::<Value>().catch(ctx).map_err(|e| failed(e.to_string()))?;
    let exports = evaluated.namespace().catch(ctx).map_err(|e| failed(e.to_string()))?;
    Hooks::resolve(&exports).map_err(failed)
}

fn is_prelude_module(path: &str) -> bool {
    crate::apis::MODULES.iter().any(|(p, _)| *p == path)
}

/// Prelude modules are declared as `nano:<path under apis/>`.
fn internal_name(path: &str) -> String {
    format!("nano:{path}")
}

/// Module names: prelude modules import each other by relative paths and
/// `nano:native`; nothing else imports a `nano:` module, so app code cannot
/// reach the natives and bypass the web APIs' checks. The app's own modules
/// import what the host resolved for them at build time (modules.rs).
struct ModuleNames;

impl Resolver for ModuleNames {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<rquickjs::loader::ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        let refuse = |why: &str| rquickjs::Error::new_resolving_message(base, name, why);
        if let Some(resolved) = crate::modules::resolve(base, name) {
            return resolved.map_err(|why| refuse(&why));
        }
        // Only the prelude's own modules may import `nano:` modules (app
        // modules are never declared under a prelude module's name).
        let Some(base_path) = base.strip_prefix("nano:").filter(|path| is_prelude_module(path)) else {
            return Err(refuse("not one of the app's modules"));
        };
        if name == crate::natives::MODULE {
            return Ok(name.to_string());
        }
        if !(name.starts_with("./") || name.starts_with("../")) {
            return Err(refuse("prelude modules import each other by relative path"));
        }
        let mut parts: Vec<&str> = base_path.split('/').collect();
        parts.pop();
        for part in name.split('/') {
            match part {
                "." => {}
                ".." => {
                    parts.pop().ok_or_else(|| refuse("the path leaves the prelude"))?;
                }
                part => parts.push(part),
            }
        }
        Ok(internal_name(&parts.join("/")))
    }
}

/// Serves the prelude's modules from the engine's own sources, the natives
/// (only prelude modules can reach them, see ModuleNames), and the app's
/// modules.
struct ModuleSources;

impl Loader for ModuleSources {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<rquickjs::loader::ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, rquickjs::module::Declared>> {
        if name == crate::natives::MODULE {
            return Module::declare_def::<crate::natives::Natives, _>(ctx.clone(), name);
        }
        if crate::modules::is_app_module(name) {
            return crate::modules::declare(ctx, name);
        }
        let source = name
            .strip_prefix("nano:")
            .and_then(|path| crate::apis::MODULES.iter().find(|(p, _)| *p == path))
            .map(|(_, source)| *source)
            .ok_or_else(|| rquickjs::Error::new_loading_message(name, "no such prelude module"))?;
        Module::declare(ctx.clone(), name, source)
    }
}

pub fn is_created() -> bool {
    ENGINE.with(|e| e.borrow().is_some())
}

/// Runs `f` inside the engine's context with its hooks.
pub fn with<R>(f: impl for<'js> FnOnce(&Ctx<'js>, &Hooks<'js>) -> R) -> R {
    ENGINE.with(|e| {
        let guard = e.borrow();
        let engine = guard.as_ref().expect("engine is created before use");
        engine.context.with(|ctx| f(&ctx, &hooks(&ctx)))
    })
}

/// The hooks, restored into `ctx`.
pub fn hooks<'js>(ctx: &Ctx<'js>) -> Hooks<'js> {
    try_hooks(ctx).expect("engine is created before use")
}

/// The hooks, or None while the prelude is still being evaluated.
pub fn try_hooks<'js>(ctx: &Ctx<'js>) -> Option<Hooks<'js>> {
    HOOKS.with(|h| h.borrow().as_ref().map(|saved| saved.restore(ctx)))
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

/// Sizes the JS heap to the host's memory limit (`nano:platform/limits`): three
/// quarters of it, leaving room for the Rust side's copies of large buffers.
/// Done at the start of each request or script, since one snapshot runs
/// under whatever limit the host was started with.
pub fn apply_memory_limit() {
    let limit = usize::try_from(crate::nano::platform::limits::memory()).unwrap_or(usize::MAX);
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

/// Gives the instance GC_THRESHOLD bytes of allocation above the heap it
/// starts with before its first collection, whatever the app's heap size and
/// whatever collections the build ran (which set the threshold to 1.5 times
/// the heap they left): a short request never collects, one that allocates a
/// lot still does (and walks only what requests allocated: the snapshot's
/// objects are immortal, see make_heap_immortal).
pub fn reset_gc_threshold() {
    ENGINE.with(|e| {
        if let Some(engine) = e.borrow().as_ref() {
            let heap = engine.runtime.memory_usage().malloc_size.max(0) as usize;
            engine.runtime.set_gc_threshold(heap + GC_THRESHOLD);
        }
    })
}

extern "C" {
    /// nano's patch to QuickJS (patches/rquickjs-sys-0.14.0-immortal-snapshot.diff).
    fn JS_MakeHeapImmortal(rt: *mut qjs::JSRuntime);
    /// nano's patch to QuickJS (patches/rquickjs-sys-0.14.0-shape-retention.diff).
    fn JS_SetShapeRetention(rt: *mut qjs::JSRuntime, enable: bool);
}

/// Keeps every shape (an object layout: prototype and property names) the
/// build makes, with each step of the way to it, until the snapshot: a
/// request then finds the layouts of the prelude's and the app's objects
/// in the snapshot instead of making (and allocating) each anew per
/// object. make_heap_immortal ends it.
fn retain_shapes(ctx: &Ctx<'_>) {
    // SAFETY: the runtime is alive (its context is entered).
    unsafe { JS_SetShapeRetention(qjs::JS_GetRuntime(ctx.as_raw().as_ptr()), true) }
}

/// Makes what the runtime holds immortal: never counted, never freed (every
/// object, shape, variable reference and atom, and every string or other
/// block of QuickJS's arenas; a longer string outside them stays counted).
/// The last step before the snapshot is taken: a request then reads the
/// snapshot's objects without writing to their pages (a reference count is
/// a write), so fewer pages are dirtied, copied back and held per live
/// instance; what it allocates goes to fresh arenas.
pub fn make_heap_immortal() -> Result<(), String> {
    ENGINE.with(|e| {
        let engine = e.borrow();
        let engine = engine.as_ref().ok_or("making the snapshot's heap immortal: no engine")?;
        engine.context.with(|ctx| {
            // SAFETY: the runtime is alive (its context is entered), and
            // its memory is only ever snapshotted, never freed, after this.
            unsafe { JS_MakeHeapImmortal(qjs::JS_GetRuntime(ctx.as_raw().as_ptr())) }
        });
        Ok(())
    })
}
