// setTimeout / setInterval / queueMicrotask on the host's monotonic clock.
// The Rust event loop asks for the next deadline, sleeps in the host until
// then, and runs due timers one task at a time (microtasks drain in between).
// The time origin of performance.now() and Event.timeStamp: the start of
// the request (reset by incoming.js), or of the script.
import * as native from 'nano:native';
import { requiredArguments } from '../webidl/webidl.js';
import { reportError } from '../events/events.js';

const timeOrigin = { value: native.now(), epoch: Date.now() };
const timers = new Map(); // id -> { due, delay, handler, args, repeat }
let nextTimerId = 1;

function timerHandler(handler) {
  if (typeof handler === 'function') return handler;
  const code = String(handler);
  return () => (0, eval)(code);
}

// The timeout is a WebIDL `long`: ToNumber (a BigInt or Symbol throws),
// then modulo 2^32 into the signed range, so 2^32 is 0 and 2^31 is negative;
// HTML then makes a negative timeout 0.
function timerDelay(timeout) {
  const ms = +timeout | 0;
  return ms > 0 ? ms : 0;
}

function setTimeout(handler, timeout = 0, ...args) {
  const id = nextTimerId++;
  const delay = timerDelay(timeout);
  timers.set(id, { due: native.now() + delay, delay, handler: timerHandler(handler), args, repeat: false });
  return id;
}

function setInterval(handler, timeout = 0, ...args) {
  const id = nextTimerId++;
  const delay = timerDelay(timeout);
  timers.set(id, { due: native.now() + delay, delay, handler: timerHandler(handler), args, repeat: true });
  return id;
}

function clearTimeout(id = 0) { timers.delete(+id | 0); } // a WebIDL `long` too
const clearInterval = clearTimeout;

function queueMicrotask(callback) {
  requiredArguments(arguments.length, 1, "Failed to execute 'queueMicrotask'");
  if (typeof callback !== 'function') {
    throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  }
  Promise.resolve().then(() => {
    try { callback(); } catch (err) { reportError(err); }
  });
}

function earliestTimer() {
  // Asked on every turn of the event loop: most have no timer, and a for-of
  // makes an iterator even over an empty map.
  if (timers.size === 0) return null;
  let best = null;
  let bestId = 0;
  for (const [id, t] of timers) {
    if (id < warmUpFirstTimer) continue;
    if (best === null || t.due < best.due) { best = t; bestId = id; }
  }
  return best === null ? null : [bestId, best];
}

// Hooks (see hooks.js): the event loop runs due timers.
function nextTimerDeadline() {
  const e = earliestTimer();
  return e === null ? -1 : e[1].due;
}
function runNextTimer(now) {
  const e = earliestTimer();
  if (e === null || e[1].due > now) return;
  const [id, t] = e;
  if (t.repeat) t.due = now + Math.max(t.delay, 1);
  else timers.delete(id);
  try {
    t.handler.apply(globalThis, t.args);
  } catch (err) {
    reportError(err);
  }
}

// A build's warm-up request (incoming.js `warmUp`) runs only its own
// timers: those the top-level code left stay as they are, for requests.
// It ends as a request's instance does: what it left pending never fires.
// Ids only grow, so the warm-up's are those from `warmUpFirstTimer` on
// (0 when no warm-up runs).
let warmUpFirstTimer = 0;
function beginWarmUpTimers() { warmUpFirstTimer = nextTimerId; }
// Whether one of the warm-up's timers is due (work it queued for right away).
function warmUpTimerDue() {
  const now = native.now();
  for (const [id, t] of timers) if (id >= warmUpFirstTimer && t.due <= now) return true;
  return false;
}
function endWarmUpTimers() {
  for (const id of [...timers.keys()]) if (id >= warmUpFirstTimer) timers.delete(id);
  warmUpFirstTimer = 0;
}

export {
  beginWarmUpTimers, clearInterval, clearTimeout, endWarmUpTimers, nextTimerDeadline, queueMicrotask, runNextTimer,
  setInterval, setTimeout, timeOrigin, warmUpTimerDue,
};
