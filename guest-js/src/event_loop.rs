//! The event loop of an instance: microtasks, timers, fetches, unhandled
//! rejections. It blocks in `wasi:io/poll` (on a monotonic-clock pollable and
//! the pollables of requests in flight) only when nothing else can run, so
//! waiting costs no CPU.

use crate::engine::{call_hook, describe_error, hooks};
use crate::native::now_ms;
use crate::fetch;
use crate::wasi::clocks::monotonic_clock;
use crate::wasi::io::poll::{poll, Pollable};
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
    let _ = call_hook::<_, ()>(&hooks, "trackRejection", (promise, reason, handled));
}

/// Runs jobs, timers and fetches until `done` holds. Err when an unhandled
/// rejection is fatal, or when nothing is left that could make `done` true.
pub fn run_until<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    rejections: Rejections,
    mut done: impl FnMut() -> bool,
) -> Result<(), String> {
    loop {
        while ctx.execute_pending_job() {}
        report_rejections(hooks, rejections)?;
        if done() {
            return Ok(());
        }
        let deadline: f64 = call_hook(hooks, "nextTimerDeadline", ()).map_err(|e| e.to_string())?;
        let fetches = fetch::pollables();
        if deadline < 0.0 && fetches.is_empty() {
            return Err("the event loop is empty but the work never finished (a promise that is never settled?)".into());
        }
        // Sleep in the host until a timer is due or a fetch moves on.
        let timer = (deadline >= 0.0).then(|| {
            let wait = (deadline - now_ms()).max(0.0);
            monotonic_clock::subscribe_duration((wait * 1e6).ceil() as u64)
        });
        let mut waiting: Vec<&Pollable> = fetches.iter().map(|(_, p)| p).collect();
        waiting.extend(timer.as_ref());
        let ready = poll(&waiting);
        let ready_fetches: Vec<u32> = ready.iter().filter_map(|&i| fetches.get(i as usize).map(|(id, _)| *id)).collect();
        let timer_ready = ready.iter().any(|&i| i as usize >= fetches.len());
        // Pollables are children of the requests: drop them before a
        // finished request is dropped.
        drop(waiting);
        drop(fetches);
        drop(timer);
        for id in ready_fetches {
            deliver_fetch(ctx, hooks, id)?;
        }
        if timer_ready {
            call_hook::<_, ()>(hooks, "runNextTimer", (now_ms(),)).map_err(|e| e.to_string())?;
        }
    }
}

fn deliver_fetch<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, id: u32) -> Result<(), String> {
    let result = match fetch::advance(id) {
        None => return Ok(()),
        Some(fetch::Outcome::Response { status, headers, body }) => {
            let body = rquickjs::TypedArray::<u8>::new(ctx.clone(), body).map_err(|e| e.to_string())?;
            call_hook::<_, ()>(hooks, "fetchResponded", (id, status, headers, body))
        }
        Some(fetch::Outcome::Failed(message)) => call_hook::<_, ()>(hooks, "fetchFailed", (id, message)),
    };
    result.map_err(|e| e.to_string())
}

/// Runs everything there is to run: what a script does until it is finished.
pub fn run_to_completion<'js>(ctx: &Ctx<'js>, hooks: &Object<'js>, rejections: Rejections) -> Result<(), String> {
    run_until(ctx, hooks, rejections, || {
        !fetch::has_pending() && call_hook::<_, f64>(hooks, "nextTimerDeadline", ()).map(|d| d < 0.0).unwrap_or(true)
    })
}

fn report_rejections<'js>(hooks: &Object<'js>, rejections: Rejections) -> Result<(), String> {
    let reasons: Vec<Value> = call_hook(hooks, "takeUnhandledRejections", ()).map_err(|e| e.to_string())?;
    for reason in reasons {
        let text = format!("Uncaught (in promise) {}", describe_error(hooks, reason));
        match rejections {
            Rejections::Fatal => return Err(text),
            Rejections::Log => crate::nano::platform::log::write(crate::nano::platform::log::Level::Error, &text),
        }
    }
    Ok(())
}
