//! Native half of `WebAssembly` (webassembly.js): nested modules run inside
//! the guest on the wasmi interpreter. Their linear memory is guest memory,
//! so it counts against the request's memory limit, and their CPU time is
//! the request's (the host's deadlines stop a loop in wasm like one in JS).
//!
//! Every nested object lives in one wasmi `Store` per engine instance (one
//! request); JS refers to them by number, and nothing is freed before the
//! instance ends. A JS function that wasm imports is called by leaving the
//! interpreter through a resumable host trap (`run`), so JS may call back
//! into wasm while the outer call waits: the store is never borrowed across
//! JS code.

mod convert;
mod memory;

use convert::{from_val, to_val, to_vals};
use rquickjs::function::Rest;
use rquickjs::{Constructor, Ctx, Exception, Function, Persistent, Result, TypedArray, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use wasmi::{
    Engine, Error, Extern, ExternType, Func, Global, Instance, Memory, MemoryType, Module, Mutability, ResourceLimiter,
    ResumableCall, Store, Table, TableType, Val, ValType,
};

/// Largest module accepted: bigger ones are a RangeError (the interpreter's
/// translation of a module takes a few times its size in guest memory).
const MAX_MODULE_BYTES: usize = 16 << 20;
/// Most instances one engine instance (a request) may create.
const MAX_INSTANCES: usize = 1_000;
/// Most elements a table may hold.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

thread_local! {
    /// Made on first use: an app that never uses WebAssembly has none.
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    /// CompileError, LinkError, RuntimeError (webassembly.js's classes).
    static ERRORS: RefCell<Option<[Persistent<Constructor<'static>>; 3]>> = const { RefCell::new(None) };
}

/// The nested world: the store, what JS holds ids of, and the JS values
/// wasm refers to.
struct State {
    store: Store<Budget>,
    modules: Vec<Module>,
    /// Functions, memories, tables and globals, by id.
    externs: Vec<Extern>,
    /// An extern's id by its identity (wasmi's handles have no `Eq`: their
    /// `Debug` form names the store and the index), so that one wasm
    /// function is one JS function and one memory one `Memory`.
    extern_ids: HashMap<String, u32>,
    /// The JS function of each wasm function JS has seen, by extern id.
    functions: HashMap<u32, Persistent<Function<'static>>>,
    /// The extern id of each of those JS functions, by object address
    /// (QuickJS does not move objects, and `functions` keeps them alive).
    function_ids: HashMap<usize, u32>,
    /// The JS functions wasm imports, by the index its host functions carry.
    imports: Vec<Persistent<Function<'static>>>,
    /// The JS values held by `externref`s, by the index they carry.
    extern_values: Vec<Persistent<Value<'static>>>,
    /// The live `ArrayBuffer` over each memory's bytes (see memory.rs).
    buffers: HashMap<u32, memory::Buffer>,
}

/// The nested memories' and tables' budget: their sum may not pass half of
/// the instance's linear-memory limit, so that the JS heap (sized to three
/// quarters of it, engine.rs) still has room when wasm took its share.
#[derive(Default)]
struct Budget {
    memory_bytes: usize,
}

impl ResourceLimiter for Budget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> std::result::Result<bool, wasmi_core::LimiterError> {
        let limit = usize::try_from(crate::nano::platform::limits::memory()).unwrap_or(usize::MAX) / 2;
        let total = self.memory_bytes.saturating_add(desired.saturating_sub(current));
        if total > limit {
            return Ok(false);
        }
        self.memory_bytes = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> std::result::Result<bool, wasmi_core::LimiterError> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_INSTANCES
    }
}

impl State {
    fn new() -> State {
        let engine = Engine::default();
        let mut store = Store::new(&engine, Budget::default());
        store.limiter(|budget| budget);
        State {
            store,
            modules: Vec::new(),
            externs: Vec::new(),
            extern_ids: HashMap::new(),
            functions: HashMap::new(),
            function_ids: HashMap::new(),
            imports: Vec::new(),
            extern_values: Vec::new(),
            buffers: HashMap::new(),
        }
    }

    /// The id of an extern, given one the first time it is seen.
    fn id_of(&mut self, item: Extern) -> u32 {
        let key = format!("{item:?}");
        if let Some(&id) = self.extern_ids.get(&key) {
            return id;
        }
        let id = self.externs.len() as u32;
        self.externs.push(item);
        self.extern_ids.insert(key, id);
        id
    }
}

/// Runs `f` on the nested world. Never call JS inside `f`: JS may call back
/// here.
fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|state| f(state.borrow_mut().get_or_insert_with(State::new)))
}

fn extern_at(ctx: &Ctx<'_>, id: u32) -> Result<Extern> {
    with(|s| s.externs.get(id as usize).cloned())
        .ok_or_else(|| Exception::throw_type(ctx, "unknown WebAssembly object"))
}

fn func_at(ctx: &Ctx<'_>, id: u32) -> Result<Func> {
    extern_at(ctx, id)?.into_func().ok_or_else(|| Exception::throw_type(ctx, "not a WebAssembly function"))
}

fn module_at(ctx: &Ctx<'_>, id: u32) -> Result<Module> {
    with(|s| s.modules.get(id as usize).cloned())
        .ok_or_else(|| Exception::throw_type(ctx, "unknown WebAssembly.Module"))
}

/// Which of webassembly.js's error classes to throw.
#[derive(Clone, Copy)]
enum Kind {
    Compile = 0,
    Link = 1,
    Runtime = 2,
}

/// Throws `new CompileError(message)` (or LinkError, RuntimeError).
fn throw(ctx: &Ctx<'_>, kind: Kind, message: &str) -> rquickjs::Error {
    let class = ERRORS.with(|errors| errors.borrow().as_ref().map(|e| e[kind as usize].clone()));
    let Some(class) = class else { return Exception::throw_internal(ctx, message) };
    match class.restore(ctx).and_then(|c| c.construct::<_, Value>((message,))) {
        Ok(error) => ctx.throw(error),
        Err(e) => e,
    }
}

/// Throws the JS error a wasmi error stands for: a trap is a RuntimeError,
/// a resource limit a RangeError, anything else `otherwise`.
fn throw_wasmi(ctx: &Ctx<'_>, error: &Error, otherwise: Kind) -> rquickjs::Error {
    use wasmi::errors::{ErrorKind, InstantiationError as Failed};
    match error.kind() {
        ErrorKind::TrapCode(_) | ErrorKind::Host(_) => throw(ctx, Kind::Runtime, &error.to_string()),
        ErrorKind::Memory(_)
        | ErrorKind::Table(_)
        | ErrorKind::UserLimits(_)
        | ErrorKind::ImplementationLimits(_)
        | ErrorKind::Instantiation(
            Failed::FailedToInstantiateMemory(_)
            | Failed::FailedToInstantiateTable(_)
            | Failed::TooManyInstances
            | Failed::TooManyTables
            | Failed::TooManyMemories,
        ) => Exception::throw_range(ctx, &format!("WebAssembly: {error}")),
        _ => throw(ctx, otherwise, &error.to_string()),
    }
}

/// Registers webassembly.js's error classes (once, at build time).
pub fn init<'js>(compile: Constructor<'js>, link: Constructor<'js>, runtime: Constructor<'js>) {
    let ctx = compile.ctx().clone();
    let errors = [Persistent::save(&ctx, compile), Persistent::save(&ctx, link), Persistent::save(&ctx, runtime)];
    ERRORS.with(|slot| *slot.borrow_mut() = Some(errors));
}

/// The bytes of a module (webassembly.js passes a Uint8Array), refused past
/// MAX_MODULE_BYTES before they are copied.
fn module_bytes<'js>(ctx: &Ctx<'js>, bytes: TypedArray<'js, u8>) -> Result<Vec<u8>> {
    if bytes.len() > MAX_MODULE_BYTES {
        let message =
            format!("WebAssembly: a module of {} bytes is over the limit of {MAX_MODULE_BYTES} bytes", bytes.len());
        return Err(Exception::throw_range(ctx, &message));
    }
    // Copied at once: the pointer is only valid until JS runs again.
    Ok(unsafe { bytes.as_bytes() }.map(<[u8]>::to_vec).unwrap_or_default())
}

pub fn validate<'js>(ctx: Ctx<'js>, bytes: TypedArray<'js, u8>) -> Result<bool> {
    let bytes = module_bytes(&ctx, bytes)?;
    Ok(with(|s| Module::validate(s.store.engine(), &bytes).is_ok()))
}

/// Compiles (validates and translates) a module: its id, or a CompileError.
pub fn compile<'js>(ctx: Ctx<'js>, bytes: TypedArray<'js, u8>) -> Result<u32> {
    let bytes = module_bytes(&ctx, bytes)?;
    let module = with(|s| Module::new(s.store.engine(), &bytes));
    let module = module.map_err(|e| throw_wasmi(&ctx, &e, Kind::Compile))?;
    Ok(with(|s| {
        s.modules.push(module);
        s.modules.len() as u32 - 1
    }))
}

fn kind_name(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Table(_) => "table",
        ExternType::Memory(_) => "memory",
        ExternType::Global(_) => "global",
    }
}

/// `[module, name, kind, valueType, mutable]` for each import, in order (the
/// last two are a global's, else null and false).
pub fn module_imports<'js>(ctx: Ctx<'js>, id: u32) -> Result<Vec<Value<'js>>> {
    use rquickjs::IntoJs;
    let module = module_at(&ctx, id)?;
    let mut out = Vec::new();
    for import in module.imports() {
        let (value_type, mutable) = match import.ty() {
            ExternType::Global(g) => (Some(convert::type_name(g.content())), g.mutability() == Mutability::Var),
            _ => (None, false),
        };
        out.push(import.module().into_js(&ctx)?);
        out.push(import.name().into_js(&ctx)?);
        out.push(kind_name(import.ty()).into_js(&ctx)?);
        out.push(value_type.into_js(&ctx)?);
        out.push(mutable.into_js(&ctx)?);
    }
    Ok(out)
}

/// `[name, kind]` for each export, in order.
pub fn module_exports(ctx: Ctx<'_>, id: u32) -> Result<Vec<String>> {
    let module = module_at(&ctx, id)?;
    Ok(module.exports().flat_map(|e| [e.name().to_string(), kind_name(e.ty()).to_string()]).collect())
}

/// The contents of the custom sections called `name`, in order.
pub fn module_custom_sections<'js>(ctx: Ctx<'js>, id: u32, name: String) -> Result<Vec<rquickjs::ArrayBuffer<'js>>> {
    let module = module_at(&ctx, id)?;
    module
        .custom_sections()
        .filter(|section| section.name() == name)
        .map(|section| rquickjs::ArrayBuffer::new_copy(ctx.clone(), section.data()))
        .collect()
}

/// A host function that calls the JS function `imports[index]` (see `run`).
#[derive(Debug)]
struct CallJs {
    index: u32,
    args: Vec<Val>,
}

impl fmt::Display for CallJs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Seen only if wasmi cannot resume: a start function calling JS.
        write!(f, "a JS import (#{}) cannot be called from a start function", self.index)
    }
}

impl wasmi::errors::HostError for CallJs {}

/// The extern that satisfies one import: a JS function becomes a host
/// function (an exported wasm function is linked as itself); memories,
/// tables and globals come as webassembly.js's ids.
fn import_extern<'js>(ctx: &Ctx<'js>, ty: &ExternType, value: Value<'js>) -> Result<Extern> {
    match ty {
        ExternType::Func(func_type) => {
            let Some(function) = value.into_function() else {
                return Err(throw(ctx, Kind::Link, "an imported function is not callable"));
            };
            if let Some(id) = with(|s| s.function_ids.get(&convert::address(function.as_value())).copied()) {
                return extern_at(ctx, id);
            }
            let saved = Persistent::save(ctx, function);
            let func_type = func_type.clone();
            Ok(Extern::Func(with(|s| {
                let index = s.imports.len() as u32;
                s.imports.push(saved);
                Func::new(&mut s.store, func_type, move |_caller, params, _results| {
                    Err(Error::host(CallJs { index, args: params.to_vec() }))
                })
            })))
        }
        _ => match value.as_int() {
            Some(id) if id >= 0 => extern_at(ctx, id as u32),
            _ => Err(throw(ctx, Kind::Link, "an import is not a WebAssembly object of its kind")),
        },
    }
}

/// Instantiates a module with its imports (in the order of
/// `module_imports`): `[name, kind, value]` for each export, the value a JS
/// function for a function, else the object's id.
pub fn instantiate<'js>(ctx: Ctx<'js>, id: u32, values: Vec<Value<'js>>) -> Result<Vec<Value<'js>>> {
    use rquickjs::IntoJs;
    let module = module_at(&ctx, id)?;
    let types: Vec<ExternType> = module.imports().map(|i| i.ty().clone()).collect();
    if types.len() != values.len() {
        return Err(Exception::throw_type(&ctx, "WebAssembly: wrong number of imports"));
    }
    let mut externs = Vec::with_capacity(types.len());
    for (ty, value) in types.iter().zip(values) {
        externs.push(import_extern(&ctx, ty, value)?);
    }
    let instance = with(|s| Instance::new(&mut s.store, &module, &externs));
    memory::sync_buffers(&ctx);
    let instance = instance.map_err(|e| throw_wasmi(&ctx, &e, Kind::Link))?;
    let exports: Vec<(String, Extern)> =
        with(|s| instance.exports(&s.store).map(|e| (e.name().to_string(), e.into_extern())).collect());
    let mut out = Vec::with_capacity(exports.len() * 3);
    for (name, item) in exports {
        out.push(name.into_js(&ctx)?);
        out.push(kind_name(&with(|s| item.ty(&s.store))).into_js(&ctx)?);
        out.push(match item {
            Extern::Func(func) => function_object(&ctx, func)?.into_value(),
            other => with(|s| s.id_of(other)).into_js(&ctx)?,
        });
    }
    Ok(out)
}

/// The JS function of a wasm function: made once, then the same object.
fn function_object<'js>(ctx: &Ctx<'js>, func: Func) -> Result<Function<'js>> {
    let (id, known, params) = with(|s| {
        let id = s.id_of(Extern::Func(func));
        (id, s.functions.get(&id).cloned(), func.ty(&s.store).params().len())
    });
    if let Some(known) = known {
        return known.restore(ctx);
    }
    let function =
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| call_export(&ctx, id, args.0))?
            .with_name(id.to_string())?;
    function.set_length(params)?;
    let saved = Persistent::save(ctx, function.clone());
    with(|s| {
        s.function_ids.insert(convert::address(function.as_value()), id);
        s.functions.insert(id, saved);
    });
    Ok(function)
}

/// Calls a wasm function from JS: arguments converted by the JS API's rules
/// (missing ones are undefined), results as a value, an array, or undefined.
fn call_export<'js>(ctx: &Ctx<'js>, id: u32, args: Vec<Value<'js>>) -> Result<Value<'js>> {
    let func = func_at(ctx, id)?;
    let ty = with(|s| func.ty(&s.store));
    let mut params = Vec::with_capacity(ty.params().len());
    for (i, &param) in ty.params().iter().enumerate() {
        let arg = args.get(i).cloned().unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        params.push(to_val(ctx, param, arg)?);
    }
    let results = run(ctx, func, &params, ty.results())?;
    convert::results_to_js(ctx, results)
}

/// Runs a wasm function to its end. Each call of a JS import stops the
/// interpreter (a resumable host trap); the JS function runs with the store
/// free, and the call resumes with its results. A JS exception ends the
/// call and propagates; a trap is a RuntimeError. The memories' buffers are
/// checked before JS runs and at the end (wasm may have grown a memory).
fn run<'js>(ctx: &Ctx<'js>, func: Func, params: &[Val], result_types: &[ValType]) -> Result<Vec<Val>> {
    let mut results: Vec<Val> = result_types.iter().map(|&t| Val::default_for_ty(t)).collect();
    let mut step = with(|s| func.call_resumable(&mut s.store, params, &mut results));
    loop {
        memory::sync_buffers(ctx);
        let invocation = match step {
            Ok(ResumableCall::Finished) => return Ok(results),
            Ok(ResumableCall::HostTrap(invocation)) => invocation,
            Ok(ResumableCall::OutOfFuel(_)) => return Err(throw(ctx, Kind::Runtime, "out of fuel")),
            Err(error) => return Err(throw_wasmi(ctx, &error, Kind::Runtime)),
        };
        let Some(call) = invocation.host_error().downcast_ref::<CallJs>() else {
            let message = invocation.host_error().to_string();
            return Err(throw(ctx, Kind::Runtime, &message));
        };
        let import_types = with(|s| invocation.host_func().ty(&s.store));
        let callee = with(|s| s.imports[call.index as usize].clone()).restore(ctx)?;
        let mut js_args = rquickjs::function::Args::new(ctx.clone(), call.args.len());
        for arg in &call.args {
            js_args.push_arg(from_val(ctx, arg)?)?;
        }
        let returned: Value = callee.call_arg(js_args)?;
        let values = to_vals(ctx, import_types.results(), returned)?;
        step = with(|s| invocation.resume(&mut s.store, &values, &mut results));
    }
}

/// `new WebAssembly.Memory({ initial, maximum })`: its id, or a RangeError
/// past the budget.
pub fn memory_new(ctx: Ctx<'_>, initial: u32, maximum: Option<u32>) -> Result<u32> {
    let made =
        with(|s| Memory::new(&mut s.store, MemoryType::new(initial, maximum)).map(|m| s.id_of(Extern::Memory(m))));
    made.map_err(|e| Exception::throw_range(&ctx, &format!("WebAssembly.Memory: {e}")))
}

pub use memory::{memory_buffer, memory_grow};

/// `new WebAssembly.Table({ element, initial, maximum }, value)`.
pub fn table_new<'js>(
    ctx: Ctx<'js>,
    element: String,
    initial: u32,
    maximum: Option<u32>,
    value: Value<'js>,
) -> Result<u32> {
    let ty = convert::ref_type(&ctx, &element)?;
    let init = convert::to_ref(&ctx, ty, value)?;
    let made = with(|s| {
        Table::new(&mut s.store, TableType::new(ty, initial, maximum), init).map(|t| s.id_of(Extern::Table(t)))
    });
    made.map_err(|e| Exception::throw_range(&ctx, &format!("WebAssembly.Table: {e}")))
}

fn table_at(ctx: &Ctx<'_>, id: u32) -> Result<Table> {
    extern_at(ctx, id)?.into_table().ok_or_else(|| Exception::throw_type(ctx, "not a WebAssembly.Table"))
}

pub fn table_length(ctx: Ctx<'_>, id: u32) -> Result<u64> {
    let table = table_at(&ctx, id)?;
    Ok(with(|s| table.size(&s.store)))
}

pub fn table_get<'js>(ctx: Ctx<'js>, id: u32, index: u32) -> Result<Value<'js>> {
    let table = table_at(&ctx, id)?;
    let Some(item) = with(|s| table.get(&s.store, u64::from(index))) else {
        return Err(Exception::throw_range(&ctx, "WebAssembly.Table.get(): index out of bounds"));
    };
    convert::from_ref(&ctx, &item)
}

pub fn table_set<'js>(ctx: Ctx<'js>, id: u32, index: u32, value: Value<'js>) -> Result<()> {
    let table = table_at(&ctx, id)?;
    let item = convert::to_ref(&ctx, with(|s| table.ty(&s.store).element()), value)?;
    with(|s| table.set(&mut s.store, u64::from(index), item))
        .map_err(|_| Exception::throw_range(&ctx, "WebAssembly.Table.set(): index out of bounds"))
}

/// Grows a table by `delta` elements set to `value`: its old length.
pub fn table_grow<'js>(ctx: Ctx<'js>, id: u32, delta: u32, value: Value<'js>) -> Result<u64> {
    let table = table_at(&ctx, id)?;
    let item = convert::to_ref(&ctx, with(|s| table.ty(&s.store).element()), value)?;
    with(|s| table.grow(&mut s.store, u64::from(delta), item))
        .map_err(|e| Exception::throw_range(&ctx, &format!("WebAssembly.Table.grow(): {e}")))
}

/// `new WebAssembly.Global({ value, mutable }, value)`.
pub fn global_new<'js>(ctx: Ctx<'js>, type_name: String, mutable: bool, value: Value<'js>) -> Result<u32> {
    let ty = convert::val_type(&ctx, &type_name)?;
    let value = if value.is_undefined() && ty != ValType::ExternRef {
        Val::default_for_ty(ty)
    } else {
        to_val(&ctx, ty, value)?
    };
    let mutability = if mutable { Mutability::Var } else { Mutability::Const };
    Ok(with(|s| {
        let global = Global::new(&mut s.store, value, mutability);
        s.id_of(Extern::Global(global))
    }))
}

fn global_at(ctx: &Ctx<'_>, id: u32) -> Result<Global> {
    extern_at(ctx, id)?.into_global().ok_or_else(|| Exception::throw_type(ctx, "not a WebAssembly.Global"))
}

pub fn global_get<'js>(ctx: Ctx<'js>, id: u32) -> Result<Value<'js>> {
    let global = global_at(&ctx, id)?;
    let value = with(|s| global.get(&s.store));
    from_val(&ctx, &value)
}

pub fn global_set<'js>(ctx: Ctx<'js>, id: u32, value: Value<'js>) -> Result<()> {
    let global = global_at(&ctx, id)?;
    let ty = with(|s| global.ty(&s.store));
    if ty.mutability() != Mutability::Var {
        return Err(Exception::throw_type(&ctx, "WebAssembly.Global: cannot set the value of an immutable global"));
    }
    let value = to_val(&ctx, ty.content(), value)?;
    with(|s| global.set(&mut s.store, value))
        .map_err(|e| Exception::throw_type(&ctx, &format!("WebAssembly.Global: {e}")))
}

/// Keeps `value` for an externref: its index.
fn keep_extern_value<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> u32 {
    let saved = Persistent::save(ctx, value);
    with(|s| {
        s.extern_values.push(saved);
        s.extern_values.len() as u32 - 1
    })
}

fn extern_value<'js>(ctx: &Ctx<'js>, index: u32) -> Result<Value<'js>> {
    match with(|s| s.extern_values.get(index as usize).cloned()) {
        Some(saved) => saved.restore(ctx),
        None => Ok(Value::new_undefined(ctx.clone())),
    }
}
