// Event and EventTarget (DOM Standard), without a tree: every dispatch is at
// the target itself.
import * as native from 'nano:native';
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { appFrame, describeError } from '../console/console.js';
import { setTimeout, timeOrigin } from '../timers/timers.js';

class Event {
  #type; #bubbles; #cancelable; #composed; #defaultPrevented = false; #timeStamp;
  #target = null; #currentTarget = null; #stop = false; #stopImmediate = false; #dispatching = false;
  #inPassive = false;
  // No default parameter (see Headers); `length` is set below.
  constructor(type, init) {
    requiredArguments(arguments.length, 1, "Failed to construct 'Event'");
    this.#type = String(type);
    const o = init == null ? { __proto__: null } : init;
    this.#bubbles = !!o.bubbles;
    this.#cancelable = !!o.cancelable;
    this.#composed = !!o.composed;
    this.#timeStamp = native.now() - timeOrigin.value;
    Object.defineProperty(this, 'isTrusted', IS_TRUSTED);
  }
  get type() { return this.#type; }
  get target() { return this.#target; }
  get srcElement() { return this.#target; }
  get currentTarget() { return this.#currentTarget; }
  get eventPhase() { return this.#dispatching ? Event.AT_TARGET : Event.NONE; }
  get bubbles() { return this.#bubbles; }
  get cancelable() { return this.#cancelable; }
  get composed() { return this.#composed; }
  get defaultPrevented() { return this.#defaultPrevented; }
  get returnValue() { return !this.#defaultPrevented; }
  set returnValue(v) { if (!v) this.preventDefault(); }
  get cancelBubble() { return this.#stop; }
  set cancelBubble(v) { if (v) this.#stop = true; }
  get timeStamp() { return this.#timeStamp; }
  composedPath() { return this.#dispatching && this.#currentTarget ? [this.#currentTarget] : []; }
  preventDefault() { if (this.#cancelable && !this.#inPassive) this.#defaultPrevented = true; }
  stopPropagation() { this.#stop = true; }
  stopImmediatePropagation() { this.#stop = true; this.#stopImmediate = true; }
  static _dispatch(event, target, listeners) {
    if (event.#dispatching) throw new DOMException('The event is already being dispatched.', 'InvalidStateError');
    event.#dispatching = true;
    event.#target = target;
    event.#currentTarget = target;
    try {
      // Indexed: a for-of runs the array iterator (costly in QuickJS).
      for (let i = 0; i < listeners.length; i++) {
        const l = listeners[i];
        if (l.removed) continue;
        if (event.#stopImmediate) break;
        if (l.once) l.remove();
        event.#inPassive = !!l.passive;
        try {
          const cb = l.callback;
          if (typeof cb === 'function') cb.call(target, event);
          else if (cb && typeof cb.handleEvent === 'function') cb.handleEvent(event);
        } catch (err) {
          reportError(err);
        }
        event.#inPassive = false;
      }
    } finally {
      event.#dispatching = false;
      event.#currentTarget = null;
      event.#stop = false;
      event.#stopImmediate = false;
    }
    return !event.#defaultPrevented;
  }
}
function isTrustedGetter() { return false; }
// [LegacyUnforgeable]: an own accessor of every event, defined from one
// descriptor (not a new object per event).
const IS_TRUSTED = Object.freeze({ __proto__: null, get: isTrustedGetter, enumerable: true });
for (const [name, value] of [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2], ['BUBBLING_PHASE', 3]]) {
  Object.defineProperty(Event, name, { value, enumerable: true });
  Object.defineProperty(Event.prototype, name, { value, enumerable: true });
}
const dispatchToListeners = Event._dispatch;
delete Event._dispatch;
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
    const list = this.#listeners.get(event.type);
    return dispatchToListeners(event, this, list ? list.slice() : []);
  }
}

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
  AbortController, AbortSignal, CustomEvent, ErrorEvent, Event, EventTarget, PromiseRejectionEvent, addAbortAlgorithm, globalScope,
  collectReportedErrors, reportError, signalAbortedGetter, signalReasonGetter, stopCollectingReportedErrors,
};
