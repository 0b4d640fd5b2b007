//! The Streams standard's promise steps (streams/promises.js), natively: the
//! streams react to promises on every chunk and every close, and in QuickJS
//! each step through `Promise.prototype.then` costs thousands of
//! instructions more than the engine's own calls.

use rquickjs::function::Opt;
use rquickjs::{qjs, Ctx, Error, Exception, Result, Value};

/// `uponPromise(promise, onFulfilled, onRejected)`: PerformPromiseThen with
/// the intrinsic `then` (`JS_PromiseThen`: no `Symbol.species` lookup, no
/// patched `then`, as the standard's "upon fulfillment/rejection" asks);
/// returns the derived promise.
pub fn upon_promise<'js>(
    ctx: Ctx<'js>,
    promise: Value<'js>,
    on_fulfilled: Opt<Value<'js>>,
    on_rejected: Opt<Value<'js>>,
) -> Result<Value<'js>> {
    if !is_promise(&promise) {
        return Err(Exception::throw_type(&ctx, "uponPromise: not a promise"));
    }
    let undefined = Value::new_undefined(ctx.clone());
    let on_fulfilled = on_fulfilled.0.unwrap_or_else(|| undefined.clone());
    let on_rejected = on_rejected.0.unwrap_or(undefined);
    // Safety: live values of this context; the result is a new reference,
    // owned by the returned Value.
    let derived = unsafe {
        qjs::JS_PromiseThen(ctx.as_raw().as_ptr(), promise.as_raw(), on_fulfilled.as_raw(), on_rejected.as_raw())
    };
    let derived = unsafe { Value::from_raw(ctx, derived) };
    if derived.is_exception() {
        return Err(Error::Exception);
    }
    Ok(derived)
}

/// `markHandled(promise)`: sets [[PromiseIsHandled]] (telling the rejection
/// tracker if it was rejected already), without the reaction, derived
/// promise and job a `then(undefined, noop)` costs; returns the promise.
pub fn mark_handled<'js>(ctx: Ctx<'js>, promise: Value<'js>) -> Result<Value<'js>> {
    if is_promise(&promise) {
        // Safety: a live promise of this context.
        unsafe { qjs::JS_PromiseMarkAsHandled(ctx.as_raw().as_ptr(), promise.as_raw()) };
    }
    Ok(promise)
}

fn is_promise(value: &Value<'_>) -> bool {
    // Safety: reads the value's tag and class only.
    unsafe { qjs::JS_IsPromise(value.as_raw()) }
}
