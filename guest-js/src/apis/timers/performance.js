// `performance` (High Resolution Time) with User Timing: marks, measures and
// the entries buffer. The timeline starts with each request (incoming.js
// resets the time origin and clears the entries), so what one request marks
// is never seen by the next.
import * as native from 'nano:native';
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { EventTarget } from '../events/events.js';
import { structuredClone } from '../clone/clone.js';
import { timeOrigin } from './timers.js';

const internal = Symbol('performance');
// Marks and measures in the order they were made; bounded by the instance's
// memory like any other JS object.
let entries = [];

function now() { return native.now() - timeOrigin.value; }

class PerformanceEntry {
  #name; #entryType; #startTime; #duration;
  constructor(token, name, entryType, startTime, duration) {
    if (token !== internal) throw new TypeError('Illegal constructor');
    this.#name = name;
    this.#entryType = entryType;
    this.#startTime = startTime;
    this.#duration = duration;
  }
  get name() { return this.#name; }
  get entryType() { return this.#entryType; }
  get startTime() { return this.#startTime; }
  get duration() { return this.#duration; }
  toJSON() {
    const json = { name: this.name, entryType: this.entryType, startTime: this.startTime, duration: this.duration };
    if ('detail' in this) json.detail = this.detail;
    return json;
  }
}

class PerformanceMark extends PerformanceEntry {
  #detail;
  constructor(markName, markOptions = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'PerformanceMark'");
    const o = markOptions == null ? { __proto__: null } : markOptions;
    let startTime = now();
    if (o.startTime !== undefined) {
      startTime = Number(o.startTime);
      if (!(startTime >= 0)) throw new TypeError(`Failed to construct 'PerformanceMark': '${markName}' cannot have a negative start time.`);
    }
    const detail = o.detail === undefined ? null : structuredClone(o.detail);
    super(internal, String(markName), 'mark', startTime, 0);
    this.#detail = detail;
  }
  get detail() { return this.#detail; }
}

class PerformanceMeasure extends PerformanceEntry {
  #detail;
  constructor(token, name, startTime, duration, detail) {
    super(token, name, 'measure', startTime, duration);
    this.#detail = detail;
  }
  get detail() { return this.#detail; }
}

// "Convert a mark to a timestamp": the latest mark of that name, or a time.
function markTime(mark, what) {
  if (typeof mark === 'string') {
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i].entryType === 'mark' && entries[i].name === mark) return entries[i].startTime;
    }
    throw new DOMException(`${what}: the mark '${mark}' does not exist.`, 'SyntaxError');
  }
  const time = Number(mark);
  if (time < 0) throw new TypeError(`${what}: '${time}' is a negative time.`);
  return time;
}

function byStartTime(list) {
  return list.slice().sort((a, b) => a.startTime - b.startTime);
}

class Performance extends EventTarget {
  constructor(token) {
    if (token !== internal) throw new TypeError('Illegal constructor');
    super();
  }
  now() { return now(); }
  get timeOrigin() {
    // A request's is worked out when first read: its start, on the wall clock.
    if (timeOrigin.epoch === null) timeOrigin.epoch = Date.now() - (native.now() - timeOrigin.value);
    return timeOrigin.epoch;
  }
  toJSON() { return { timeOrigin: this.timeOrigin }; }
  mark(markName, markOptions = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'mark' on 'Performance'");
    const mark = new PerformanceMark(markName, markOptions);
    entries.push(mark);
    return mark;
  }
  measure(measureName, startOrMeasureOptions = undefined, endMark = undefined) {
    const what = "Failed to execute 'measure' on 'Performance'";
    requiredArguments(arguments.length, 1, what);
    const options = startOrMeasureOptions !== null && typeof startOrMeasureOptions === 'object' ? startOrMeasureOptions : null;
    const hasMembers = options !== null &&
      (options.start !== undefined || options.end !== undefined || options.duration !== undefined || options.detail !== undefined);
    if (hasMembers) {
      if (endMark !== undefined) throw new TypeError(`${what}: an end mark cannot be given with measure options.`);
      if (options.start === undefined && options.end === undefined) throw new TypeError(`${what}: measure options need a start or an end.`);
      if (options.start !== undefined && options.duration !== undefined && options.end !== undefined) {
        throw new TypeError(`${what}: start, duration and end cannot all be given.`);
      }
    }
    const o = options || {};
    let end;
    if (endMark !== undefined) end = markTime(endMark, what);
    else if (o.end !== undefined) end = markTime(o.end, what);
    else if (o.start !== undefined && o.duration !== undefined) end = markTime(o.start, what) + markTime(o.duration, what);
    else end = now();
    let start;
    if (o.start !== undefined) start = markTime(o.start, what);
    else if (o.duration !== undefined && o.end !== undefined) start = end - markTime(o.duration, what);
    else if (options === null && startOrMeasureOptions !== undefined) start = markTime(String(startOrMeasureOptions), what);
    else start = 0;
    const detail = o.detail === undefined ? null : structuredClone(o.detail);
    const measure = new PerformanceMeasure(internal, String(measureName), start, end - start, detail);
    entries.push(measure);
    return measure;
  }
  getEntries() { return byStartTime(entries); }
  getEntriesByType(type) {
    requiredArguments(arguments.length, 1, "Failed to execute 'getEntriesByType' on 'Performance'");
    type = String(type);
    return byStartTime(entries.filter((e) => e.entryType === type));
  }
  getEntriesByName(name, type = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'getEntriesByName' on 'Performance'");
    name = String(name);
    return byStartTime(entries.filter((e) => e.name === name && (type === undefined || e.entryType === String(type))));
  }
  clearMarks(markName = undefined) { clear('mark', markName); }
  clearMeasures(measureName = undefined) { clear('measure', measureName); }
}

function clear(entryType, name) {
  entries = entries.filter((e) => e.entryType !== entryType || (name !== undefined && e.name !== String(name)));
}

// A new request starts a new timeline.
function resetTimeline() {
  if (entries.length !== 0) entries = [];
}

for (const cls of [Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

const performance = new Performance(internal);

export { Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure, performance, resetTimeline };
