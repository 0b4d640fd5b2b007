// Event, EventTarget, AbortController, AbortSignal, per the DOM Standard.
test('EventTarget dispatch, once, handleEvent, removal', () => {
  const t = new EventTarget();
  const calls = [];
  const listener = (e) => calls.push(['fn', e.type, e.target === t, e.currentTarget === t]);
  t.addEventListener('x', listener);
  t.addEventListener('x', listener); // duplicates are ignored
  t.addEventListener('x', { handleEvent(e) { calls.push(['obj', this !== undefined]); } });
  t.addEventListener('x', () => calls.push(['once']), { once: true });
  assert(t.dispatchEvent(new Event('x')));
  t.dispatchEvent(new Event('x'));
  assertEq(calls, [['fn', 'x', true, true], ['obj', true], ['once'], ['fn', 'x', true, true], ['obj', true]]);
  t.removeEventListener('x', listener);
  calls.length = 0;
  t.dispatchEvent(new Event('x'));
  assertEq(calls, [['obj', true]]);
});

test('preventDefault, stopImmediatePropagation, errors in listeners', () => {
  const t = new EventTarget();
  const seen = [];
  t.addEventListener('c', (e) => { e.preventDefault(); seen.push(1); e.stopImmediatePropagation(); });
  t.addEventListener('c', () => seen.push(2));
  assertEq(t.dispatchEvent(new Event('c', { cancelable: true })), false);
  assertEq(t.dispatchEvent(new Event('c')), true, 'not cancelable');
  assertEq(seen, [1, 1]);
  const e = new Event('p', { bubbles: true });
  assert(e.bubbles && !e.cancelable && !e.defaultPrevented);
  assertEq(e.eventPhase, Event.NONE);
  assertEq(e.isTrusted, false);
  assert(typeof e.timeStamp === 'number');
  const u = new EventTarget();
  const after = [];
  u.addEventListener('e', () => { throw new Error('listener error is reported, not thrown'); });
  u.addEventListener('e', () => after.push('ran'));
  u.dispatchEvent(new Event('e'));
  assertEq(after, ['ran']);
  assertThrows(() => new Event(), 'TypeError');
  assertThrows(() => t.dispatchEvent({ type: 'fake' }), 'TypeError');
});

test("an event's state: flags, the dispatch's steps, and only an Event's", () => {
  const t = new EventTarget();
  const e = new Event('s', { cancelable: true, composed: true });
  const inside = [];
  t.addEventListener('s', (ev) => {
    inside.push(ev.eventPhase, ev.currentTarget === t, ev.target === t, ev.composedPath().length);
    ev.stopPropagation();
    inside.push(ev.cancelBubble);
  });
  t.addEventListener('s', (ev) => { ev.preventDefault(); inside.push('passive', ev.defaultPrevented); }, { passive: true });
  assertEq(t.dispatchEvent(e), true, 'a passive listener cannot cancel');
  assertEq(inside, [Event.AT_TARGET, true, true, 1, true, 'passive', false]);
  // After the dispatch: the target stays, the rest is reset.
  assertEq([e.eventPhase, e.currentTarget, e.target === t, e.composedPath().length, e.cancelBubble], [0, null, true, 0, false]);
  assert(e.composed && e.cancelable && !e.bubbles);
  e.returnValue = false;
  assertEq([e.defaultPrevented, e.returnValue], [true, false]);
  assertEq(Object.getOwnPropertyNames(e), ['isTrusted']);
  assertEq(Object.keys(e), ['isTrusted']);
  assertEq(new Event(undefined).type, 'undefined');
  assertEq(new Event({ toString() { return 'obj'; } }).type, 'obj');
  assertThrows(() => new Event(Symbol('s')), 'TypeError');
  // Getters, methods and dispatch refuse what is not an Event.
  for (const name of ['type', 'target', 'currentTarget', 'eventPhase', 'bubbles', 'cancelable', 'defaultPrevented', 'timeStamp']) {
    assertThrows(() => Object.getOwnPropertyDescriptor(Event.prototype, name).get.call({}), 'TypeError', name);
  }
  assertThrows(() => Event.prototype.preventDefault.call({}), 'TypeError');
  assertThrows(() => Event.prototype.stopPropagation.call(Object.create(Event.prototype)), 'TypeError');
  assertThrows(() => t.dispatchEvent(Object.create(Event.prototype)), 'TypeError');
  // A frozen event's state is still the event's own to change.
  const frozen = Object.freeze(new Event('f', { cancelable: true }));
  t.addEventListener('f', (ev) => ev.preventDefault());
  assertEq(t.dispatchEvent(frozen), false);
  assertEq([frozen.defaultPrevented, frozen.target === t], [true, true]);
  // A dispatch inside a dispatch of the same event.
  const u = new EventTarget();
  const nested = new Event('n');
  let thrown = null;
  u.addEventListener('n', () => { try { u.dispatchEvent(nested); } catch (err) { thrown = err.name; } });
  u.dispatchEvent(nested);
  assertEq(thrown, 'InvalidStateError');
});

test('listener removal through a signal', () => {
  const t = new EventTarget();
  const c = new AbortController();
  let n = 0;
  t.addEventListener('x', () => n++, { signal: c.signal });
  t.dispatchEvent(new Event('x'));
  c.abort();
  t.dispatchEvent(new Event('x'));
  assertEq(n, 1);
});

test('AbortController and AbortSignal', () => {
  const c = new AbortController();
  const s = c.signal;
  assert(!s.aborted);
  assertEq(s.reason, undefined);
  let events = 0;
  s.onabort = (e) => { events++; assertEq(e.type, 'abort'); };
  s.addEventListener('abort', () => events++);
  c.abort();
  assert(s.aborted);
  assert(s.reason instanceof DOMException);
  assertEq(s.reason.name, 'AbortError');
  c.abort('again');
  assertEq(events, 2, 'abort fires once');
  assertThrows(() => s.throwIfAborted(), 'AbortError');
  const custom = new AbortController();
  custom.abort(new RangeError('why'));
  assertEq(custom.signal.reason.name, 'RangeError');
  assertEq(AbortSignal.abort().reason.name, 'AbortError');
  assertEq(AbortSignal.abort(42).reason, 42);
  assertThrows(() => new AbortSignal(), 'TypeError');
});

test('AbortSignal.any', () => {
  const a = new AbortController();
  const b = new AbortController();
  const any = AbortSignal.any([a.signal, b.signal]);
  let fired = 0;
  any.addEventListener('abort', () => fired++);
  b.abort('b first');
  a.abort('a second');
  assert(any.aborted);
  assertEq(any.reason, 'b first');
  assertEq(fired, 1);
  assertEq(AbortSignal.any([AbortSignal.abort('pre')]).reason, 'pre');
  assert(!AbortSignal.any([]).aborted);
});

test('AbortSignal.timeout rejects with TimeoutError after the delay', async () => {
  const started = performance.now();
  const s = AbortSignal.timeout(30);
  assert(!s.aborted);
  await new Promise((resolve) => s.addEventListener('abort', resolve));
  assert(performance.now() - started >= 29, 'fired too early');
  assertEq(s.reason.name, 'TimeoutError');
  assertEq(s.reason.code, DOMException.TIMEOUT_ERR);
  assertThrows(() => AbortSignal.timeout(-1), 'TypeError');
});
