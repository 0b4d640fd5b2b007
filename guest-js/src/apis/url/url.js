// URL and URLSearchParams (WHATWG URL Standard). Parsing, setters and the
// form encoding run in the host (nano:platform/url: Ada for URLs, the `url` crate
// for the form encoding); this side keeps the parsed components and the live link
// between the two.
import * as native from 'nano:native';
import { pairIterator, requiredArguments, toUSVString } from '../webidl/webidl.js';

const URL_PARTS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];
const URL_SETTABLE = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];
// Which span of what urlParse and urlSet return ([text, spans]) each
// component is: the order of the WIT url-parts spans.
const PART_INDEX = Object.fromEntries(native.urlPartNames().map((name, i) => [name, i]));
for (const name of URL_PARTS) {
  if (!(name in PART_INDEX)) throw new Error(`url.js: URL.${name} is no component of the WIT url-parts`);
}
const HREF = PART_INDEX.href;
const SEARCH = PART_INDEX.search;

// Component `i` of a parsed URL: a slice of its text, made when read.
function part(parsed, i) {
  const spans = parsed[1];
  return parsed[0].slice(spans[2 * i], spans[2 * i + 1]);
}

// The URL of the request being handled (incoming.js sets `href` as each
// request is dispatched) and, once a URL is made of it, its parts: apps
// parse `request.url` more than once (a router, then a helper), and parts
// are never changed in place (a setter replaces them), so the URLs of that
// string share one.
const requestUrl = { href: null, parts: null };

let urlSearchParamsFor; // (url, query) -> linked URLSearchParams
let setParamsList;      // (params, list) -> void

// A URL's state is kept under symbols, as Headers' is, not in private
// fields: a class with fields runs their initializer as a call of its own
// in every construction, and `new URL(request.url)` is on most requests'
// path. A getter called on anything but a URL still throws a TypeError
// (reading the spans of undefined).
const urlParts = Symbol('urlParts'); // [text, spans] (see part)
const urlQuery = Symbol('urlQuery'); // its URLSearchParams, once asked for

class URL {
  // No default parameter (see Headers) and no `arguments` (an object made
  // per call): `new URL()` parses "undefined", as `new URL(undefined)` does,
  // and throws the same TypeError; URL.length is set below. The strings'
  // USVString conversion (lone surrogates) is urlParse's: no well-formed
  // copy is made here.
  constructor(url, base) {
    const input = typeof url === 'string' ? url : `${url}`;
    const baseInput = base === undefined ? undefined : typeof base === 'string' ? base : `${base}`;
    let parts;
    if (input === requestUrl.href && baseInput === undefined) {
      parts = requestUrl.parts;
      if (parts === null) parts = requestUrl.parts = native.requestUrlParts() ?? native.urlParse(input, undefined);
    } else {
      parts = native.urlParse(input, baseInput);
    }
    if (parts === null) {
      const where = baseInput === undefined ? '' : ` (base: ${baseInput.toWellFormed()})`;
      throw new TypeError(`Failed to construct 'URL': Invalid URL: ${input.toWellFormed()}${where}`);
    }
    this[urlParts] = parts;
  }
  static canParse(url, base = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'canParse' on 'URL'");
    return native.urlParse(toUSVString(url), base === undefined ? undefined : toUSVString(base)) !== null;
  }
  static parse(url, base = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'parse' on 'URL'");
    try {
      return base === undefined ? new URL(url) : new URL(url, base);
    } catch {
      return null;
    }
  }
  get searchParams() {
    let query = this[urlQuery];
    if (query === undefined) {
      query = urlSearchParamsFor(this, part(this[urlParts], SEARCH));
      Object.defineProperty(this, urlQuery, { value: query });
    }
    return query;
  }
  toString() { return part(this[urlParts], HREF); }
  toJSON() { return part(this[urlParts], HREF); }
  static {
    for (const name of URL_PARTS) {
      const i = PART_INDEX[name];
      // `part` written out: a getter is read on most requests' path
      // (`pathname`), and the call cost ≈ 280 of its ≈ 4k wasm instructions.
      const descriptor = {
        get() {
          const parsed = this[urlParts];
          const spans = parsed[1];
          return parsed[0].slice(spans[2 * i], spans[2 * i + 1]);
        },
        enumerable: true,
        configurable: true,
      };
      if (URL_SETTABLE.includes(name)) {
        descriptor.set = name === 'href'
          ? function (value) {
            try { setComponent(this, 'href', value); } catch (err) { throw new TypeError(`Failed to set the 'href' property on 'URL': Invalid URL: ${value}`); }
          }
          : function (value) { setComponent(this, name, value); };
      }
      Object.defineProperty(URL.prototype, name, descriptor);
    }
  }
}

// A setter: the host sets the component on the href and parses it again.
function setComponent(url, name, value) {
  const before = part(url[urlParts], SEARCH);
  url[urlParts] = native.urlSet(part(url[urlParts], HREF), name, toUSVString(value)); // the WIT url.component case
  const search = part(url[urlParts], SEARCH);
  const query = url[urlQuery];
  if (query !== undefined && (name === 'href' || name === 'search' || search !== before)) {
    setParamsList(query, parseQueryList(search));
  }
}

// The URL side of URLSearchParams' update steps.
function setUrlQueryFromParams(url, serialized) {
  url[urlParts] = native.urlSet(part(url[urlParts], HREF), 'search', serialized);
}
Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true });
Object.defineProperty(URL, 'length', { value: 1 });

function parseQueryList(query) {
  const flat = native.queryParse(query.startsWith('?') ? query.slice(1) : query);
  const list = [];
  for (let i = 0; i < flat.length; i += 2) list.push([flat[i], flat[i + 1]]);
  return list;
}

class URLSearchParams {
  #list = [];
  #url = null;
  constructor(init = '') {
    if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
      const iteratorMethod = init[Symbol.iterator];
      if (iteratorMethod !== undefined && iteratorMethod !== null) {
        if (typeof iteratorMethod !== 'function') throw new TypeError("Failed to construct 'URLSearchParams': @@iterator is not callable");
        for (const pair of init) {
          if (pair === null || (typeof pair !== 'object' && typeof pair !== 'function') || typeof pair[Symbol.iterator] !== 'function') {
            throw new TypeError("Failed to construct 'URLSearchParams': each pair must be an iterable [name, value]");
          }
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': each pair must have exactly two items");
          this.#list.push([toUSVString(p[0]), toUSVString(p[1])]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          const desc = Reflect.getOwnPropertyDescriptor(init, key);
          if (desc === undefined || !desc.enumerable) continue;
          if (typeof key === 'symbol') throw new TypeError("Failed to construct 'URLSearchParams': record keys must be strings");
          this.#list.push([toUSVString(key), toUSVString(init[key])]);
        }
      }
    } else {
      this.#list = parseQueryList(toUSVString(init));
    }
  }
  get size() { return this.#list.length; }
  append(name, value) {
    requiredArguments(arguments.length, 2, "Failed to execute 'append' on 'URLSearchParams'");
    this.#list.push([toUSVString(name), toUSVString(value)]);
    this.#update();
  }
  delete(name, value = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'delete' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    this.#list = this.#list.filter((p) => p[0] !== n || (v !== undefined && p[1] !== v));
    this.#update();
  }
  get(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'get' on 'URLSearchParams'");
    const n = toUSVString(name);
    const found = this.#list.find((p) => p[0] === n);
    return found ? found[1] : null;
  }
  getAll(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'getAll' on 'URLSearchParams'");
    const n = toUSVString(name);
    return this.#list.filter((p) => p[0] === n).map((p) => p[1]);
  }
  has(name, value = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'has' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    return this.#list.some((p) => p[0] === n && (v === undefined || p[1] === v));
  }
  set(name, value) {
    requiredArguments(arguments.length, 2, "Failed to execute 'set' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = toUSVString(value);
    const first = this.#list.findIndex((p) => p[0] === n);
    if (first < 0) {
      this.#list.push([n, v]);
    } else {
      this.#list[first] = [n, v];
      this.#list = this.#list.filter((p, i) => i <= first || p[0] !== n);
    }
    this.#update();
  }
  sort() {
    // Stable, by code units of the names.
    this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.#update();
  }
  forEach(callback, thisArg = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'forEach' on 'URLSearchParams'");
    if (typeof callback !== 'function') throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'.");
    for (let i = 0; i < this.#list.length; i++) callback.call(thisArg, this.#list[i][1], this.#list[i][0], this);
  }
  entries() { return searchParamsIterator(this, 'entries'); }
  keys() { return searchParamsIterator(this, 'keys'); }
  values() { return searchParamsIterator(this, 'values'); }
  [Symbol.iterator]() { return searchParamsIterator(this, 'entries'); }
  toString() {
    return native.querySerialize(this.#list.flat());
  }
  // The URL Standard's update steps: write the list back into the URL.
  #update() {
    if (this.#url !== null) setUrlQueryFromParams(this.#url, this.toString());
  }
  static {
    urlSearchParamsFor = (url, query) => {
      const params = new URLSearchParams(query);
      params.#url = url;
      return params;
    };
    setParamsList = (params, list) => { params.#list = list; };
    URLSearchParams._list = (params) => params.#list;
  }
}
const searchParamsList = URLSearchParams._list;
delete URLSearchParams._list;
const searchParamsIterator = pairIterator('URLSearchParams Iterator', (params) => searchParamsList(params));
Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: 'URLSearchParams', configurable: true });

export { URL, URLSearchParams, requestUrl };
