// URLPattern (URL Pattern Standard). The host parses: it turns a pattern into
// each component's normalised pattern string, regular expression source and
// group names, and a test / exec input into its components
// (nano:platform/url, the `urlpattern` crate). This side compiles and runs
// the expressions with JS RegExp, as the standard specifies.
import * as native from 'nano:native';
import { toUSVString } from '../webidl/webidl.js';

// The order of the components in what the natives take and return.
const COMPONENTS = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'];
const INIT_MEMBERS = [...COMPONENTS, 'baseURL'];
// WebIDL reads a dictionary's members in lexicographic order (getters run
// in that order).
const INIT_READ_ORDER = [...INIT_MEMBERS].sort();

// The standard compiles with the `v` flag (plus `i` for ignoreCase), and
// so does this; but QuickJS-ng's `v` mode rejects some valid sources the
// crate generates (`/^foo-bar$/v`: "invalid character in class";
// `/^\[::1\]$/v`: "invalid class set operation"), so a source `v` refuses
// is compiled with `u` (the flag the crate generates for, and the
// standard's before `v`). Only a source valid under `u` but not `v` is
// thereby accepted where the standard throws.
// An app may replace RegExp or its exec; patterns must not see that.
const NativeRegExp = RegExp;
const regExpExec = RegExp.prototype.exec;

function compile(source, ignoreCase) {
  const i = ignoreCase ? 'i' : '';
  try {
    return new NativeRegExp(source, `v${i}`);
  } catch {
    return new NativeRegExp(source, `u${i}`);
  }
}

function isObject(value) {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

// A URLPatternInit dictionary: { values: [the natives' order], dict: the
// converted dictionary, as exec's `inputs` reports it }.
function toInit(value, context) {
  if (value !== undefined && value !== null && !isObject(value)) {
    throw new TypeError(`${context}: the URLPatternInit is not an object`);
  }
  const dict = {};
  for (const name of INIT_READ_ORDER) {
    const member = value == null ? undefined : value[name];
    if (member !== undefined) dict[name] = toUSVString(member);
  }
  return { values: INIT_MEMBERS.map((name) => dict[name]), dict };
}

// A URLPatternInput: (USVString or URLPatternInit); undefined and null are
// the empty dictionary, as WebIDL converts them for a union with one.
function toInput(value, context) {
  if (value === undefined || value === null || isObject(value)) {
    const { values, dict } = toInit(value, context);
    return { text: null, init: values, reported: dict };
  }
  const text = toUSVString(value);
  return { text, init: null, reported: text };
}

function toOptions(value, context) {
  if (value === undefined || value === null) return { ignoreCase: false };
  if (!isObject(value)) throw new TypeError(`${context}: the URLPatternOptions is not an object`);
  return { ignoreCase: Boolean(value.ignoreCase) };
}

class URLPattern {
  #patterns;        // pattern string per component
  #regexps;         // RegExp per component
  #groups;          // group names per component
  #hasRegExpGroups;

  // new URLPattern(input, baseURL, options) or new URLPattern(input, options),
  // told apart as WebIDL's overload resolution does: by the number of
  // arguments, then by whether the second is a dictionary (an object,
  // undefined or null) or a string.
  constructor(input = undefined, baseURLOrOptions = undefined, options = undefined) {
    const context = "Failed to construct 'URLPattern'";
    let baseURL;
    let opts;
    const second = arguments.length >= 2 ? baseURLOrOptions : undefined;
    if (arguments.length >= 3 || (arguments.length === 2 && second !== null && second !== undefined && !isObject(second))) {
      baseURL = toUSVString(second);
      opts = options;
    } else {
      opts = second;
    }
    const converted = toInput(input, context);
    const { ignoreCase } = toOptions(opts, context);
    let parsed;
    try {
      parsed = native.urlPatternParse(converted.text, converted.init, baseURL, ignoreCase);
    } catch (err) {
      throw new TypeError(`${context}: ${err.message}`);
    }
    this.#patterns = [];
    this.#regexps = [];
    this.#groups = [];
    parsed.patterns.forEach((pattern, i) => {
      const source = parsed.regexps[i];
      let regexp;
      try {
        regexp = compile(source, ignoreCase);
      } catch (err) {
        throw new TypeError(`${context}: the ${COMPONENTS[i]} pattern ${JSON.stringify(pattern)} is not a valid regular expression (/${source}/): ${err.message}`);
      }
      this.#patterns.push(pattern);
      this.#regexps.push(regexp);
      this.#groups.push(parsed.groups[i]);
    });
    this.#hasRegExpGroups = parsed.hasRegExpGroups;
  }

  // [converted input, components to match or null]
  #process(input, baseURL, context) {
    const converted = toInput(input, context);
    const base = baseURL === undefined ? undefined : toUSVString(baseURL);
    const values = native.urlPatternMatchInput(converted.text, converted.init, base);
    const inputs = [converted.reported];
    if (base !== undefined) inputs.push(base);
    return [inputs, values];
  }

  test(input = undefined, baseURL = undefined) {
    const [, values] = this.#process(input, baseURL, "Failed to execute 'test' on 'URLPattern'");
    if (values === null) return false;
    return this.#regexps.every((regexp, i) => Reflect.apply(regExpExec, regexp, [values[i]]) !== null);
  }

  exec(input = undefined, baseURL = undefined) {
    const [inputs, values] = this.#process(input, baseURL, "Failed to execute 'exec' on 'URLPattern'");
    if (values === null) return null;
    const result = { inputs };
    for (let i = 0; i < COMPONENTS.length; i++) {
      const match = Reflect.apply(regExpExec, this.#regexps[i], [values[i]]);
      if (match === null) return null;
      const groups = {};
      this.#groups[i].forEach((name, g) => {
        groups[name] = match[g + 1];
      });
      result[COMPONENTS[i]] = { input: values[i], groups };
    }
    return result;
  }

  // The component getters, in the order of COMPONENTS.
  get protocol() {
    return this.#patterns[0];
  }

  get username() {
    return this.#patterns[1];
  }

  get password() {
    return this.#patterns[2];
  }

  get hostname() {
    return this.#patterns[3];
  }

  get port() {
    return this.#patterns[4];
  }

  get pathname() {
    return this.#patterns[5];
  }

  get search() {
    return this.#patterns[6];
  }

  get hash() {
    return this.#patterns[7];
  }

  get hasRegExpGroups() {
    return this.#hasRegExpGroups;
  }
}

Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, { value: 'URLPattern', configurable: true });

export { URLPattern };
