// Event and EventTarget (DOM Standard), without a tree: every dispatch is at
// the target itself.
import * as native from 'nano:native';
import { internalState, requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { appFrame, describeError } from '../console/console.js';
import { setTimeout, timeOrigin } from '../timers/timers.js';

// An event's state is kept under symbols, as a URL's is, not in private
// fields: a class's fields run as an initializer call of its own and add a
// property each in every construction (≈ 18k wasm instructions of Event's
// twelve, half of what `new Event()` cost), and a service-worker style app
// makes a FetchEvent per request. What changes (the flags, the bits of one
// number, and the target the first dispatch sets) is in an array of its
// own, so that a frozen event still works, as one with private fields
// does. A getter or method called on anything but an Event throws a
// TypeError (webidl.js `internalState`).
const eventType = Symbol('eventType');
const eventTimeStamp = Symbol('eventTimeStamp');
const eventState = Symbol('eventState'); // [flags, target or null]
const BUBBLES = 1, CANCELABLE = 2, COMPOSED = 4, CANCELED = 8, STOP = 16, STOP_IMMEDIATE = 32, DISPATCHING = 64,
  IN_PASSIVE = 128;

// Event's construction steps, also for an event the platform makes without
// the constructor's checks (`{ __proto__: FetchEvent.prototype }`).
function initEvent(event, type, flags) {
  event[eventType] = type;
  event[eventTimeStamp] = native.now() - timeOrigin.value;
  event[eventState] = [flags, null];
  Object.defineProperty(event, 'isTrusted', IS_TRUSTED);
}

class Event {
  // No default parameter (see Headers); `length` is set below.
  constructor(type, init) {
    requiredArguments(arguments.length, 1, "Failed to construct 'Event'");
    // EventInit's members, read in their (lexicographic) order.
    let flags = 0;
    if (init !== undefined && init !== null) {
      if (init.bubbles) flags |= BUBBLES;
      if (init.cancelable) flags |= CANCELABLE;
      if (init.composed) flags |= COMPOSED;
    }
    initEvent(this, typeof type === 'string' ? type : `${type}`, flags);
  }
  get type() { internalState(this, eventState); return this[eventType]; }
  get target() { return internalState(this, eventState)[1]; }
  get srcElement() { return internalState(this, eventState)[1]; }
  get currentTarget() { const state = internalState(this, eventState); return (state[0] & DISPATCHING) !== 0 ? state[1] : null; }
  get eventPhase() { return (internalState(this, eventState)[0] & DISPATCHING) !== 0 ? Event.AT_TARGET : Event.NONE; }
  get bubbles() { return (internalState(this, eventState)[0] & BUBBLES) !== 0; }
  get cancelable() { return (internalState(this, eventState)[0] & CANCELABLE) !== 0; }
  get composed() { return (internalState(this, eventState)[0] & COMPOSED) !== 0; }
  get defaultPrevented() { return (internalState(this, eventState)[0] & CANCELED) !== 0; }
  get returnValue() { return (internalState(this, eventState)[0] & CANCELED) === 0; }
  set returnValue(v) { if (!v) this.preventDefault(); }
  get cancelBubble() { return (internalState(this, eventState)[0] & STOP) !== 0; }
  set cancelBubble(v) { const state = internalState(this, eventState); if (v) state[0] |= STOP; }
  get timeStamp() { internalState(this, eventState); return this[eventTimeStamp]; }
  composedPath() { const state = internalState(this, eventState); return (state[0] & DISPATCHING) !== 0 ? [state[1]] : []; }
  preventDefault() {
    const state = internalState(this, eventState);
    if ((state[0] & (CANCELABLE | IN_PASSIVE)) === CANCELABLE) state[0] |= CANCELED;
  }
  stopPropagation() { internalState(this, eventState)[0] |= STOP; }
  stopImmediatePropagation() { internalState(this, eventState)[0] |= STOP | STOP_IMMEDIATE; }
}

function dispatchToListeners(event, target, listeners) {
  const state = internalState(event, eventState);
  if ((state[0] & DISPATCHING) !== 0) throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
  state[0] |= DISPATCHING;
  state[1] = target;
  try {
    // Indexed: a for-of runs the array iterator (costly in QuickJS).
    for (let i = 0; i < listeners.length; i++) {
      const l = listeners[i];
      if (l.removed) continue;
      if ((state[0] & STOP_IMMEDIATE) !== 0) break;
      if (l.once) l.remove();
      if (l.passive) state[0] |= IN_PASSIVE;
      try {
        const cb = l.callback;
        if (typeof cb === 'function') cb.call(target, event);
        else if (cb && typeof cb.handleEvent === 'function') cb.handleEvent(event);
      } catch (err) {
        reportError(err);
      }
      state[0] &= ~IN_PASSIVE;
    }
  } finally {
    state[0] &= ~(DISPATCHING | STOP | STOP_IMMEDIATE);
  }
  return (state[0] & CANCELED) === 0;
}
function isTrustedGetter() { return false; }
// [LegacyUnforgeable]: an own accessor of every event, defined from one
// descriptor (not a new object per event).
const IS_TRUSTED = Object.freeze({ __proto__: null, get: isTrustedGetter, enumerable: true });
for (const [name, value] of [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2], ['BUBBLING_PHASE', 3]]) {
  Object.defineProperty(Event, name, { value, enumerable: true });
  Object.defineProperty(Event.prototype, name, { value, enumerable: true });
}
Object.defineProperty(Event, 'length', { value: 1 });

class EventTarget {
  #listeners = new Map(); // type -> array of listener records
  addEventListener(type, callback, options = undefined) {
    requiredArguments(arguments.length, 2, "Failed to execute 'addEventListener' on 'EventTarget'");
    if (callback == null) return;
    const o = typeof options === 'object' && options !== null ? options : { capture: !!options };
    const capture = !!o.capture;
    type = String(type);
    const signal = o.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
    }
    if (signal && signal.aborted) return;
    let list = this.#listeners.get(type);
    if (!list) this.#listeners.set(type, list = []);
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    const record = {
      callback, capture, once: !!o.once, passive: !!o.passive, removed: false,
      remove: () => {
        record.removed = true;
        const current = this.#listeners.get(type);
        if (current) {
          const i = current.indexOf(record);
          if (i >= 0) current.splice(i, 1);
        }
      },
    };
    list.push(record);
    if (signal) signal.addEventListener('abort', () => record.remove());
  }
  removeEventListener(type, callback, options = undefined) {
    requiredArguments(arguments.length, 2, "Failed to execute 'removeEventListener' on 'EventTarget'");
    const capture = typeof options === 'object' && options !== null ? !!options.capture : !!options;
    const list = this.#listeners.get(String(type));
    if (!list) return;
    const record = list.find((l) => l.callback === callback && l.capture === capture);
    if (record) record.remove();
  }
  dispatchEvent(event) {
    requiredArguments(arguments.length, 1, "Failed to execute 'dispatchEvent' on 'EventTarget'");
    if (!(event instanceof Event)) {
      throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    }
    return dispatchAtTarget(this, event);
  }
  static _dispatch(target, event) {
    const list = target.#listeners.get(event[eventType]);
    return dispatchToListeners(event, target, list ? list.slice() : []);
  }
}
// dispatchEvent's steps without its argument checks: for the events the
// platform dispatches.
const dispatchAtTarget = EventTarget._dispatch;
delete EventTarget._dispatch;

// `reportError` and the global `error` event's fallback: log the error.
// CustomEvent (DOM Standard).
class CustomEvent extends Event {
  #detail;
  constructor(type, init = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'CustomEvent'");
    super(type, init);
    this.#detail = init == null || init.detail === undefined ? null : init.detail;
  }
  get detail() { return this.#detail; }
  initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
    requiredArguments(arguments.length, 1, "Failed to execute 'initCustomEvent' on 'CustomEvent'");
    // Only before dispatch, and it cannot re-initialise the Event's own
    // members here: the type and flags were fixed by the constructor.
    this.#detail = detail;
  }
}

// ErrorEvent (HTML): what the global scope dispatches for an uncaught
// exception (reportError, a throwing timer or listener).
class ErrorEvent extends Event {
  #message; #filename; #lineno; #colno; #error;
  constructor(type, init = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'ErrorEvent'");
    super(type, init);
    const o = init == null ? { __proto__: null } : init;
    this.#message = o.message === undefined ? '' : String(o.message);
    this.#filename = o.filename === undefined ? '' : String(o.filename);
    this.#lineno = o.lineno === undefined ? 0 : o.lineno >>> 0;
    this.#colno = o.colno === undefined ? 0 : o.colno >>> 0;
    this.#error = o.error;
  }
  get message() { return this.#message; }
  get filename() { return this.#filename; }
  get lineno() { return this.#lineno; }
  get colno() { return this.#colno; }
  get error() { return this.#error; }
}

// PromiseRejectionEvent (HTML): `unhandledrejection` / `rejectionhandled`.
class PromiseRejectionEvent extends Event {
  #promise; #reason;
  constructor(type, init) {
    requiredArguments(arguments.length, 2, "Failed to construct 'PromiseRejectionEvent'");
    if (init == null || typeof init !== 'object' || init.promise === undefined) {
      throw new TypeError("Failed to construct 'PromiseRejectionEvent': required member promise is undefined.");
    }
    super(type, init);
    this.#promise = init.promise;
    this.#reason = init.reason;
  }
  get promise() { return this.#promise; }
  get reason() { return this.#reason; }
}

for (const cls of [CustomEvent, ErrorEvent, PromiseRejectionEvent]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

// The global scope as an EventTarget: `addEventListener('fetch' | 'error' |
// 'unhandledrejection' | ...)` on globalThis lands here (globals.js).
const globalScope = new EventTarget();

// While a build's warm-up request runs (incoming.js `warmUp`): the errors
// reported and not cancelled, each of which fails the build.
let reportedErrors = null;
function collectReportedErrors() {
  reportedErrors = [];
  return reportedErrors;
}
function stopCollectingReportedErrors() { reportedErrors = null; }

let reporting = false;
// "Report an exception" (HTML): an `error` event at the global scope; unless
// a listener cancels it (preventDefault, or an onerror handler returning
// true), it is logged. An error thrown while reporting is only logged.
function reportError(err) {
  if (!reporting) {
    reporting = true;
    try {
      const message = err instanceof Error ? `Uncaught ${err.name}: ${err.message}` : `Uncaught ${String(err)}`;
      const event = new ErrorEvent('error', { cancelable: true, message, error: err, ...(appFrame(err) ?? {}) });
      if (!globalScope.dispatchEvent(event)) return;
    } catch {
      // A broken error value (e.g. a throwing toString): logged below.
    } finally {
      reporting = false;
    }
  }
  if (reportedErrors !== null) reportedErrors.push(err);
  native.log('error', 'Uncaught ' + describeError(err));
}

// AbortController and AbortSignal (DOM Standard), incl. timeout() and any().
const abortSignalToken = Symbol('AbortSignal');

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #onabort = null;
  #algorithms = [];
  #dependents = [];
  #sources = null; // set on signals made by any(): the signals they follow
  constructor(token) {
    if (token !== abortSignalToken) throw new TypeError('Illegal constructor');
    super();
  }
  get aborted() { return this.#aborted; }
  get reason() { return this.#reason; }
  throwIfAborted() { if (this.#aborted) throw this.#reason; }
  get onabort() { return this.#onabort; }
  set onabort(fn) {
    if (this.#onabort) this.removeEventListener('abort', this.#onabort);
    this.#onabort = typeof fn === 'function' ? fn : null;
    if (this.#onabort) this.addEventListener('abort', this.#onabort);
  }
  static abort(reason = undefined) {
    const signal = new AbortSignal(abortSignalToken);
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException('signal is aborted without reason', 'AbortError') : reason;
    return signal;
  }
  static timeout(ms) {
    requiredArguments(arguments.length, 1, "Failed to execute 'timeout' on 'AbortSignal'");
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0 || delay > Number.MAX_SAFE_INTEGER) {
      throw new TypeError(`Failed to execute 'timeout' on 'AbortSignal': ${ms} is outside the range of an unsigned long long`);
    }
    const signal = new AbortSignal(abortSignalToken);
    setTimeout(() => signal.#signalAbort(new DOMException('signal timed out', 'TimeoutError')), delay);
    return signal;
  }
  static any(signals) {
    requiredArguments(arguments.length, 1, "Failed to execute 'any' on 'AbortSignal'");
    const list = [...signals];
    for (const s of list) {
      if (!(s instanceof AbortSignal)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': member is not of type AbortSignal.");
    }
    const result = new AbortSignal(abortSignalToken);
    for (const s of list) {
      if (s.#aborted) {
        result.#aborted = true;
        result.#reason = s.#reason;
        return result;
      }
    }
    // A dependent signal follows the sources of the signals it was made from.
    result.#sources = [];
    for (const s of list) {
      for (const source of s.#sources || [s]) {
        if (!result.#sources.includes(source)) {
          result.#sources.push(source);
          source.#dependents.push(result);
        }
      }
    }
    return result;
  }
  // Runs the abort steps: reason, algorithms (e.g. a pending fetch), the
  // `abort` event, then signals made by any() from this one.
  #signalAbort(reason) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('signal is aborted without reason', 'AbortError') : reason;
    const dependents = this.#dependents.filter((d) => !d.#aborted);
    for (const d of dependents) { d.#aborted = true; d.#reason = this.#reason; }
    for (const algorithm of this.#algorithms.splice(0)) algorithm(this.#reason);
    this.dispatchEvent(new Event('abort'));
    for (const d of dependents) {
      for (const algorithm of d.#algorithms.splice(0)) algorithm(d.#reason);
      d.dispatchEvent(new Event('abort'));
    }
  }
  static _signalAbort(signal, reason) { signal.#signalAbort(reason); }
  static _addAlgorithm(signal, fn) { signal.#algorithms.push(fn); }
}
const signalAbort = AbortSignal._signalAbort;
const addAbortAlgorithm = AbortSignal._addAlgorithm;
delete AbortSignal._signalAbort;
delete AbortSignal._addAlgorithm;

// Captured for pipeTo (streams/pipe.js), before user code can patch the prototype.
const signalAbortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get;
const signalReasonGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason').get;

class AbortController {
  #signal = new AbortSignal(abortSignalToken);
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
}

export {
  AbortController, AbortSignal, CANCELABLE as EVENT_CANCELABLE, CustomEvent, ErrorEvent, Event, EventTarget, PromiseRejectionEvent,
  addAbortAlgorithm, dispatchAtTarget, globalScope, initEvent,
  collectReportedErrors, reportError, signalAbortedGetter, signalReasonGetter, stopCollectingReportedErrors,
};
