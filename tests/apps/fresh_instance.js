// No state may survive from one request to the next: each gets a fresh
// instance. Every request reports what it found (after waiting long enough
// for an earlier request's timer to have fired, were it still alive), then
// leaves traces of every kind: a module variable, a global, an object made
// at the top level, Object.prototype, a timer and a promise left pending.
let counter = 0;
const builtAt = Math.random();
const cached = { hits: 0, seen: [] };

function state() {
  return {
    counter,
    global: typeof globalThis.leaked,
    cached: { hits: cached.hits, seen: cached.seen.slice() },
    polluted: typeof {}.polluted,
    timerFired: globalThis.timerFired ?? 0,
    promiseSettled: globalThis.promiseSettled ?? false,
    pending: typeof globalThis.resolvePending,
  };
}

export default {
  async fetch() {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const found = state();
    counter += 1;
    globalThis.leaked = 'from an earlier request';
    cached.hits += 1;
    cached.seen.push(counter);
    Object.prototype.polluted = 'from an earlier request';
    setTimeout(() => {
      globalThis.timerFired = (globalThis.timerFired ?? 0) + 1;
      cached.hits += 100;
    }, 5);
    new Promise((resolve) => {
      globalThis.resolvePending = resolve;
    }).then(() => {
      globalThis.promiseSettled = true;
    });
    return Response.json({ counter, random: Math.random(), builtAt, uptime: performance.now(), found });
  },
};
