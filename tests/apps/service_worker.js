// Service-worker style app with an async respondWith. The event the
// platform made, and what respondWith allows, go back in `x-event`. The
// event is frozen: its state is the platform's, not properties.
addEventListener('fetch', (event) => {
  Object.freeze(event);
  const facts = {
    classes: event instanceof FetchEvent && event instanceof Event,
    type: event.type,
    cancelable: event.cancelable,
    bubbles: event.bubbles,
    isTrusted: event.isTrusted,
    own: Object.getOwnPropertyNames(event),
    phase: event.eventPhase,
    timeStamp: typeof event.timeStamp === 'number' && event.timeStamp >= 0,
    preventedBefore: event.defaultPrevented,
  };
  const error = (f) => { try { f(); return 'none'; } catch (e) { return e.name; } };
  facts.notAnEvent = error(() => FetchEvent.prototype.respondWith.call({}, null));
  event.respondWith((async () => {
    await null;
    facts.phaseAfter = event.eventPhase;
    facts.preventedAfter = event.defaultPrevented;
    facts.afterDispatch = error(() => event.respondWith(null));
    return new Response(`sw ${event.request.method}`, {
      status: 201,
      headers: { 'x-style': 'service-worker', 'x-event': JSON.stringify(facts) },
    });
  })());
  facts.second = error(() => event.respondWith(null));
});
