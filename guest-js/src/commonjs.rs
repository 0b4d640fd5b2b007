//! CommonJS, for npm packages that ship only that: `require`, `module`,
//! `exports`, `__filename` and `__dirname`, as Node gives them. A module runs
//! the first time it is required (or its ES wrapper is evaluated, see
//! modules.rs) and is cached by name, so cycles see partial exports as in
//! Node. `require()` reaches only what the host resolved at build time.

use crate::modules;
use crate::nano::platform::modules::ModuleKind;
use rquickjs::context::EvalOptions;
use rquickjs::function::Args;
use rquickjs::{Ctx, Exception, Function, Object, Persistent, Value};
use std::cell::RefCell;

thread_local! {
    /// `module` objects by name: Node's `require.cache`.
    static CACHE: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

/// `module.exports` of the app's module `name`, running it first if it has
/// not run yet.
pub fn load<'js>(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Value<'js>> {
    let cache = cache(ctx)?;
    if let Some(module) = cache.get::<_, Option<Object>>(name)? {
        return module.get("exports");
    }
    let Some((kind, source)) = modules::with_module(name, |m| (m.kind, m.source.clone())) else {
        return Err(not_found(ctx, &format!("cannot find module '{name}'")));
    };
    let source = match (kind, source) {
        (ModuleKind::Esm | ModuleKind::Script, _) => {
            let message =
                format!("require() of the ES module {name} is not supported: import it (import or import()) instead");
            return Err(with_code(ctx, &message, "ERR_REQUIRE_ESM"));
        }
        (_, Some(source)) => source,
        (_, None) => return Err(Exception::throw_internal(ctx, &format!("{name}: its source is gone"))),
    };
    let module = Object::new(ctx.clone())?;
    module.set("id", name)?;
    module.set("filename", name)?;
    module.set("loaded", false)?;
    if kind == ModuleKind::Json {
        module.set("exports", ctx.json_parse(source)?)?;
    } else {
        module.set("exports", Object::new(ctx.clone())?)?;
        // Cached before it runs: a cycle back to it gets what it has
        // exported so far.
        cache.set(name, module.clone())?;
        if let Err(e) = run(ctx, name, &source, &module) {
            cache.remove(name)?;
            return Err(e);
        }
    }
    module.set("loaded", true)?;
    cache.set(name, module.clone())?;
    modules::with_module(name, |m| m.source = None);
    module.get("exports")
}

/// Runs a CommonJS module's code in Node's function wrapper. The wrapper's
/// head shares the first line, so line numbers in stacks are the file's.
fn run<'js>(ctx: &Ctx<'js>, name: &str, source: &str, module: &Object<'js>) -> rquickjs::Result<()> {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(name.to_string());
    let code = format!("(function (exports, require, module, __filename, __dirname, process, global) {{{source}\n}})");
    let function: Function = ctx.eval_with_options(code, options)?;
    let owner = name.to_string();
    let require =
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, specifier: String| require(&ctx, &owner, &specifier))?
            .with_name("require")?;
    let exports: Value = module.get("exports")?;
    let dirname = name.rsplit_once('/').map_or(".", |(dir, _)| dir);
    let globals = ctx.globals();
    let process = match globals.get::<_, Value>("process")? {
        process if !process.is_undefined() => process,
        _ => node_env(ctx)?,
    };
    let mut args = Args::new(ctx.clone(), 7);
    args.this(exports.clone())?;
    args.push_arg(exports)?;
    args.push_arg(require)?;
    args.push_arg(module.clone())?;
    args.push_arg(name)?;
    args.push_arg(dirname)?;
    args.push_arg(process)?;
    args.push_arg(globals)?;
    function.call_arg::<Value>(args)?;
    Ok(())
}

/// `require(specifier)` in module `from`.
fn require<'js>(ctx: &Ctx<'js>, from: &str, specifier: &str) -> rquickjs::Result<Value<'js>> {
    match modules::resolve(from, specifier) {
        Some(Ok(name)) => load(ctx, &name),
        Some(Err(message)) => Err(not_found(ctx, &message)),
        None => Err(not_found(ctx, &format!("cannot find module '{specifier}' from {from}"))),
    }
}

/// What CommonJS code sees as `process` when there is no global one: the
/// `process.env.NODE_ENV` packages branch on, set to "production" as edge
/// bundlers (wrangler's esbuild) define it.
fn node_env<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Value<'js>> {
    let env = Object::new(ctx.clone())?;
    env.set("NODE_ENV", "production")?;
    let process = Object::new(ctx.clone())?;
    process.set("env", env)?;
    Ok(process.into_value())
}

fn cache<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(saved) = cache.as_ref() {
            return saved.clone().restore(ctx);
        }
        let object = Object::new(ctx.clone())?;
        *cache = Some(Persistent::save(ctx, object.clone()));
        Ok(object)
    })
}

/// Node's error for a module that is not there, with its `code`, which
/// packages test to tell an optional dependency's absence from its failure.
fn not_found<'js>(ctx: &Ctx<'js>, message: &str) -> rquickjs::Error {
    with_code(ctx, message, "MODULE_NOT_FOUND")
}

fn with_code<'js>(ctx: &Ctx<'js>, message: &str, code: &str) -> rquickjs::Error {
    match Exception::from_message(ctx.clone(), message) {
        Ok(error) => match error.as_object().set("code", code) {
            Ok(()) => error.throw(),
            Err(e) => e,
        },
        Err(e) => e,
    }
}
