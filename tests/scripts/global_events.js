// CustomEvent, ErrorEvent, PromiseRejectionEvent (DOM / HTML), and the
// global scope's `error`, `unhandledrejection` and `rejectionhandled` events.
test('CustomEvent, ErrorEvent and PromiseRejectionEvent', () => {
  const c = new CustomEvent('c', { detail: { a: 1 }, cancelable: true });
  assertEq(c.detail, { a: 1 });
  assert(c instanceof Event && c.cancelable);
  assertEq(new CustomEvent('c').detail, null);
  assertEq(Object.prototype.toString.call(c), '[object CustomEvent]');
  assertThrows(() => new CustomEvent(), 'TypeError');
  const e = new ErrorEvent('error', { message: 'm', filename: 'f.js', lineno: 3, colno: 4, error: 42 });
  assertEq([e.message, e.filename, e.lineno, e.colno, e.error], ['m', 'f.js', 3, 4, 42]);
  const d = new ErrorEvent('error');
  assertEq([d.message, d.filename, d.lineno, d.colno, d.error], ['', '', 0, 0, undefined]);
  const p = Promise.resolve();
  const r = new PromiseRejectionEvent('unhandledrejection', { promise: p, reason: 'why' });
  assert(r.promise === p);
  assertEq(r.reason, 'why');
  assertThrows(() => new PromiseRejectionEvent('x', {}), 'TypeError', 'promise is required');
  assertThrows(() => new PromiseRejectionEvent('x'), 'TypeError');
  for (const name of ['CustomEvent', 'ErrorEvent', 'PromiseRejectionEvent']) {
    assert(!Object.getOwnPropertyDescriptor(globalThis, name).enumerable, `${name} is not enumerable`);
  }
});

test('reportError dispatches a cancelable error event at the global scope', () => {
  const seen = [];
  const listener = (event) => {
    seen.push([event.constructor.name, event.type, event.cancelable, event.error && event.error.message, event.message]);
    event.preventDefault();
  };
  addEventListener('error', listener);
  reportError(new TypeError('boom'));
  removeEventListener('error', listener);
  assertEq(seen, [['ErrorEvent', 'error', true, 'boom', 'Uncaught TypeError: boom']]);
});

test('onerror gets (message, filename, lineno, colno, error); true cancels', () => {
  const seen = [];
  onerror = function (message, filename, lineno, colno, error) {
    seen.push([message, typeof filename, lineno > 0, colno > 0, error.message]);
    return true;
  };
  reportError(new Error('from onerror'));
  onerror = null;
  assertEq(onerror, null);
  assertEq(seen, [['Uncaught Error: from onerror', 'string', true, true, 'from onerror']]);
});

test('a throwing timer is reported as an error event', async () => {
  const caught = [];
  const listener = (event) => { caught.push(event.error); event.preventDefault(); };
  addEventListener('error', listener);
  setTimeout(() => { throw new RangeError('in a timer'); }, 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  removeEventListener('error', listener);
  assertEq(caught.length, 1);
  assertEq(caught[0].name, 'RangeError');
});

test('unhandledrejection: preventDefault keeps the script alive; rejectionhandled follows a late handler', async () => {
  const events = [];
  const onUnhandled = (event) => {
    events.push(['unhandledrejection', event.reason, event.cancelable]);
    event.preventDefault();
  };
  const onHandled = (event) => events.push(['rejectionhandled', event.reason]);
  addEventListener('unhandledrejection', onUnhandled);
  onrejectionhandled = onHandled;
  const p = Promise.reject('late');
  await new Promise((resolve) => setTimeout(resolve, 5));
  p.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 5));
  removeEventListener('unhandledrejection', onUnhandled);
  onrejectionhandled = null;
  assertEq(events, [['unhandledrejection', 'late', true], ['rejectionhandled', 'late']]);
});

test('onunhandledrejection returning false cancels', async () => {
  const reasons = [];
  onunhandledrejection = (event) => { reasons.push(event.reason); return false; };
  Promise.reject(7);
  await new Promise((resolve) => setTimeout(resolve, 5));
  onunhandledrejection = null;
  assertEq(reasons, [7]);
});
