//! `Memory.buffer`: an ArrayBuffer whose bytes are the wasm memory's own
//! (no copy: typed-array views and wasm see each other's writes). QuickJS
//! does not own them (no free function), so the buffer must never outlive
//! where they are: wasmi moves a memory's bytes when it grows (a `Vec`), so
//! the buffer is detached — its views then see zero bytes — whenever the
//! memory's address or size changed. That is checked after every call into
//! wasm and before every call out of it to JS (wasm code may run
//! `memory.grow`), and on `Memory.grow`, which detaches even when the bytes
//! stayed, as the standard says. webassembly.js refuses to `transfer()`
//! such a buffer (the standard's detach key), which would make an
//! ArrayBuffer this module does not know of.

use super::{extern_at, with};
use rquickjs::{qjs, ArrayBuffer, Ctx, Exception, Persistent, Result, Value};
use wasmi::Memory;

/// The live buffer of one memory and where its bytes were when it was made.
pub struct Buffer {
    view: Persistent<ArrayBuffer<'static>>,
    address: usize,
    len: usize,
}

fn memory_at(ctx: &Ctx<'_>, id: u32) -> Result<Memory> {
    extern_at(ctx, id)?.into_memory().ok_or_else(|| Exception::throw_type(ctx, "not a WebAssembly.Memory"))
}

/// Detaches the buffers whose memory moved or changed size.
pub fn sync_buffers(ctx: &Ctx<'_>) {
    let stale: Vec<Persistent<ArrayBuffer<'static>>> = with(|s| {
        let moved: Vec<u32> = s
            .buffers
            .iter()
            .filter(|(&id, buffer)| {
                let memory = s.externs[id as usize].into_memory().expect("buffers are kept for memories");
                memory.data_ptr(&s.store) as usize != buffer.address || memory.data_size(&s.store) != buffer.len
            })
            .map(|(&id, _)| id)
            .collect();
        moved.iter().filter_map(|id| s.buffers.remove(id)).map(|b| b.view).collect()
    });
    for view in stale {
        detach(ctx, view);
    }
}

fn detach(ctx: &Ctx<'_>, view: Persistent<ArrayBuffer<'static>>) {
    if let Ok(view) = view.restore(ctx) {
        unsafe { qjs::JS_DetachArrayBuffer(ctx.as_raw().as_ptr(), view.as_value().as_raw()) };
    }
}

/// `memory.buffer`: the live buffer, or a new one over the bytes as they are.
pub fn memory_buffer<'js>(ctx: Ctx<'js>, id: u32) -> Result<Value<'js>> {
    let memory = memory_at(&ctx, id)?;
    sync_buffers(&ctx);
    if let Some(view) = with(|s| s.buffers.get(&id).map(|b| b.view.clone())) {
        return Ok(view.restore(&ctx)?.into_value());
    }
    let (address, len) = with(|s| (memory.data_ptr(&s.store), memory.data_size(&s.store)));
    // No free function: the bytes are wasmi's, and the buffer is detached
    // before they move (see above). Not resizable (max_len 0).
    let raw = unsafe {
        qjs::JS_NewArrayBuffer(ctx.as_raw().as_ptr(), address, len as _, 0, None, std::ptr::null_mut(), false)
    };
    let value = unsafe { Value::from_raw(ctx.clone(), raw) };
    if value.is_exception() {
        return Err(rquickjs::Error::Exception);
    }
    let view = ArrayBuffer::from_value(value.clone())
        .ok_or_else(|| Exception::throw_internal(&ctx, "WebAssembly.Memory: no buffer"))?;
    let saved = Persistent::save(&ctx, view);
    with(|s| s.buffers.insert(id, Buffer { view: saved, address: address as usize, len }));
    Ok(value)
}

/// `memory.grow(delta)`: the old size in pages; the old buffer is detached.
/// Past the maximum or the budget, a RangeError.
pub fn memory_grow(ctx: Ctx<'_>, id: u32, delta: u32) -> Result<u64> {
    let memory = memory_at(&ctx, id)?;
    let grown = with(|s| memory.grow(&mut s.store, u64::from(delta)));
    if let Some(buffer) = with(|s| s.buffers.remove(&id)) {
        detach(&ctx, buffer.view);
    }
    grown.map_err(|e| Exception::throw_range(&ctx, &format!("WebAssembly.Memory.grow(): {e}")))
}
