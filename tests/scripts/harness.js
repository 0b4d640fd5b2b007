// A tiny assertion harness for the conformance scripts (prepended to each).
let assertions = 0;
const pendingTests = [];
function fail(message) { throw new Error(`assertion ${assertions + 1} failed: ${message}`); }
function assert(condition, message = 'expected true') { if (!condition) fail(message); assertions++; }
function same(a, b) {
  return Object.is(a, b) || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null &&
    JSON.stringify(a) === JSON.stringify(b) && Object.getPrototypeOf(a) === Object.getPrototypeOf(b));
}
function assertEq(actual, expected, message = '') {
  if (!same(actual, expected)) fail(`${message} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  assertions++;
}
function assertThrows(fn, errorName, message = '') {
  try { fn(); } catch (err) {
    if (err === null || err === undefined || err.name !== errorName) fail(`${message} expected ${errorName}, got ${err && err.name}: ${err && err.message}`);
    assertions++;
    return err;
  }
  fail(`${message} expected ${errorName} to be thrown`);
}
async function assertRejects(promise, errorName, message = '') {
  try { await promise; } catch (err) {
    if (!err || err.name !== errorName) fail(`${message} expected rejection with ${errorName}, got ${err && err.name}`);
    assertions++;
    return err;
  }
  fail(`${message} expected a rejection with ${errorName}`);
}
// Async tests run in order after the synchronous part.
function test(name, fn) { pendingTests.push([name, fn]); }
function done() {
  (async () => {
    for (const [name, fn] of pendingTests) {
      try { await fn(); } catch (err) { err.message = `${name}: ${err.message}`; throw err; }
    }
    console.log(`ok ${assertions}`);
  })();
}
