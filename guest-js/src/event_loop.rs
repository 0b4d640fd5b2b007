//! The event loop of an instance: microtasks, timers, unhandled rejections.
//! It blocks in `wasi:io/poll` (through a monotonic-clock pollable) only when
//! nothing else can run, so a pending timer costs no CPU.

use crate::engine::{call_hook, describe_error, hooks};
use crate::native::now_ms;
use crate::wasi::clocks::monotonic_clock;
use rquickjs::{Ctx, Object, Value};

/// What the loop does with a rejection nobody handled.
#[derive(Clone, Copy, PartialEq)]
pub enum Rejections {
    /// Scripts (`exec`): the first one ends the run with an error.
    Fatal,
    /// Requests: logged as errors with the stack, the request goes on.
    Log,
}

/// Called by QuickJS whenever a promise is rejected without a handler, or a
/// handler is attached to an already rejected promise.
pub fn track_rejection<'js>(ctx: Ctx<'js>, promise: Value<'js>, reason: Value<'js>, handled: bool) {
    let hooks = hooks(&ctx);
    let _ = call_hook::<_, ()>(&ctx, &hooks, "trackRejection", (promise, reason, handled));
}

/// Runs jobs and timers until `done` holds. Err when an unhandled rejection
/// is fatal, or when nothing is left that could make `done` true.
pub fn run_until<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    rejections: Rejections,
    mut done: impl FnMut() -> bool,
) -> Result<(), String> {
    loop {
        while ctx.execute_pending_job() {}
        report_rejections(ctx, hooks, rejections)?;
        if done() {
            return Ok(());
        }
        let deadline: f64 = call_hook(ctx, hooks, "nextTimerDeadline", ()).map_err(|e| e.to_string())?;
        if deadline < 0.0 {
            return Err("the event loop is empty but the work never finished (a promise that is never settled?)".into());
        }
        let wait = deadline - now_ms();
        if wait > 0.0 {
            // Round up so the timer is due when we wake.
            monotonic_clock::subscribe_duration((wait * 1e6).ceil() as u64).block();
        }
        call_hook::<_, ()>(ctx, hooks, "runNextTimer", (now_ms(),)).map_err(|e| e.to_string())?;
    }
}

/// Runs everything there is to run: what a script does until it is finished.
pub fn run_to_completion<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, rejections: Rejections) -> Result<(), String> {
    run_until(ctx, hooks, rejections, || {
        call_hook::<_, f64>(ctx, hooks, "nextTimerDeadline", ()).map(|d| d < 0.0).unwrap_or(true)
    })
}

fn report_rejections<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, rejections: Rejections) -> Result<(), String> {
    let reasons: Vec<Value> = call_hook(ctx, hooks, "takeUnhandledRejections", ()).map_err(|e| e.to_string())?;
    for reason in reasons {
        let text = format!("Uncaught (in promise) {}", describe_error(ctx, hooks, reason));
        match rejections {
            Rejections::Fatal => return Err(text),
            Rejections::Log => crate::nano::platform::log::write(crate::nano::platform::log::Level::Error, &text),
        }
    }
    Ok(())
}
