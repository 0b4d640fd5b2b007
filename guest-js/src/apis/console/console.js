// console (WHATWG Console Standard): format specifiers and a readable
// inspection of values, written to the host's log.
import * as native from 'nano:native';
import { DOMException } from '../webidl/dom_exception.js';
import { Headers } from '../fetch/headers.js';
import { Request, Response } from '../fetch/request_response.js';

// Strings inside structures are quoted as Node's util.inspect does.
function quoteString(s) {
  return `'${s.replace(/[\\']/g, '\\$&').replace(/\n/g, '\\n')}'`;
}

function inspect(value, depth = 2, seen = new Set()) {
  switch (typeof value) {
    case 'string': return seen.size ? quoteString(value) : value;
    case 'bigint': return `${value}n`;
    case 'symbol': return value.toString();
    case 'function': return `[Function: ${value.name || '(anonymous)'}]`;
    case 'undefined': return 'undefined';
    case 'number': return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean': return String(value);
  }
  if (value === null) return 'null';
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Error || value instanceof DOMException) return describeError(value);
  if (value instanceof Date) return isNaN(value) ? 'Invalid Date' : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof Headers) return `Headers ${inspect(Object.fromEntries(value), depth, seen)}`;
  if (value instanceof Request) return `Request { method: ${JSON.stringify(value.method)}, url: ${JSON.stringify(value.url)} }`;
  if (value instanceof Response) return `Response { status: ${value.status}, statusText: ${JSON.stringify(value.statusText)} }`;
  if (depth < 0) {
    if (Array.isArray(value)) return value.length ? '[Array]' : '[]';
    return Object.keys(value).length ? '[Object]' : '{}';
  }
  seen.add(value);
  try {
    const inner = (v) => inspect(v, depth - 1, seen);
    if (Array.isArray(value)) return `[ ${value.map(inner).join(', ')} ]`.replace('[  ]', '[]');
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      return `${value.constructor.name}(${value.length}) [ ${Array.prototype.map.call(value, String).join(', ')} ]`.replace('[  ]', '[]');
    }
    if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
    if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inner(k)} => ${inner(v)}`).join(', ')} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(inner).join(', ')} }`;
    if (value instanceof Promise) return 'Promise { <state hidden> }';
    const name = value.constructor && value.constructor !== Object && value.constructor.name ? value.constructor.name + ' ' : '';
    const entries = Object.keys(value).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quoteString(k)}: ${inner(value[k])}`);
    return entries.length ? `${name}{ ${entries.join(', ')} }` : `${name}{}`;
  } finally {
    seen.delete(value);
  }
}

function formatLogArgs(args) {
  if (args.length === 0) return '';
  let first = args[0];
  let rest = 1;
  let out;
  if (typeof first === 'string') {
    out = first.replace(/%[sdifoOjc%]/g, (spec) => {
      if (spec === '%%') return '%';
      if (rest >= args.length) return spec;
      const arg = args[rest++];
      switch (spec) {
        case '%s': return typeof arg === 'string' ? arg : inspect(arg, 1);
        case '%d': case '%i':
          return typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'symbol' ? 'NaN' : String(spec === '%i' ? Math.trunc(Number(arg)) : Number(arg));
        case '%f': return typeof arg === 'symbol' ? 'NaN' : String(parseFloat(arg));
        case '%j': return JSON.stringify(arg);
        case '%c': return '';
        default: return typeof arg === 'string' ? quoteString(arg) : inspect(arg, 4); // %o %O
      }
    });
  } else {
    out = inspect(first);
  }
  for (; rest < args.length; rest++) out += ' ' + inspect(args[rest]);
  return out;
}

const consoleCounts = new Map();
const consoleTimers = new Map();
let consoleGroupIndent = '';
// `level` is the WIT log.level case name.
function writeConsole(level, args) {
  const text = formatLogArgs(args);
  native.log(level, consoleGroupIndent ? text.replace(/^/gm, consoleGroupIndent) : text);
}

const console = {
  log(...args) { writeConsole('info', args); },
  info(...args) { writeConsole('info', args); },
  debug(...args) { writeConsole('debug', args); },
  warn(...args) { writeConsole('warn', args); },
  error(...args) { writeConsole('error', args); },
  trace(...args) {
    const stack = (new Error().stack || '').split('\n').slice(1).join('\n');
    writeConsole('debug', ['Trace' + (args.length ? ': ' + formatLogArgs(args) : '') + '\n' + stack]);
  },
  assert(condition, ...args) {
    if (!condition) writeConsole('error', ['Assertion failed' + (args.length ? ': ' + formatLogArgs(args) : '')]);
  },
  dir(value) { writeConsole('info', [inspect(value)]); },
  table(value) { writeConsole('info', [value]); },
  count(label = 'default') {
    const n = (consoleCounts.get(String(label)) || 0) + 1;
    consoleCounts.set(String(label), n);
    writeConsole('info', [`${label}: ${n}`]);
  },
  countReset(label = 'default') { consoleCounts.delete(String(label)); },
  time(label = 'default') { consoleTimers.set(String(label), native.now()); },
  timeLog(label = 'default', ...args) {
    const start = consoleTimers.get(String(label));
    if (start === undefined) return writeConsole('warn', [`Timer '${label}' does not exist`]);
    writeConsole('info', [`${label}: ${(native.now() - start).toFixed(3)}ms`, ...args]);
  },
  timeEnd(label = 'default') {
    console.timeLog(label);
    consoleTimers.delete(String(label));
  },
  group(...args) { if (args.length) console.log(...args); consoleGroupIndent += '  '; },
  groupCollapsed(...args) { console.group(...args); },
  groupEnd() { consoleGroupIndent = consoleGroupIndent.slice(2); },
};

// `Name: message` plus the stack, for logs and error reports.
function describeError(err) {
  try {
    if (err instanceof DOMException || err instanceof Error) {
      const head = `${err.name}: ${err.message}`;
      const stack = typeof err.stack === 'string' ? err.stack.replace(/\n+$/, '') : '';
      let text = stack ? `${head}\n${stack}` : head;
      if (err.cause !== undefined) text += `\n  [cause]: ${inspect(err.cause)}`;
      return text;
    }
    return inspect(err);
  } catch {
    return 'uncaught exception (could not be formatted)';
  }
}

// A compiler-style location for build errors: `file:line:col: Name: message`,
// at the innermost frame of the app's own code (nano's prelude is no place to
// look for a bug); `file: ...` when none of the app's frames is on the stack.
// The innermost frame of an error's stack that is the app's own, not the
// engine's (`nano:` modules): { filename, lineno, colno }, or null.
function appFrame(err) {
  const stack = err !== null && typeof err === 'object' && typeof err.stack === 'string' ? err.stack : '';
  for (const line of stack.split('\n')) {
    const frame = /\(?([^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (frame && !frame[1].startsWith('nano:')) return { filename: frame[1], lineno: +frame[2], colno: +frame[3] };
  }
  return null;
}

function describeLocatedError(err, file) {
  let location = '';
  if (err && typeof err === 'object') {
    if (err.fileName !== undefined && err.lineNumber !== undefined) {
      location = `${err.fileName}:${err.lineNumber}:${err.columnNumber !== undefined ? err.columnNumber : 1}`;
    } else {
      const frame = appFrame(err);
      if (frame !== null) location = `${frame.filename}:${frame.lineno}:${frame.colno}`;
    }
  }
  if (!location && file !== undefined) location = file;
  return location ? `${location}: ${describeError(err)}` : describeError(err);
}

// console's own state (counters, timers, group depth), saved and put back
// around a build's warm-up request (incoming.js `warmUp`).
function saveConsoleState() {
  return [new Map(consoleCounts), new Map(consoleTimers), consoleGroupIndent];
}
function restoreConsoleState([counts, timers, indent]) {
  consoleCounts.clear();
  for (const [k, v] of counts) consoleCounts.set(k, v);
  consoleTimers.clear();
  for (const [k, v] of timers) consoleTimers.set(k, v);
  consoleGroupIndent = indent;
}

export { appFrame, console, describeError, describeLocatedError, inspect, restoreConsoleState, saveConsoleState };
