//! The event loop of an instance: microtasks, timers, fetches, unhandled
//! rejections. It blocks in `wasi:io/poll` (on a monotonic-clock pollable and
//! the pollables of requests and bodies in flight) only when nothing else can
//! run, so waiting costs no CPU.

use crate::apis::fetch::{self, bodies};
use crate::apis::timers::now_ms;
use crate::hooks::Hooks;
use crate::wasi::clocks::monotonic_clock;
use crate::wasi::io::poll::{poll, Pollable};
use rquickjs::{Ctx, Value};

/// What the loop does with a rejection nobody handled.
#[derive(Clone, Copy, PartialEq)]
pub enum Rejections {
    /// Scripts (`exec`): the first one ends the run with an error.
    Fatal,
    /// The app's top-level code at build time: as `Fatal`, located at the
    /// app's innermost frame like any other build error.
    Build,
    /// Requests: logged as errors with the stack, the request goes on.
    Log,
}

thread_local! {
    /// Whether a promise was rejected without a handler since the JS side's
    /// list was last taken: most loop turns have none, and are then spared
    /// a call into JS.
    static MAYBE_UNHANDLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

thread_local! {
    /// Whether a pipe was deferred (streams/transform.js `deferPipe`) since
    /// the loop last started those that wait.
    static DEFERRED_PIPES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A pipe waits for its transform's readable side (`pipeDeferred` native).
pub fn pipe_deferred() {
    DEFERRED_PIPES.set(true);
}

/// Called by QuickJS whenever a promise is rejected without a handler, or a
/// handler is attached to an already rejected promise.
/// Before the hooks exist (the prelude's own evaluation), a failure is
/// reported through the prelude's evaluation promise instead.
pub fn track_rejection<'js>(ctx: Ctx<'js>, promise: Value<'js>, reason: Value<'js>, handled: bool) {
    if !handled {
        MAYBE_UNHANDLED.set(true);
    }
    if let Some(hooks) = crate::engine::try_hooks(&ctx) {
        let _ = hooks.track_rejection.call::<_, ()>((promise, reason, handled));
    }
}

/// Runs jobs, timers and fetches until `done` holds. Err when an unhandled
/// rejection is fatal, or when nothing is left that could make `done` true.
pub fn run_until<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    rejections: Rejections,
    mut done: impl FnMut() -> bool,
) -> Result<(), String> {
    loop {
        while ctx.execute_pending_job() {}
        report_rejections(hooks, rejections)?;
        if done() {
            return Ok(());
        }
        // Before waiting on the host: pipes that wait for a reader nobody
        // claimed start (they may settle, e.g. from an empty body).
        if DEFERRED_PIPES.replace(false) {
            hooks.start_deferred_pipes.call::<_, ()>(()).map_err(|e| e.to_string())?;
            continue;
        }
        let deadline: f64 = hooks.next_timer_deadline.call(()).map_err(|e| e.to_string())?;
        // Everything that can wake the loop up, with who it belongs to.
        let mut waiters: Vec<(Waiter, Pollable)> =
            fetch::pollables().into_iter().map(|(id, p)| (Waiter::Fetch(id), p)).collect();
        waiters.extend(bodies::pollables().into_iter().map(|(id, p)| (Waiter::Body(id), p)));
        if deadline < 0.0 && waiters.is_empty() {
            return Err("the event loop is empty but the work never finished (a promise that is never settled?)".into());
        }
        // Sleep in the host until a timer is due or a request or body moves on.
        if deadline >= 0.0 {
            let wait = (deadline - now_ms()).max(0.0);
            waiters.push((Waiter::Timer, monotonic_clock::subscribe_duration((wait * 1e6).ceil() as u64)));
        }
        let ready: Vec<Waiter> = {
            let pollables: Vec<&Pollable> = waiters.iter().map(|(_, p)| p).collect();
            poll(&pollables).into_iter().map(|i| waiters[i as usize].0).collect()
        };
        // Pollables are children of requests and streams: drop them before
        // a finished one is dropped.
        drop(waiters);
        for waiter in ready {
            match waiter {
                Waiter::Fetch(id) => deliver_fetch(hooks, id)?,
                Waiter::Body(id) => deliver_body(ctx, hooks, id)?,
                Waiter::Timer => hooks.run_next_timer.call::<_, ()>((now_ms(),)).map_err(|e| e.to_string())?,
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Waiter {
    Fetch(u32),
    Body(u32),
    Timer,
}

fn deliver_fetch(hooks: &Hooks<'_>, id: u32) -> Result<(), String> {
    let result = match fetch::advance(id) {
        None => return Ok(()),
        Some(fetch::Outcome::Response { status, headers, body }) => {
            hooks.fetch_responded.call::<_, ()>((id, status, headers, body))
        }
        Some(fetch::Outcome::Failed(message)) => hooks.fetch_failed.call::<_, ()>((id, message)),
    };
    result.map_err(|e| e.to_string())
}

fn deliver_body<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, id: u32) -> Result<(), String> {
    let result = match bodies::advance(id) {
        None => return Ok(()),
        Some(bodies::Event::Data(chunk)) => {
            let chunk = match chunk {
                Some(bytes) => bodies::chunk_value(ctx, bytes).map_err(|e| e.to_string())?,
                None => Value::new_null(ctx.clone()),
            };
            hooks.body_data.call::<_, ()>((id, chunk))
        }
        Some(bodies::Event::Drained) => hooks.sink_drained.call::<_, ()>((id,)),
        Some(bodies::Event::Failed(message)) => hooks.body_failed.call::<_, ()>((id, message)),
    };
    result.map_err(|e| e.to_string())
}

/// Runs everything there is to run: what a script does until it is finished.
pub fn run_to_completion<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, rejections: Rejections) -> Result<(), String> {
    run_until(ctx, hooks, rejections, || {
        !fetch::has_pending()
            && !bodies::has_pending()
            && hooks.next_timer_deadline.call::<_, f64>(()).map(|d| d < 0.0).unwrap_or(true)
    })
}

fn report_rejections<'js>(hooks: &Hooks<'js>, rejections: Rejections) -> Result<(), String> {
    if !MAYBE_UNHANDLED.replace(false) {
        return Ok(());
    }
    let reasons: Vec<Value> = hooks.take_unhandled_rejections.call(()).map_err(|e| e.to_string())?;
    for reason in reasons {
        let described = match rejections {
            Rejections::Build => hooks
                .describe_located_error
                .call::<_, String>((reason,))
                .unwrap_or_else(|_| "uncaught exception (could not be formatted)".into()),
            _ => hooks.describe_error(reason),
        };
        let text = format!("Uncaught (in promise) {described}");
        match rejections {
            Rejections::Fatal | Rejections::Build => return Err(text),
            Rejections::Log => {
                crate::nano::platform::console::write(crate::nano::platform::console::Level::Error, &text)
            }
        }
    }
    Ok(())
}
