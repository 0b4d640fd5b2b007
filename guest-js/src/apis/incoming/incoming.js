// Dispatching a request to the app: `export default { fetch }` or a
// service-worker style `fetch` event listener.
import * as native from 'nano:native';
import { internalState, requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import {
  EVENT_CANCELABLE, Event, PromiseRejectionEvent, collectReportedErrors, dispatchAtTarget, globalScope, initEvent,
  reportError, stopCollectingReportedErrors,
} from '../events/events.js';
import { Request, Response, internalConstruction, makeIncomingRequest, responseParts } from '../fetch/request_response.js';
import { isClientGone } from '../fetch/body.js';
import { describeError, inspect, restoreConsoleState, saveConsoleState } from '../console/console.js';
import { defineGlobals } from '../globals/globals.js';
import { beginWarmUpTimers, endWarmUpTimers, setTimeout, timeOrigin, warmUpTimerDue } from '../timers/timers.js';
import { resetTimeline } from '../timers/performance.js';
import { requestEnv, defineEnvGlobals } from '../env/env.js';
import { URL, requestUrl } from '../url/url.js';

let moduleApp = null;
let fetchListeners = 0;
const pendingWaitUntil = new Set();
const unhandledRejections = new Map(); // promise -> reason, until a handler is attached
const NO_REJECTIONS = Object.freeze([]);

{
  // Counted so a build can tell that the app has a handler.
  const add = globalThis.addEventListener;
  globalThis.addEventListener = function addEventListener(type, listener, options) {
    if (String(type) === 'fetch' && listener != null) fetchListeners++;
    return add.apply(this, arguments);
  };
}

function waitUntil(promise) {
  native.waitUntilUsed();
  const p = Promise.resolve(promise);
  pendingWaitUntil.add(p);
  const done = () => pendingWaitUntil.delete(p);
  p.then(done, (err) => { done(); reportError(err); });
}

class ExecutionContext {
  constructor(token) { if (token !== internalConstruction) throw new TypeError('Illegal constructor'); }
  waitUntil(promise) {
    requiredArguments(arguments.length, 1, "Failed to execute 'waitUntil' on 'ExecutionContext'");
    waitUntil(promise);
  }
  passThroughOnException() {}
}

// Its state under a symbol, as Event's is (a FetchEvent is made per request
// of a service-worker style app): [the request, the promise respondWith
// was given or null, whether the platform's dispatch is over].
const fetchEventState = Symbol('fetchEventState');

class FetchEvent extends Event {
  constructor(type, init) {
    super(type, init);
    if (!init || !(init.request instanceof Request)) {
      throw new TypeError("Failed to construct 'FetchEvent': required member request is undefined.");
    }
    initFetchEvent(this, init.request);
  }
  get request() { return internalState(this, fetchEventState)[0]; }
  respondWith(response) {
    const state = internalState(this, fetchEventState);
    requiredArguments(arguments.length, 1, "Failed to execute 'respondWith' on 'FetchEvent'");
    if (state[2]) throw new DOMException("Failed to execute 'respondWith' on 'FetchEvent': The event handler is already finished.", 'InvalidStateError');
    if (state[1] !== null) throw new DOMException("Failed to execute 'respondWith' on 'FetchEvent': The event has already been responded to.", 'InvalidStateError');
    // A Response that is not thenable is kept as it is, as dispatchToApp
    // keeps a module handler's: Promise.resolve would make a promise only to
    // fulfil it with the Response (a promise and a reaction per request).
    state[1] = response instanceof Response && response.then === undefined ? response : Promise.resolve(response);
    this.preventDefault();
  }
  waitUntil(promise) {
    internalState(this, fetchEventState);
    requiredArguments(arguments.length, 1, "Failed to execute 'waitUntil' on 'FetchEvent'");
    waitUntil(promise);
  }
  passThroughOnException() {}
}
function initFetchEvent(event, request) {
  event[fetchEventState] = [request, null, false];
}
// The platform's dispatch is over: what respondWith was given (a Response,
// or a promise of one), or null.
function finishFetchEvent(event) {
  const state = event[fetchEventState];
  state[2] = true;
  return state[1];
}
defineGlobals({ FetchEvent, ExecutionContext });

// The app's response to `request`: a Response the handler returned as it
// is, anything else as a promise.
function dispatchToApp(request, env) {
  if (moduleApp !== null && typeof moduleApp.fetch === 'function') {
    let result;
    try {
      // What the constructor makes for the platform, without the call.
      result = moduleApp.fetch(request, env, { __proto__: ExecutionContext.prototype });
    } catch (err) {
      return Promise.reject(err);
    }
    // Promise.resolve would make a promise only to fulfil it with the
    // Response (about 8k instructions), unless the Response is thenable.
    return result instanceof Response && result.then === undefined ? result : Promise.resolve(result);
  }
  defineEnvGlobals();
  // What `new FetchEvent('fetch', { request, cancelable: true })` makes and
  // dispatchEvent does, without their checks of the arguments: a third of
  // what a service-worker style request cost.
  const event = { __proto__: FetchEvent.prototype };
  initEvent(event, 'fetch', EVENT_CANCELABLE);
  initFetchEvent(event, request);
  dispatchAtTarget(globalScope, event);
  const response = finishFetchEvent(event);
  return response !== null ? response : Promise.reject(new TypeError('No fetch event listener called respondWith()'));
}

// Hooks (see hooks.js): the incoming handler and the event loop.
function setModuleApp(namespace) {
  const app = namespace.default;
  if (app !== undefined && app !== null) moduleApp = app;
}
function hasFetchHandler() {
  return (moduleApp !== null && typeof moduleApp.fetch === 'function') || fetchListeners > 0;
}
// `now`: the request's start on the monotonic clock (native.now()), read by
// the caller (in Rust, without a call back into a native). Its time on the
// wall clock is only read if the app asks (performance.timeOrigin). `env`:
// a module handler's (env.js `requestEnv`, made in Rust for a request).
// `flatHeaders`: the request's [name, value, ...], or null when the host has
// them (read on first use); `hasBody`: whether it has a body to read.
function dispatchFetch(method, url, flatHeaders, hasBody, now, env) {
  requestUrl.href = url;
  requestUrl.parts = null;
  timeOrigin.value = now;
  timeOrigin.epoch = null;
  resetTimeline();
  const response = dispatchToApp(makeIncomingRequest(method, url, flatHeaders, hasBody), env);
  handlerPromise = response;
  return response;
}
// A build's warm-up request (`nano-host build --warm-up`): a GET of `url`
// (an href) through the path a request takes, its response read to its end
// and dropped; returns the status. What the app's own code keeps from it
// (module variables, a router built on the first match) is what the
// warm-up is for and goes into the snapshot. It ends as a request's
// instance does, and leaves nothing of the platform's pending: its
// waitUntil work is awaited and what it queued for right away (a message
// on a MessageChannel) is done, then its timers are dropped; console's
// counters, timers and group depth are as before. Only its own timers run:
// the top-level code's stay for requests. An error it reports (a timer's
// callback that throws, a rejected waitUntil) fails it, as its rejection
// does.
async function warmUp(url) {
  beginWarmUpTimers();
  const errors = collectReportedErrors();
  const consoleBefore = saveConsoleState();
  try {
    const response = await dispatchFetch('GET', url, ['host', new URL(url).host], false, native.now(), requestEnv());
    handlerPromise = null;
    if (!(response instanceof Response)) {
      throw new TypeError(`The fetch handler must return a Response, but it returned ${inspect(response)}`);
    }
    // A clone is read: the Response may be one of the app's, made at the
    // top level and returned to every request.
    await response.clone().arrayBuffer();
    while (pendingWaitUntil.size !== 0) await Promise.allSettled([...pendingWaitUntil]);
    for (let turn = 0; turn < 1000 && warmUpTimerDue(); turn++) await new Promise((done) => setTimeout(done, 0));
    if (errors.length !== 0) throw errors[0];
    return response.status;
  } finally {
    stopCollectingReportedErrors();
    endWarmUpTimers();
    restoreConsoleState(consoleBefore);
  }
}

// The layouts (shapes) of the objects every request makes, built once when
// the prelude is evaluated and dropped: a snapshot's build keeps them
// (engine.rs `retain_shapes`), so a request (its state, body state and
// Headers), a Response (its internals, body state and header list), the
// parts sent to the host and a URL find theirs in the snapshot, shared,
// instead of each making (allocating) its own. (Object literals with a
// `__proto__` member share their prototype's empty layout too: the
// set-proto QuickJS patch.) Platform objects only: no app code runs, no
// native that reads a request, and nothing is left of them but their
// layouts.
function primeLayouts() {
  makeIncomingRequest('GET', 'http://localhost/', null, false);
  makeIncomingRequest('POST', 'http://localhost/', ['host', 'localhost'], false).headers.get('host');
  const responses = [
    new Response('x'), new Response(null), new Response('x', { headers: { 'content-type': 'text/plain' } }),
    new Response('x', { status: 201, headers: [['content-type', 'text/plain']] }),
  ];
  for (const response of responses) responseParts(response);
  void new URL('http://localhost/').pathname;
}
primeLayouts();

// The promise dispatchFetch returned: the host reports its rejection as the
// handler's failure, so it is not an unhandled rejection. Left out when the
// rejections are taken, not when tracked: an async handler that throws
// before its first await has rejected before dispatchFetch has its promise.
// (Marking it handled with a `catch` cost a reaction job per request.)
let handlerPromise = null;
function waitUntilSettled() { return pendingWaitUntil.size === 0; }
function trackRejection(promise, reason, handled) {
  if (!handled) {
    unhandledRejections.set(promise, reason);
  } else if (!unhandledRejections.delete(promise) && reportedRejections.has(promise)) {
    // Handled after `unhandledrejection` was dispatched for it: HTML queues
    // a `rejectionhandled` task.
    reportedRejections.delete(promise);
    setTimeout(() => dispatchRejection('rejectionhandled', promise, reason), 0);
  }
}
// Rejections reported as unhandled, for a later `rejectionhandled`.
const reportedRejections = new WeakSet();
function dispatchRejection(type, promise, reason) {
  const event = new PromiseRejectionEvent(type, { cancelable: type === 'unhandledrejection', promise, reason });
  return globalScope.dispatchEvent(event);
}
// The rejections still unhandled at a microtask checkpoint: each is an
// `unhandledrejection` event at the global scope; those no listener
// cancelled go back to the event loop, which logs them (or, for a script or
// the build, fails). A rejection with the error of a response whose client
// went away (e.g. an unawaited `pipeTo` into it) is the client's doing, told
// once at INFO already: a DEBUG line, not an error of the app.
function takeUnhandledRejections() {
  if (unhandledRejections.size === 0) return NO_REJECTIONS;
  if (unhandledRejections.delete(handlerPromise) && unhandledRejections.size === 0) return NO_REJECTIONS;
  const pending = [...unhandledRejections];
  unhandledRejections.clear();
  const reasons = [];
  for (const [promise, reason] of pending) {
    reportedRejections.add(promise);
    let logged = true;
    try {
      logged = dispatchRejection('unhandledrejection', promise, reason);
    } catch (err) {
      reportError(err);
    }
    if (!logged) continue;
    if (isClientGone(reason)) native.log('debug', `Uncaught (in promise) ${describeError(reason)}`);
    else reasons.push(reason);
  }
  return reasons.length === 0 ? NO_REJECTIONS : reasons;
}

export { dispatchFetch, hasFetchHandler, setModuleApp, takeUnhandledRejections, trackRejection, waitUntilSettled, warmUp };
