// Headers (Fetch Standard): case-insensitive names, combined values,
// `set-cookie` kept apart, sorted iteration, guards.
import * as native from 'nano:native';
import { pairIterator, requiredArguments, toByteString } from '../webidl/webidl.js';

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_WS_RE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

// Both checked natively (header_checks.rs); a refusal comes back here for
// its message, the ByteString error first.
function normalizeHeaderName(name) {
  const s = typeof name === 'string' ? name : toByteString(name, 'Headers');
  const n = native.headerName(s);
  if (n !== null) return n;
  toByteString(s, 'Headers');
  throw new TypeError(`Headers: invalid header name "${s}"`);
}

function normalizeHeaderValue(value) {
  const s = typeof value === 'string' ? value : toByteString(value, 'Headers');
  const v = native.headerValue(s);
  if (v !== null) return v;
  toByteString(s, 'Headers');
  throw new TypeError(`Headers: invalid header value ${JSON.stringify(s.replace(HTTP_WS_RE, ''))}`);
}

// The Fetch Standard's forbidden request-headers that govern the connection
// and the message framing: the host sets them (wasi:http refuses them), so a
// Request's headers ignore them, as the standard's "request" guard does. The
// rest of the standard's list (Cookie, Origin, Referer, Sec-*, …) is data a
// server-side app forwards, and passes, as in other server runtimes.
const HOST_CONTROLLED_HEADERS = new Set([
  'connection', 'content-length', 'expect', 'host', 'http2-settings', 'keep-alive', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);
const METHOD_OVERRIDE_HEADERS = ['x-http-method', 'x-http-method-override', 'x-method-override'];

function isHostControlledHeader(name, value) {
  if (HOST_CONTROLLED_HEADERS.has(name) || name.startsWith('proxy-')) return true;
  // A method override must not smuggle in a forbidden method.
  return METHOD_OVERRIDE_HEADERS.includes(name) &&
    value.split(',').some((m) => ['CONNECT', 'TRACE', 'TRACK'].includes(m.trim().toUpperCase()));
}

// Captured before app code runs: a record's prototype (headerRecord).
const OBJECT_PROTOTYPE = Object.prototype;

const headersGuard = Symbol('headersGuard');
const headersList = Symbol('headersList');

// Hot constructors take no default parameters and no class fields: in
// QuickJS each default costs about what a call does, and fields run as a
// separate initializer call. `length` is set where a default would have
// made it.
class Headers {
  constructor(init) {
    // [[name lowercased, value], ...] in insertion order. The guard is an
    // own property only when it is not 'none' (one property less to add).
    this[headersList] = [];
    if (init === undefined) return;
    fillHeaders(this, init);
  }
  append(name, value) {
    requiredArguments(arguments.length, 2, "Failed to execute 'append' on 'Headers'");
    appendHeader(this, name, value);
  }
  delete(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'delete' on 'Headers'");
    const n = normalizeHeaderName(name);
    checkHeadersMutable(this);
    if (this[headersGuard] === 'request' && isHostControlledHeader(n, '')) return;
    if (hasHeaderNamed(this[headersList], n)) this[headersList] = this[headersList].filter((h) => h[0] !== n);
  }
  get(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'get' on 'Headers'");
    const n = normalizeHeaderName(name);
    // A loop: filter and map made two arrays and two closures per call.
    const list = this[headersList];
    let value = null;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === n) value = value === null ? list[i][1] : `${value}, ${list[i][1]}`;
    }
    return value;
  }
  getSetCookie() {
    return this[headersList].filter((h) => h[0] === 'set-cookie').map((h) => h[1]);
  }
  has(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'has' on 'Headers'");
    return hasHeaderNamed(this[headersList], normalizeHeaderName(name));
  }
  set(name, value) {
    requiredArguments(arguments.length, 2, "Failed to execute 'set' on 'Headers'");
    const n = normalizeHeaderName(name);
    const v = normalizeHeaderValue(value);
    checkHeadersMutable(this);
    if (this[headersGuard] === 'request' && isHostControlledHeader(n, v)) return;
    const list = this[headersList];
    // Loops, no closures: set is on many requests' path.
    let first = -1;
    let more = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== n) continue;
      if (first < 0) first = i;
      else more = true;
    }
    if (first < 0) {
      list.push([n, v]);
    } else {
      list[first] = [n, v];
      if (more) this[headersList] = list.filter((h, i) => i <= first || h[0] !== n);
    }
  }
  forEach(callback, thisArg = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'forEach' on 'Headers'");
    if (typeof callback !== 'function') {
      throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'Function'.");
    }
    for (let i = 0; ; i++) {
      const pairs = sortAndCombine(this[headersList]);
      if (i >= pairs.length) break;
      callback.call(thisArg, pairs[i][1], pairs[i][0], this);
    }
  }
  entries() { return headersIterator(this, 'entries'); }
  keys() { return headersIterator(this, 'keys'); }
  values() { return headersIterator(this, 'values'); }
  [Symbol.iterator]() { return headersIterator(this, 'entries'); }
}
Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: 'Headers', configurable: true });
Object.defineProperty(Headers, 'length', { value: 0 });

// "append" (name and value validated and normalised, the guard applied).
function appendHeader(headers, name, value) {
  const n = normalizeHeaderName(name);
  const v = normalizeHeaderValue(value);
  checkHeadersMutable(headers);
  if (headers[headersGuard] === 'request' && isHostControlledHeader(n, v)) return;
  headers[headersList].push([n, v]);
}

// Whether a header list has `name` (already lowercase): what Request's and
// Response's own steps ask, without the public method's checks. It takes
// the list, not the Headers object: a Response may have only its list yet.
function hasHeaderNamed(list, name) {
  for (let i = 0; i < list.length; i++) if (list[i][0] === name) return true;
  return false;
}

function checkHeadersMutable(headers) {
  if (headers[headersGuard] === 'immutable') throw new TypeError('Headers are immutable');
}

const HEADERS_INIT_ERROR = "Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.";

function isObject(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

const ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
const arrayValues = Array.prototype[Symbol.iterator];
const arrayIteratorNext = ArrayIteratorPrototype.next;

// WebIDL's sequence<T> from an iterable whose @@iterator method was already
// read (once, as overload resolution does).
function iterableToList(iterable, method) {
  // An array read by the original iterator: the same [[Get]]s of `length`
  // and of each index, without an iterator and a result object per item
  // (headers given as pairs are on many requests' path).
  if (method === arrayValues && Array.isArray(iterable) && ArrayIteratorPrototype.next === arrayIteratorNext) {
    const list = [];
    for (let i = 0; i < iterable.length; i++) list.push(iterable[i]);
    return list;
  }
  const iterator = Reflect.apply(method, iterable, []);
  if (!isObject(iterator)) throw new TypeError(`${HEADERS_INIT_ERROR} Its iterator is not an object.`);
  const next = iterator.next;
  const list = [];
  for (;;) {
    const result = Reflect.apply(next, iterator, []);
    if (!isObject(result)) throw new TypeError(`${HEADERS_INIT_ERROR} An iterator result is not an object.`);
    if (result.done) return list;
    list.push(result.value);
  }
}

// sequence<sequence<ByteString>>: every pair converted before any is used.
function headerPairs(init, method) {
  const pairs = iterableToList(init, method);
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    const pairMethod = isObject(pair) ? pair[Symbol.iterator] : undefined;
    if (typeof pairMethod !== 'function') throw new TypeError(`${HEADERS_INIT_ERROR} A header is not a sequence.`);
    const items = iterableToList(pair, pairMethod);
    for (let j = 0; j < items.length; j++) items[j] = toByteString(items[j], "Failed to construct 'Headers'");
    pairs[i] = items;
  }
  return pairs;
}

// record<ByteString, ByteString> (WebIDL "ES to record"): [[OwnPropertyKeys]]
// once, then per key [[GetOwnProperty]], the key's conversion, [[Get]] and
// the value's conversion, in that order (observable through a Proxy).
function headerRecord(init) {
  const what = "Failed to construct 'Headers'";
  const pairs = [];
  const keys = Reflect.ownKeys(init);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // [[GetOwnProperty]] once, as a descriptor would, without making one.
    if (!isOwnEnumerable(init, key)) continue;
    const name = toByteString(key, what);
    pairs.push([name, toByteString(Reflect.get(init, key), what)]);
  }
  return pairs;
}
const isOwnEnumerable = Function.prototype.call.bind(Object.prototype.propertyIsEnumerable);

// The Fetch Standard's "fill": HeadersInit is a sequence when the object
// has an @@iterator method (a Headers object too, through its own
// iterator), a record otherwise.
function fillHeaders(headers, init) {
  if (!isObject(init)) throw new TypeError(HEADERS_INIT_ERROR);
  const method = init[Symbol.iterator];
  let pairs;
  if (method === undefined || method === null) {
    // A plain record of valid strings, when reading it is unobservable.
    if (headers[headersGuard] === undefined && native.headerRecord(headers[headersList], init, OBJECT_PROTOTYPE)) return;
    pairs = headerRecord(init);
  } else {
    if (typeof method !== 'function') throw new TypeError(`${HEADERS_INIT_ERROR} Its @@iterator is not a function.`);
    pairs = headerPairs(init, method);
  }
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    if (pair.length !== 2) {
      throw new TypeError("Failed to construct 'Headers': each header in the sequence must be a [name, value] pair");
    }
    appendHeader(headers, pair[0], pair[1]);
  }
}

// A copy of another Headers object's list (no app code runs: Request's
// and Response's own copies).
function copyHeaderList(headers, from) {
  const list = from[headersList];
  // Indexed, not destructured: destructuring runs the array iterator.
  for (let i = 0; i < list.length; i++) {
    const n = list[i][0], v = list[i][1];
    if (headers[headersGuard] === 'request' && isHostControlledHeader(n, v)) continue;
    headers[headersList].push([n, v]);
  }
}

// The Fetch Standard's "sort and combine": sorted by name, values joined
// with ", ", except set-cookie which stays one entry per value.
// Iterating a Headers object goes through here, so a short list (most) is
// sorted by an insertion sort of its indices, with no Set, closures or
// intermediate arrays: 81k wasm instructions for two headers before, in
// QuickJS. Insertion is stable, so a name's values keep their order. (A
// response's list is sorted and combined in Rust: incoming/mod.rs.)
const SHORT_HEADER_LIST = 32;
function sortAndCombine(list) {
  const n = list.length;
  if (n < 2) return n === 0 ? [] : [[list[0][0], list[0][1]]];
  if (n > SHORT_HEADER_LIST) return sortAndCombineLong(list);
  const order = [0];
  for (let i = 1; i < n; i++) {
    const name = list[i][0];
    let j = i;
    while (j > 0 && list[order[j - 1]][0] > name) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  const out = [];
  for (let k = 0; k < n;) {
    const name = list[order[k]][0];
    if (name === 'set-cookie') {
      for (; k < n && list[order[k]][0] === name; k++) out.push([name, list[order[k]][1]]);
      continue;
    }
    let value = list[order[k]][1];
    for (k++; k < n && list[order[k]][0] === name; k++) value += ', ' + list[order[k]][1];
    out.push([name, value]);
  }
  return out;
}

function sortAndCombineLong(list) {
  const names = [...new Set(list.map((h) => h[0]))].sort();
  const out = [];
  for (const name of names) {
    if (name === 'set-cookie') {
      for (const h of list) if (h[0] === name) out.push([name, h[1]]);
    } else {
      out.push([name, list.filter((h) => h[0] === name).map((h) => h[1]).join(', ')]);
    }
  }
  return out;
}

const headersIterator = pairIterator('Headers Iterator', (target) => sortAndCombine(target[headersList]));

// A Headers object from a flat [name, value, name, value, ...] list.
function headersFromFlatList(flat, guard) {
  const h = new Headers();
  for (let i = 0; i + 1 < flat.length; i += 2) h[headersList].push([flat[i].toLowerCase(), flat[i + 1]]);
  h[headersGuard] = guard;
  return h;
}

function headersToFlatList(headers) {
  const list = headers[headersList];
  const flat = [];
  for (let i = 0; i < list.length; i++) flat.push(list[i][0], list[i][1]);
  return flat;
}

export {
  Headers, TOKEN_RE, appendHeader, copyHeaderList, fillHeaders, headersFromFlatList, hasHeaderNamed, headersGuard, headersList,
  OBJECT_PROTOTYPE, headersToFlatList, sortAndCombine,
};
