// Request and Response (Fetch Standard).
import * as native from 'nano:native';
import { requiredArguments, toByteString } from '../webidl/webidl.js';
import { AbortController, AbortSignal } from '../events/events.js';
import { URL } from '../url/url.js';
import { inspect } from '../console/console.js';
import { ReadableStream, streamOps } from '../streams/readable.js';
import { TransformStream } from '../streams/transform.js';
import {
  Headers, TOKEN_RE, copyHeaderList, fillHeaders, hasHeaderNamed, headersFromFlatList, headersGuard, headersList,
  OBJECT_PROTOTYPE, headersToFlatList,
} from './headers.js';
import { HostBody, bodyInternals, cloneBodyState, extractBody, mixinBody, newBodyState } from './body.js';

const NORMALIZED_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
const FORBIDDEN_METHODS = ['CONNECT', 'TRACE', 'TRACK'];
// The Fetch Standard's null body statuses. Compared directly: an array's
// `includes` is a call through Array.prototype, which an app can replace.
// (Written out in the Response constructor: a call there costs more.)
function isNullBodyStatus(status) {
  return status === 204 || status === 304 || status === 101 || status === 103 || status === 205;
}
const REDIRECT_STATUS = [301, 302, 303, 307, 308];
const requestInternals = Symbol('request');
const responseInternals = Symbol('response');
const internalConstruction = Symbol('internal');

// A request URL: parsed by the URL Standard (no base on a server), with the
// fragment kept as the Fetch Standard does. The URL object is kept as the
// request's `parsedUrl` (fetch() reads its parts without parsing the href
// again); it never reaches the app.
function parseRequestUrl(input, what) {
  const parsed = URL.parse(input);
  if (parsed === null) throw new TypeError(`${what}: Invalid URL: ${input}`);
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError(`${what}: Request cannot be constructed from a URL that includes credentials: ${input}`);
  }
  return parsed;
}

function normalizeMethod(method) {
  const m = toByteString(method, "Failed to construct 'Request'");
  if (!TOKEN_RE.test(m)) throw new TypeError(`Failed to construct 'Request': '${m}' is not a valid HTTP method.`);
  const upper = m.toUpperCase();
  if (FORBIDDEN_METHODS.includes(upper)) throw new TypeError(`Failed to construct 'Request': '${m}' HTTP method is unsupported.`);
  return NORMALIZED_METHODS.includes(upper) ? upper : m;
}

// RequestInit's enum members, looked at in this order (an indexed loop: a
// for-of over Object.keys costs more than the rest of the checks).
const REQUEST_ENUM_KEYS = ['redirect', 'mode', 'credentials', 'cache'];
const REQUEST_ENUMS = {
  redirect: ['follow', 'error', 'manual'],
  mode: ['navigate', 'same-origin', 'no-cors', 'cors'],
  credentials: ['omit', 'same-origin', 'include'],
  cache: ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached'],
};

class Request {
  constructor(input, init) {
    requiredArguments(arguments.length, 1, "Failed to construct 'Request'");
    if (input === internalConstruction) return; // fields filled by the caller (clone)
    const o = init == null ? { __proto__: null } : init;
    if (typeof o !== 'object' && typeof o !== 'function') {
      throw new TypeError("Failed to construct 'Request': The provided value is not of type 'RequestInit'.");
    }
    const from = input instanceof Request ? input[requestInternals] : null;
    const parsedUrl = from ? from.parsedUrl : parseRequestUrl(input, "Failed to construct 'Request'");
    const r = {
      url: from ? from.url : parsedUrl.href,
      parsedUrl,
      method: from ? from.method : 'GET',
      redirect: from ? from.redirect : 'follow',
      mode: from ? from.mode : 'cors',
      credentials: from ? from.credentials : 'same-origin',
      cache: from ? from.cache : 'default',
      referrer: from ? from.referrer : 'about:client',
      referrerPolicy: from ? from.referrerPolicy : '',
      integrity: from ? from.integrity : '',
      keepalive: from ? from.keepalive : false,
      signal: null,
    };
    for (let i = 0; i < REQUEST_ENUM_KEYS.length; i++) {
      const key = REQUEST_ENUM_KEYS[i];
      if (o[key] !== undefined) {
        const v = String(o[key]);
        if (!REQUEST_ENUMS[key].includes(v)) {
          throw new TypeError(`Failed to construct 'Request': The provided value '${v}' is not a valid enum value of type Request${key[0].toUpperCase() + key.slice(1)}.`);
        }
        r[key] = v;
      }
    }
    if (o.method !== undefined) r.method = normalizeMethod(o.method);
    if (o.integrity !== undefined) r.integrity = String(o.integrity);
    if (o.keepalive !== undefined) r.keepalive = !!o.keepalive;
    if (o.referrer !== undefined) r.referrer = String(o.referrer) === '' ? '' : String(o.referrer);
    if (o.referrerPolicy !== undefined) r.referrerPolicy = String(o.referrerPolicy);
    // A request's signal follows the one it was made from. One that follows
    // none never aborts (nobody holds its controller): it is made on first
    // read (the getter), and until then `signal` is null.
    const signal = o.signal !== undefined ? o.signal : from ? from.signal : null;
    if (signal !== null && !(signal instanceof AbortSignal)) {
      throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
    }
    r.signal = signal ? AbortSignal.any([signal]) : null;
    const headers = new Headers();
    headers[headersGuard] = 'request';
    if (o.headers !== undefined) fillHeaders(headers, o.headers);
    else if (from) copyHeaderList(headers, input.headers);
    // The standard's inputBody (a Request's) and initBody.
    const inputBody = from ? input[bodyInternals] : null;
    const hasInputBody = inputBody !== null && inputBody.source !== null;
    const hasInitBody = o.body !== undefined && o.body !== null;
    if ((hasInitBody || hasInputBody) && (r.method === 'GET' || r.method === 'HEAD')) {
      throw new TypeError("Failed to construct 'Request': Request with GET/HEAD method cannot have body.");
    }
    let body;
    let contentType = null;
    if (hasInitBody) {
      // Indexed, not destructured: destructuring runs the array iterator.
      const extracted = extractBody(o.body);
      body = newBodyState(extracted[0]);
      contentType = extracted[1];
    } else if (hasInputBody) {
      if (isUnusable(inputBody)) {
        throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a Request object that has already been used.");
      }
      body = newBodyState(takeInputBody(inputBody));
    } else {
      body = newBodyState(null);
    }
    if (contentType !== null) addBodyContentType(headers[headersList], contentType);
    r.headers = headers;
    this[requestInternals] = r;
    this[bodyInternals] = body;
  }
  get method() { return this[requestInternals].method; }
  get url() { return this[requestInternals].url; }
  get headers() {
    const r = this[requestInternals];
    if (r.headers === null) r.headers = headersFromFlatList(r.flatHeaders ?? native.requestHeaders(), 'immutable');
    return r.headers;
  }
  get destination() { return ''; }
  get referrer() { return this[requestInternals].referrer; }
  get referrerPolicy() { return this[requestInternals].referrerPolicy; }
  get mode() { return this[requestInternals].mode; }
  get credentials() { return this[requestInternals].credentials; }
  get cache() { return this[requestInternals].cache; }
  get redirect() { return this[requestInternals].redirect; }
  get integrity() { return this[requestInternals].integrity; }
  get keepalive() { return this[requestInternals].keepalive; }
  get isReloadNavigation() { return false; }
  get isHistoryNavigation() { return false; }
  get signal() {
    const r = this[requestInternals];
    if (r.signal === null) r.signal = new AbortController().signal;
    return r.signal;
  }
  get duplex() { return 'half'; }
  clone() {
    const body = cloneBodyState(this);
    const copy = new Request(internalConstruction);
    const r = this[requestInternals];
    // The prototype too: an incoming request's defaults live there.
    copy[requestInternals] = {
      __proto__: Object.getPrototypeOf(r), ...r, headers: copyHeaders(this.headers),
      signal: r.signal === null ? null : AbortSignal.any([r.signal]),
    };
    copy[bodyInternals] = body;
    return copy;
  }
}
mixinBody(Request);
Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: 'Request', configurable: true });
// WebIDL's length (no default parameters: see Headers).
Object.defineProperty(Request, 'length', { value: 1 });

// A body that was read from, or whose stream is locked.
function isUnusable(state) {
  return state.used || (state.source instanceof ReadableStream && (state.source.locked || streamOps.disturbed(state.source)));
}

// The new Request's body made from its input's: the input counts as used;
// a stream stays the input's own (now locked and disturbed) and is read
// through a proxy, the standard's identity transform.
function takeInputBody(state) {
  const source = state.source;
  state.used = true;
  if (source instanceof ReadableStream) return source.pipeThrough(new TransformStream());
  state.source = new Uint8Array(0);
  return source;
}

function copyHeaders(headers) {
  const copy = new Headers();
  copyHeaderList(copy, headers);
  const guard = headers[headersGuard];
  if (guard !== undefined) copy[headersGuard] = guard;
  return copy;
}

// The extracted body's type as the content-type in a new Request's or
// Response's header list, unless it has one. The type is the platform's (a
// constant, or a Blob's type, which is printable ASCII): a valid value that
// neither guard ('request', 'none') refuses, so it goes in unchecked.
function addBodyContentType(list, type) {
  if (!hasHeaderNamed(list, 'content-type')) list.push(['content-type', type]);
}
// The same for a Response's flat list ([name, value, …]: `headerList`).
function addFlatContentType(flat, type) {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === 'content-type') return;
  flat.push('content-type', type);
}

// An incoming request's fields that are the same for every request. Not
// frozen: a frozen prototype's fields could not be set on the request's own
// internals (the headers and signal getters set theirs). Never reaches the
// app.
const INCOMING_DEFAULTS = {
  __proto__: null, parsedUrl: null, redirect: 'follow', mode: 'cors', credentials: 'same-origin', cache: 'default',
  referrer: 'about:client', referrerPolicy: '', integrity: '', keepalive: false, signal: null, headers: null,
  flatHeaders: null,
};

// The request the host received, with its body still in the host (when
// `hasBody`; the host's side says, incoming/mod.rs `has_body`), and its
// header fields as [name, value, ...] or, when null, still in the host too
// (the `requestHeaders` native). Its Headers and signal are made on first
// use: most apps never touch them, and this is on every request's path.
function makeIncomingRequest(method, url, flatHeaders, hasBody) {
  // What `new Request(internalConstruction)` makes, without the call: the
  // constructor's `arguments` alone is an object made per request.
  const request = { __proto__: Request.prototype };
  // What varies as own properties, the rest from INCOMING_DEFAULTS (the
  // headers too, null until read): each property a new object gets costs
  // about as much as a function call.
  request[requestInternals] = flatHeaders === null
    ? { __proto__: INCOMING_DEFAULTS, url, method }
    : { __proto__: INCOMING_DEFAULTS, url, method, flatHeaders };
  request[bodyInternals] = { source: hasBody ? new HostBody(0) : null, used: false }; // newBodyState
  return request;
}

// A Response's fields that are the same for every one made by its
// constructor, shared through the prototype of its internals (each property
// a new object gets costs about as much as a function call). Never reaches
// the app.
const RESPONSE_DEFAULTS = { __proto__: null, type: 'default', url: '', redirected: false, headerList: null };

// A Response made without a headers member, or with a record of valid
// strings (header_checks.rs `flatHeaderRecord`), gets its Headers object on first
// use (`headers` is null until then, its list kept flat in `headerList`:
// [name, value, …], no array per header): most handlers' responses never
// have it read, and a Headers object is about a fifth of what
// `new Response(body)` costs. Once made, the Headers object owns the list
// (its methods may replace it).
function responseHeaders(r) {
  if (r.headers === null) {
    const flat = r.headerList;
    const headers = new Headers();
    const list = headers[headersList];
    for (let i = 0; i < flat.length; i += 2) list.push([flat[i], flat[i + 1]]);
    r.headers = headers;
    r.headerList = null;
  }
  return r.headers;
}

class Response {
  constructor(body, init) {
    if (body === internalConstruction) return;
    // Every step costs in QuickJS, and this is on most requests' path: the
    // ResponseInit's members are read into locals (each once, in the order
    // headers, status, statusText), no dictionary object, and checked as
    // "initialize a response" does. Known gap: the headers member is filled
    // after the status checks, where WebIDL converts it first.
    let status = 200;
    let statusText = '';
    let headersInit;
    if (init !== undefined && init !== null) {
      if (typeof init !== 'object' && typeof init !== 'function') {
        throw new TypeError("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
      }
      headersInit = init.headers;
      const rawStatus = init.status;
      if (rawStatus !== undefined) {
        if (typeof rawStatus === 'number' && rawStatus >= 0 && rawStatus <= 65535 && rawStatus === (rawStatus | 0)) {
          // An unsigned short already (most apps' `status: 404`): as it
          // is, without the three builtin calls of the conversion.
          status = rawStatus;
        } else {
          // WebIDL `unsigned short`: truncate, wrap modulo 2^16, non-finite is 0.
          const n = Number(rawStatus);
          status = Number.isFinite(n) ? ((Math.trunc(n) % 65536) + 65536) % 65536 : 0;
        }
      }
      const rawText = init.statusText;
      if (rawText !== undefined) statusText = toByteString(rawText, "Failed to construct 'Response'");
      if (status < 200 || status > 599) {
        throw new RangeError(`Failed to construct 'Response': The status provided (${status}) is outside the range [200, 599].`);
      }
      if (statusText !== '' && !/^[\t\x20-\x7e\x80-\xff]*$/.test(statusText)) {
        throw new TypeError("Failed to construct 'Response': Invalid statusText");
      }
    }
    let headers = null;
    let headerList = null;
    // A record of valid strings (most apps' `{ headers: { … } }`) becomes
    // the header list natively, read unobservably (header_checks.rs
    // `flatHeaderRecord`), flat ([name, value, …], no array per header),
    // with no Headers object until one is asked for (`responseHeaders`);
    // anything else goes to `new Headers(init)`, as WebIDL says. A string
    // body's type goes into the list in the same call: extracting a string
    // runs no app code, so nothing can tell it from adding the type after.
    const stringBody = typeof body === 'string';
    if (headersInit !== undefined) {
      headerList = native.flatHeaderRecord(headersInit, OBJECT_PROTOTYPE, stringBody ? 'text/plain;charset=UTF-8' : null);
      if (headerList === null) headers = new Headers(headersInit);
    }
    let source = null;
    let contentType = null;
    if (body !== null && body !== undefined) {
      if (status !== 200 && (status === 204 || status === 304 || status === 101 || status === 103 || status === 205)) {
        throw new TypeError(`Failed to construct 'Response': Response with null body status (${status}) cannot have body`);
      }
      if (stringBody) {
        // Kept as the string until the body is read (body.js
        // `settleStringBody`): a handler's response goes to the client
        // encoded natively, with no Uint8Array made for it.
        source = body;
        contentType = 'text/plain;charset=UTF-8';
      } else {
        const extracted = extractBody(body);
        source = extracted[0];
        contentType = extracted[1];
      }
    }
    if (headersInit === undefined) {
      // Without a headers member, the list is the body's type alone.
      headerList = contentType === null ? [] : ['content-type', contentType];
    } else if (contentType !== null) {
      if (headers !== null) addBodyContentType(headers[headersList], contentType);
      else if (!stringBody) addFlatContentType(headerList, contentType);
    }
    // Only a list without its Headers object is an own field (the defaults
    // have none): one property fewer to add otherwise.
    this[responseInternals] = headers === null
      ? { __proto__: RESPONSE_DEFAULTS, status, statusText, headers, headerList }
      : { __proto__: RESPONSE_DEFAULTS, status, statusText, headers };
    this[bodyInternals] = { source, used: false }; // newBodyState, without the call
  }
  static error() {
    const r = new Response(internalConstruction);
    const headers = new Headers();
    headers[headersGuard] = 'immutable';
    r[responseInternals] = { type: 'error', status: 0, statusText: '', headers, url: '', redirected: false };
    r[bodyInternals] = newBodyState(null);
    return r;
  }
  static redirect(url, status = 302) {
    requiredArguments(arguments.length, 1, "Failed to execute 'redirect' on 'Response'");
    const parsed = URL.parse(url);
    if (parsed === null) throw new TypeError(`Failed to execute 'redirect' on 'Response': Invalid URL: ${url}`);
    const location = parsed.href;
    const code = Number(status);
    if (!REDIRECT_STATUS.includes(code)) {
      throw new RangeError(`Failed to execute 'redirect' on 'Response': Invalid status code ${status}`);
    }
    const r = new Response(null, { status: code });
    r.headers.set('location', location);
    r.headers[headersGuard] = 'immutable';
    return r;
  }
  static json(data, init = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'json' on 'Response'");
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Failed to execute 'json' on 'Response': The data is not JSON serializable");
    const r = new Response(null, init);
    if (isNullBodyStatus(r.status)) {
      throw new TypeError(`Failed to execute 'json' on 'Response': Response with null body status (${r.status}) cannot have body`);
    }
    r[bodyInternals] = newBodyState(text); // a string body (see the constructor)
    const internals = r[responseInternals];
    if (internals.headers === null) addFlatContentType(internals.headerList, 'application/json');
    else addBodyContentType(internals.headers[headersList], 'application/json');
    return r;
  }
  get type() { return this[responseInternals].type; }
  get url() { return this[responseInternals].url; }
  get redirected() { return this[responseInternals].redirected; }
  get status() { return this[responseInternals].status; }
  get ok() { const s = this[responseInternals].status; return s >= 200 && s <= 299; }
  get statusText() { return this[responseInternals].statusText; }
  get headers() { return responseHeaders(this[responseInternals]); }
  clone() {
    const body = cloneBodyState(this);
    const copy = new Response(internalConstruction);
    const r = this[responseInternals];
    // The prototype too: a constructed response's defaults live there.
    copy[responseInternals] = { __proto__: Object.getPrototypeOf(r), ...r, headers: copyHeaders(responseHeaders(r)), headerList: null };
    copy[bodyInternals] = body;
    return copy;
  }
}
mixinBody(Response);
Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: 'Response', configurable: true });
Object.defineProperty(Response, 'length', { value: 0 });

// What the Rust side writes to the client: [status, headers, body], the
// headers as [name, value, …] in the list's order (sorted and combined
// there), the body being bytes, a string (encoded there, lone surrogates
// replaced), a ReadableStream (streamed out by pumpToSink) or null.
function responseParts(response) {
  if (!(response instanceof Response)) {
    throw new TypeError(`The fetch handler must return a Response, but it returned ${inspect(response)}`);
  }
  const r = response[responseInternals];
  if (r.type === 'error') throw new TypeError('The fetch handler returned Response.error()');
  const state = response[bodyInternals];
  // What the body mixin's bodyUsed says, from the state (no getter call:
  // this is every response's path, and a subclass's getter is not the
  // platform's to call).
  const stream = typeof state.source === 'object' && state.source instanceof ReadableStream;
  if (state.used || (stream && streamOps.disturbed(state.source))) {
    throw new TypeError('The fetch handler returned a Response whose body was already used');
  }
  if (stream && state.source.locked) throw new TypeError('The fetch handler returned a Response whose body stream is locked');
  state.used = true;
  // A list without its Headers object is flat already (never changed once
  // made: the Headers object, if made later, copies it).
  const flat = r.headers !== null ? headersToFlatList(r.headers) : r.headerList;
  // A body still in the host goes as it is: pumpToSink moves it there.
  return [r.status, flat, state.source];
}

export {
  Request, Response, internalConstruction, isNullBodyStatus, makeIncomingRequest, requestInternals, responseInternals, responseParts,
};
