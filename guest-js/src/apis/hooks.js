// The prelude's root module, and the JS functions the Rust side calls. The
// engine resolves each export by name once, when it is created (hooks.rs):
// a missing one fails `nano-host build`, not a request. Importing the
// modules below installs the globals (globals.js) and the fetch event.
export { DOMException } from './webidl/dom_exception.js';
export { describeError, describeLocatedError } from './console/console.js';
export { nextTimerDeadline, runNextTimer } from './timers/timers.js';
export { bodyData, bodyFailed, pumpToSink, sinkDrained } from './fetch/body.js';
export { responseParts } from './fetch/request_response.js';
export { fetchFailed, fetchResponded } from './fetch/fetch.js';
export { startDeferredPipes } from './streams/transform.js';
import './globals/globals.js';
export {
  dispatchFetch, hasFetchHandler, setModuleApp, takeUnhandledRejections, trackRejection, waitUntilSettled, warmUp,
} from './incoming/incoming.js';
import { instantiateBuiltins } from './globals/builtins.js';
// Last, once every global is installed.
instantiateBuiltins();
