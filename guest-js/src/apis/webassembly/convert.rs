//! Values between JS and wasm, by the JS API's ToWebAssemblyValue and
//! ToJSValue: i32 by ToInt32, i64 as a BigInt (ToBigInt64), f32 and f64 by
//! ToNumber; a funcref is null or a wasm function's JS function, an
//! externref any JS value (kept in the state, the ref carrying its index).
//! Conversions may run JS (`valueOf`), so the state is only borrowed around
//! them.

use super::{extern_value, function_object, keep_extern_value, with};
use rquickjs::convert::Coerced;
use rquickjs::{qjs, Array, BigInt, Ctx, Exception, FromJs, IntoJs, Result, Value};
use wasmi::{ExternRef, Nullable, Ref, RefType, Val, ValType};

/// The JS API's name of a value type.
pub fn type_name(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef => "anyfunc",
        ValType::ExternRef => "externref",
    }
}

pub fn val_type(ctx: &Ctx<'_>, name: &str) -> Result<ValType> {
    Ok(match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "anyfunc" | "funcref" => ValType::FuncRef,
        "externref" => ValType::ExternRef,
        other => return Err(Exception::throw_type(ctx, &format!("WebAssembly: unknown value type '{other}'"))),
    })
}

pub fn ref_type(ctx: &Ctx<'_>, name: &str) -> Result<RefType> {
    match val_type(ctx, name)? {
        ValType::FuncRef => Ok(RefType::Func),
        ValType::ExternRef => Ok(RefType::Extern),
        _ => Err(Exception::throw_type(ctx, &format!("WebAssembly: '{name}' is not a reference type"))),
    }
}

/// The address of a JS object (its identity while it is alive).
pub fn address(value: &Value<'_>) -> usize {
    unsafe { qjs::JS_VALUE_GET_PTR(value.as_raw()) as usize }
}

/// ToBigInt64: a BigInt (or a string, a boolean) wrapped to 64 bits; a
/// Number is a TypeError, as in the standard.
fn to_i64(ctx: &Ctx<'_>, value: &Value<'_>) -> Result<i64> {
    let mut out = 0i64;
    let status = unsafe { qjs::JS_ToBigInt64(ctx.as_raw().as_ptr(), &mut out, value.as_raw()) };
    if status < 0 {
        return Err(rquickjs::Error::Exception);
    }
    Ok(out)
}

pub fn to_val<'js>(ctx: &Ctx<'js>, ty: ValType, value: Value<'js>) -> Result<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(Coerced::<i32>::from_js(ctx, value)?.0),
        ValType::I64 => Val::I64(to_i64(ctx, &value)?),
        ValType::F32 => Val::F32((Coerced::<f64>::from_js(ctx, value)?.0 as f32).into()),
        ValType::F64 => Val::F64(Coerced::<f64>::from_js(ctx, value)?.0.into()),
        ValType::FuncRef => match to_ref(ctx, RefType::Func, value)? {
            Ref::Func(func) => Val::FuncRef(func),
            Ref::Extern(_) => unreachable!("to_ref gives the type it is asked for"),
        },
        ValType::ExternRef => match to_ref(ctx, RefType::Extern, value)? {
            Ref::Extern(item) => Val::ExternRef(item),
            Ref::Func(_) => unreachable!("to_ref gives the type it is asked for"),
        },
        ValType::V128 => return Err(Exception::throw_type(ctx, "WebAssembly: v128 values cannot cross to JS")),
    })
}

pub fn to_ref<'js>(ctx: &Ctx<'js>, ty: RefType, value: Value<'js>) -> Result<Ref> {
    match ty {
        RefType::Func if value.is_null() || value.is_undefined() => Ok(Ref::Func(Nullable::Null)),
        RefType::Func => {
            let id = with(|s| s.function_ids.get(&address(&value)).copied());
            let func = id.and_then(|id| with(|s| s.externs.get(id as usize).and_then(|e| e.into_func())));
            match func {
                Some(func) => Ok(Ref::Func(Nullable::Val(func))),
                None => {
                    Err(Exception::throw_type(ctx, "WebAssembly: a funcref must be null or an exported wasm function"))
                }
            }
        }
        RefType::Extern if value.is_null() => Ok(Ref::Extern(Nullable::Null)),
        RefType::Extern => {
            let index = keep_extern_value(ctx, value);
            Ok(Ref::Extern(Nullable::Val(with(|s| ExternRef::new(&mut s.store, index)))))
        }
    }
}

pub fn from_val<'js>(ctx: &Ctx<'js>, value: &Val) -> Result<Value<'js>> {
    match value {
        Val::I32(v) => Ok(Value::new_int(ctx.clone(), *v)),
        Val::I64(v) => Ok(BigInt::from_i64(ctx.clone(), *v)?.into_value()),
        Val::F32(v) => Ok(Value::new_float(ctx.clone(), f64::from(f32::from(*v)))),
        Val::F64(v) => Ok(Value::new_float(ctx.clone(), f64::from(*v))),
        Val::FuncRef(func) => from_ref(ctx, &Ref::Func(*func)),
        Val::ExternRef(item) => from_ref(ctx, &Ref::Extern(*item)),
        Val::V128(_) => Err(Exception::throw_type(ctx, "WebAssembly: v128 values cannot cross to JS")),
    }
}

pub fn from_ref<'js>(ctx: &Ctx<'js>, item: &Ref) -> Result<Value<'js>> {
    match item {
        Ref::Func(Nullable::Val(func)) => Ok(function_object(ctx, *func)?.into_value()),
        Ref::Extern(Nullable::Val(item)) => {
            let index = with(|s| item.data(&s.store).downcast_ref::<u32>().copied());
            match index {
                Some(index) => extern_value(ctx, index),
                None => Ok(Value::new_undefined(ctx.clone())),
            }
        }
        Ref::Func(Nullable::Null) | Ref::Extern(Nullable::Null) => Ok(Value::new_null(ctx.clone())),
    }
}

/// What a JS import returned, as the import's results: nothing, one value,
/// or an array of as many values.
pub fn to_vals<'js>(ctx: &Ctx<'js>, types: &[ValType], returned: Value<'js>) -> Result<Vec<Val>> {
    match types {
        [] => Ok(Vec::new()),
        [ty] => Ok(vec![to_val(ctx, *ty, returned)?]),
        _ => {
            let Some(array) = returned.into_array().filter(|a| a.len() == types.len()) else {
                let message =
                    format!("WebAssembly: an import returning {} values must return an array of them", types.len());
                return Err(Exception::throw_type(ctx, &message));
            };
            types.iter().enumerate().map(|(i, &ty)| to_val(ctx, ty, array.get(i)?)).collect()
        }
    }
}

/// A wasm function's results for JS: undefined, the value, or an array.
pub fn results_to_js<'js>(ctx: &Ctx<'js>, results: Vec<Val>) -> Result<Value<'js>> {
    match results.as_slice() {
        [] => Ok(Value::new_undefined(ctx.clone())),
        [one] => from_val(ctx, one),
        many => {
            let array = Array::new(ctx.clone())?;
            for (i, value) in many.iter().enumerate() {
                array.set(i, from_val(ctx, value)?)?;
            }
            array.into_js(ctx)
        }
    }
}
