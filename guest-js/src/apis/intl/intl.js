// ECMA-402's Intl: this module reads and checks the options as the spec
// says; locale data and formatting are the host's (nano:platform/intl, on
// ICU4X), so no CLDR table is in the snapshot. A formatter's host object is
// made when it first formats (an object made by top-level code and used
// only later costs the build nothing) and dropped when its object is
// collected; used at build time, it is made and dropped per call, since
// host objects do not survive into the snapshot.
import * as native from 'nano:native';

const registry = new FinalizationRegistry((id) => native.intlDrop(id));

// Runs `use` with the host formatter of `owner`, made by `make` on first use.
function withHost(owner, host, use) {
  if (host.id) return use(host.id);
  const id = host.make();
  if (native.atBuildTime()) {
    try { return use(id); } finally { native.intlDrop(id); }
  }
  host.id = id;
  registry.register(owner, id);
  return use(id);
}

// CanonicalizeLocaleList: a string or a list of strings and Intl.Locales.
function canonicalizeLocaleList(locales) {
  if (locales === undefined) return [];
  if (typeof locales === 'string' || locales instanceof Locale) return native.intlCanonicalize([String(locales)]);
  const list = Object(locales);
  const length = Math.min(Number(list.length) || 0, 2 ** 32 - 1);
  const tags = [];
  for (let i = 0; i < length; i++) {
    if (!(i in list)) continue;
    const tag = list[i];
    if (typeof tag !== 'string' && (typeof tag !== 'object' || tag === null)) {
      throw new TypeError(`Language ID should be string or object, not ${typeof tag}`);
    }
    tags.push(String(tag));
  }
  return native.intlCanonicalize(tags);
}

function optionsObject(options) {
  if (options === undefined) return Object.create(null);
  if (options === null) throw new TypeError('Cannot convert null to object');
  return Object(options);
}

// GetOption for strings (`values`: the allowed ones) and booleans.
function getOption(options, name, values, fallback) {
  const value = options[name];
  if (value === undefined) return fallback;
  const s = String(value);
  if (values && !values.includes(s)) throw new RangeError(`Value ${s} out of range for Intl option "${name}"`);
  return s;
}

function getBoolean(options, name, fallback) {
  const value = options[name];
  return value === undefined ? fallback : Boolean(value);
}

// GetNumberOption: an integer in [min, max] or a RangeError.
function getNumber(options, name, min, max, fallback) {
  const value = options[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (Number.isNaN(n) || n < min || n > max) throw new RangeError(`${name} value is out of range.`);
  return Math.floor(n);
}

function readLocaleMatcher(options) {
  return getOption(options, 'localeMatcher', ['lookup', 'best fit'], 'best fit');
}

// Both matchers are the lookup rule (see README's Intl section).
function supportedLocalesOf(locales, options) {
  const requested = canonicalizeLocaleList(locales);
  readLocaleMatcher(optionsObject(options));
  return native.intlSupported(requested);
}

function defineStatics(ctor, name) {
  Object.defineProperty(ctor, 'supportedLocalesOf', {
    value: supportedLocalesOf, writable: true, configurable: true, enumerable: false,
  });
  Object.defineProperty(ctor.prototype, Symbol.toStringTag, { value: `Intl.${name}`, configurable: true });
}

// A getter returning a function bound to its object, made once (format, compare).
function boundGetter(ctor, name, method) {
  const bound = new WeakMap();
  Object.defineProperty(ctor.prototype, name, {
    configurable: true,
    enumerable: false,
    get() {
      check(this, ctor, name);
      let f = bound.get(this);
      if (!f) {
        const self = this;
        f = (...args) => method.apply(self, args);
        bound.set(this, f);
      }
      return f;
    },
  });
}

const slots = new WeakMap();
function check(object, ctor, name) {
  const state = slots.get(object);
  if (!state || state.kind !== ctor) throw new TypeError(`Method Intl.${ctor.name}.prototype.${name} called on incompatible receiver`);
  return state;
}

// ISO 4217 currencies whose minor unit is not 2 digits (ECMA-402's CurrencyDigits).
const CURRENCY_DIGITS = {
  BHD: 3, BIF: 0, CLF: 4, CLP: 0, DJF: 0, GNF: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KMF: 0, KRW: 0, KWD: 3, LYD: 3,
  OMR: 3, PYG: 0, RWF: 0, TND: 3, UGX: 0, UYI: 0, UYW: 4, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

// ECMA-402's sanctioned simple units (IsSanctionedSingleUnitIdentifier);
// the host checks them again, this is for the error at construction.
const SANCTIONED_UNITS = [
  'acre', 'bit', 'byte', 'celsius', 'centimeter', 'day', 'degree', 'fahrenheit', 'fluid-ounce', 'foot', 'gallon',
  'gigabit', 'gigabyte', 'gram', 'hectare', 'hour', 'inch', 'kilobit', 'kilobyte', 'kilogram', 'kilometer', 'liter',
  'megabit', 'megabyte', 'meter', 'microsecond', 'mile', 'mile-scandinavian', 'milliliter', 'millimeter',
  'millisecond', 'minute', 'month', 'nanosecond', 'ounce', 'percent', 'petabyte', 'pound', 'second', 'stone',
  'terabit', 'terabyte', 'week', 'yard', 'year',
];

// IsWellFormedUnitIdentifier: a sanctioned unit or `X-per-Y` of two.
function wellFormedUnit(unit) {
  const at = unit.indexOf('-per-');
  if (at < 0) return SANCTIONED_UNITS.includes(unit);
  return SANCTIONED_UNITS.includes(unit.slice(0, at)) && SANCTIONED_UNITS.includes(unit.slice(at + 5));
}

function toNumeric(value) {
  return typeof value === 'bigint' ? Number(value) : Number(value);
}

class NumberFormat {
  constructor(locales = undefined, options = undefined) {
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    readLocaleMatcher(options);
    const style = getOption(options, 'style', ['decimal', 'percent', 'currency', 'unit'], 'decimal');
    let currency = getOption(options, 'currency', null, undefined);
    if (currency !== undefined) {
      if (!/^[A-Za-z]{3}$/.test(currency)) throw new RangeError(`Invalid currency code : ${currency}`);
      currency = currency.toUpperCase();
    }
    const currencyDisplay = getOption(options, 'currencyDisplay', ['code', 'symbol', 'narrowSymbol', 'name'], 'symbol');
    const currencySign = getOption(options, 'currencySign', ['standard', 'accounting'], 'standard');
    const unit = getOption(options, 'unit', null, undefined);
    if (unit !== undefined && !wellFormedUnit(unit)) {
      throw new RangeError(`Invalid unit argument for Intl.NumberFormat() '${unit}'`);
    }
    const unitDisplay = getOption(options, 'unitDisplay', ['short', 'narrow', 'long'], 'short');
    if (style === 'currency' && currency === undefined) throw new TypeError('Currency code is required with currency style.');
    if (style === 'unit' && unit === undefined) throw new TypeError('Unit is required with unit style.');
    const notation = getOption(options, 'notation', ['standard', 'compact'], 'standard');
    const cDigits = style === 'currency' ? (CURRENCY_DIGITS[currency] ?? 2) : 0;
    let minimumFractionDigits = getNumber(options, 'minimumFractionDigits', 0, 100, undefined);
    let maximumFractionDigits = getNumber(options, 'maximumFractionDigits', 0, 100, undefined);
    const mxfdDefault = style === 'currency' ? cDigits : style === 'percent' ? 0 : notation === 'compact' ? 0 : 3;
    if (minimumFractionDigits === undefined) {
      minimumFractionDigits = Math.min(cDigits, maximumFractionDigits ?? cDigits);
    }
    if (maximumFractionDigits === undefined) {
      maximumFractionDigits = Math.max(mxfdDefault, minimumFractionDigits);
    } else if (minimumFractionDigits > maximumFractionDigits) {
      throw new RangeError('maximumFractionDigits value is out of range.');
    }
    // Significant digits, when given, round instead of the fraction digits
    // (roundingPriority 'auto').
    let minimumSignificantDigits = options.minimumSignificantDigits;
    let maximumSignificantDigits = options.maximumSignificantDigits;
    const significant = minimumSignificantDigits !== undefined || maximumSignificantDigits !== undefined;
    if (significant) {
      minimumSignificantDigits = getNumber(options, 'minimumSignificantDigits', 1, 21, 1);
      maximumSignificantDigits = getNumber(options, 'maximumSignificantDigits', minimumSignificantDigits, 21, 21);
    }
    const compactDisplay = getOption(options, 'compactDisplay', ['short', 'long'], 'short');
    const grouping = options.useGrouping;
    const useGrouping = grouping === undefined ? (notation === 'compact' ? 'min2' : 'auto')
      : grouping === true ? 'always' : grouping === false ? false
        : getOption(options, 'useGrouping', ['min2', 'auto', 'always', 'true', 'false'], 'auto');
    const signDisplay = getOption(options, 'signDisplay', ['auto', 'never', 'always', 'exceptZero', 'negative'], 'auto');
    const locale = native.intlResolve(requested);
    const resolved = { locale, numberingSystem: 'latn', style };
    if (style === 'currency') Object.assign(resolved, { currency, currencyDisplay, currencySign });
    if (style === 'unit') Object.assign(resolved, { unit, unitDisplay });
    resolved.minimumIntegerDigits = 1;
    if (significant) Object.assign(resolved, { minimumSignificantDigits, maximumSignificantDigits });
    else Object.assign(resolved, { minimumFractionDigits, maximumFractionDigits });
    Object.assign(resolved, {
      useGrouping: useGrouping === 'true' ? 'always' : useGrouping === 'false' ? false : useGrouping,
      notation,
    });
    if (notation === 'compact') resolved.compactDisplay = compactDisplay;
    Object.assign(resolved, {
      signDisplay, roundingMode: 'halfExpand', roundingIncrement: 1, trailingZeroDisplay: 'auto', roundingPriority: 'auto',
    });
    const notationName = notation === 'compact' ? `compact-${compactDisplay}` : 'standard';
    const display = currencyDisplay === 'narrowSymbol' ? 'narrow-symbol' : currencyDisplay;
    const host = {
      id: 0,
      make: () => native.numberFormatNew(locale, {
        style, currency, display, unit, unitDisplay, notation: notationName, grouping: useGrouping !== false, minimumFractionDigits, maximumFractionDigits,
        minimumSignificantDigits: significant ? minimumSignificantDigits : undefined,
        maximumSignificantDigits: significant ? maximumSignificantDigits : undefined,
        signDisplay: signDisplay === 'exceptZero' ? 'except-zero' : signDisplay,
      }),
    };
    slots.set(this, { kind: NumberFormat, resolved, host });
  }

  formatToParts(value) {
    const state = check(this, NumberFormat, 'formatToParts');
    const x = toNumeric(value);
    return withHost(this, state.host, (id) => native.numberFormat(id, x));
  }

  resolvedOptions() {
    return { ...check(this, NumberFormat, 'resolvedOptions').resolved };
  }
}
boundGetter(NumberFormat, 'format', function format(value) {
  return this.formatToParts(value).map((p) => p.value).join('');
});
defineStatics(NumberFormat, 'NumberFormat');

class PluralRules {
  constructor(locales = undefined, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor Intl.PluralRules requires 'new'");
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    readLocaleMatcher(options);
    const type = getOption(options, 'type', ['cardinal', 'ordinal'], 'cardinal');
    const minimumFractionDigits = getNumber(options, 'minimumFractionDigits', 0, 100, 0);
    const maximumFractionDigits = getNumber(options, 'maximumFractionDigits', 0, 100, Math.max(3, minimumFractionDigits));
    if (minimumFractionDigits > maximumFractionDigits) throw new RangeError('maximumFractionDigits value is out of range.');
    const locale = native.intlResolve(requested);
    const resolved = { locale, type, minimumIntegerDigits: 1, minimumFractionDigits, maximumFractionDigits };
    const host = {
      id: 0,
      make: () => native.pluralRulesNew(locale, type === 'ordinal', minimumFractionDigits, maximumFractionDigits),
    };
    slots.set(this, { kind: PluralRules, resolved, host });
  }

  select(value) {
    const state = check(this, PluralRules, 'select');
    const x = Number(value);
    return withHost(this, state.host, (id) => native.pluralSelect(id, x));
  }

  resolvedOptions() {
    const state = check(this, PluralRules, 'resolvedOptions');
    const pluralCategories = withHost(this, state.host, (id) => native.pluralCategories(id));
    return { ...state.resolved, pluralCategories };
  }
}
defineStatics(PluralRules, 'PluralRules');

class Collator {
  constructor(locales = undefined, options = undefined) {
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    const usage = getOption(options, 'usage', ['sort', 'search'], 'sort');
    readLocaleMatcher(options);
    getOption(options, 'collation', null, undefined);
    const numeric = getBoolean(options, 'numeric', false);
    const caseFirst = getOption(options, 'caseFirst', ['upper', 'lower', 'false'], 'false');
    const sensitivity = getOption(options, 'sensitivity', ['base', 'accent', 'case', 'variant'], 'variant');
    const ignorePunctuation = getBoolean(options, 'ignorePunctuation', false);
    const locale = native.intlResolve(requested);
    const resolved = { locale, usage, sensitivity, ignorePunctuation, collation: 'default', numeric, caseFirst };
    const host = { id: 0, make: () => native.collatorNew(locale, sensitivity, numeric, ignorePunctuation) };
    slots.set(this, { kind: Collator, resolved, host });
  }

  resolvedOptions() {
    return { ...check(this, Collator, 'resolvedOptions').resolved };
  }
}
boundGetter(Collator, 'compare', function compare(a, b) {
  const x = String(a);
  const y = String(b);
  return withHost(this, slots.get(this).host, (id) => native.collatorCompare(id, x, y));
});
defineStatics(Collator, 'Collator');

class ListFormat {
  constructor(locales = undefined, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor Intl.ListFormat requires 'new'");
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    readLocaleMatcher(options);
    const type = getOption(options, 'type', ['conjunction', 'disjunction', 'unit'], 'conjunction');
    const style = getOption(options, 'style', ['long', 'short', 'narrow'], 'long');
    const locale = native.intlResolve(requested);
    const host = { id: 0, make: () => native.listFormatNew(locale, type, style) };
    slots.set(this, { kind: ListFormat, resolved: { locale, type, style }, host });
  }

  formatToParts(list) {
    const state = check(this, ListFormat, 'formatToParts');
    const items = [];
    if (list !== undefined) {
      for (const item of list) {
        if (typeof item !== 'string') throw new TypeError(`Iterable yielded ${String(item)} which is not a string`);
        items.push(item);
      }
    }
    return withHost(this, state.host, (id) => native.listFormat(id, items));
  }

  format(list) {
    check(this, ListFormat, 'format');
    return this.formatToParts(list).map((p) => p.value).join('');
  }

  resolvedOptions() {
    return { ...check(this, ListFormat, 'resolvedOptions').resolved };
  }
}
defineStatics(ListFormat, 'ListFormat');

// Intl.Segmenter's segments: the host finds where they start, once.
class Segments {
  #input; #granularity; #starts;
  constructor(input, granularity, starts) {
    this.#input = input;
    this.#granularity = granularity;
    this.#starts = starts;
  }

  #data(i) {
    const starts = this.#starts;
    const index = starts[2 * i];
    const end = 2 * i + 2 < starts.length ? starts[2 * i + 2] : this.#input.length;
    const data = { segment: this.#input.slice(index, end), index, input: this.#input };
    if (this.#granularity === 'word') data.isWordLike = starts[2 * i + 1];
    return data;
  }

  containing(index = 0) {
    const n = Math.trunc(Number(index)) || 0;
    if (n < 0 || n >= this.#input.length) return undefined;
    let i = 0;
    while (2 * i + 2 < this.#starts.length && this.#starts[2 * i + 2] <= n) i++;
    return this.#data(i);
  }

  *[Symbol.iterator]() {
    for (let i = 0; 2 * i < this.#starts.length; i++) yield this.#data(i);
  }
}

class Segmenter {
  constructor(locales = undefined, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor Intl.Segmenter requires 'new'");
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    readLocaleMatcher(options);
    const granularity = getOption(options, 'granularity', ['grapheme', 'word', 'sentence'], 'grapheme');
    slots.set(this, { kind: Segmenter, resolved: { locale: native.intlResolve(requested), granularity } });
  }

  segment(input) {
    const { granularity } = check(this, Segmenter, 'segment').resolved;
    const s = String(input);
    return new Segments(s, granularity, native.intlSegment(s, granularity));
  }

  resolvedOptions() {
    return { ...check(this, Segmenter, 'resolvedOptions').resolved };
  }
}
defineStatics(Segmenter, 'Segmenter');

// Date.prototype's toLocale*String ask for other defaults than the constructor.
const dateDefaults = { ctor: ['any', 'date'], date: ['date', 'date'], time: ['time', 'time'], any: ['any', 'all'] };
const FIELD_SETS = ['d', 'md', 'ymd', 'de', 'mde', 'ymde', 'e', 'm', 'ym', 'y'];

// ICU4X's field set for the component options: the date fields (a set it
// lacks gains a month), the length from the month's or weekday's width.
function componentFieldSet(c) {
  const name = (m) => (c.year ? 'y' : '') + (m ? 'm' : '') + (c.day ? 'd' : '') + (c.weekday ? 'e' : '');
  let fields = name(c.month) || 'none';
  if (fields !== 'none' && !FIELD_SETS.includes(fields)) fields = FIELD_SETS.includes(name(true)) ? name(true) : 'ymde';
  const width = c.month && !/numeric|2-digit/.test(c.month) ? c.month : !c.month && c.weekday ? c.weekday : 'numeric';
  const length = width === 'long' ? 'long' : width === 'numeric' ? 'short' : 'medium';
  const precision = c.second ? 'second' : c.minute ? 'minute' : c.hour ? 'hour' : 'none';
  return { fields, length, precision, fullYear: c.year === 'numeric' };
}

function styleFieldSet(dateStyle, timeStyle) {
  const fields = dateStyle === undefined ? 'none' : dateStyle === 'full' ? 'ymde' : 'ymd';
  const style = dateStyle ?? timeStyle;
  const length = style === 'full' ? 'long' : style;
  const precision = timeStyle === undefined ? 'none' : timeStyle === 'short' ? 'minute' : 'second';
  return { fields, length, precision, fullYear: false };
}

class DateTimeFormat {
  constructor(locales = undefined, options = undefined, defaults = dateDefaults.ctor) {
    if (![dateDefaults.date, dateDefaults.time, dateDefaults.any].includes(defaults)) defaults = dateDefaults.ctor;
    const [required, fill] = defaults;
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    readLocaleMatcher(options);
    getOption(options, 'calendar', null, undefined);
    getOption(options, 'numberingSystem', null, undefined);
    const hour12Option = options.hour12 === undefined ? undefined : Boolean(options.hour12);
    const hourCycle = getOption(options, 'hourCycle', ['h11', 'h12', 'h23', 'h24'], undefined);
    const zoneOption = options.timeZone;
    const timeZone = native.timeZone(zoneOption === undefined ? 'UTC' : String(zoneOption));
    const text = ['narrow', 'short', 'long'];
    const numeric = ['2-digit', 'numeric'];
    const c = {
      weekday: getOption(options, 'weekday', text, undefined),
      era: getOption(options, 'era', text, undefined),
      year: getOption(options, 'year', numeric, undefined),
      month: getOption(options, 'month', [...numeric, ...text], undefined),
      day: getOption(options, 'day', numeric, undefined),
      dayPeriod: getOption(options, 'dayPeriod', text, undefined),
      hour: getOption(options, 'hour', numeric, undefined),
      minute: getOption(options, 'minute', numeric, undefined),
      second: getOption(options, 'second', numeric, undefined),
      fractionalSecondDigits: getNumber(options, 'fractionalSecondDigits', 1, 3, undefined),
      timeZoneName: getOption(options, 'timeZoneName', ['short', 'long', 'shortOffset', 'longOffset', 'shortGeneric', 'longGeneric'], undefined),
    };
    getOption(options, 'formatMatcher', ['basic', 'best fit'], 'best fit');
    const dateStyle = getOption(options, 'dateStyle', ['full', 'long', 'medium', 'short'], undefined);
    const timeStyle = getOption(options, 'timeStyle', ['full', 'long', 'medium', 'short'], undefined);
    let fieldSet;
    if (dateStyle !== undefined || timeStyle !== undefined) {
      if (Object.values(c).some((v) => v !== undefined)) throw new TypeError(`Can't set option ${Object.keys(c).find((k) => c[k] !== undefined)} when ${dateStyle !== undefined ? 'dateStyle' : 'timeStyle'} is used`);
      if ((required === 'date' && timeStyle !== undefined) || (required === 'time' && dateStyle !== undefined)) {
        throw new TypeError(`Invalid option : ${required === 'date' ? 'timeStyle' : 'dateStyle'}`);
      }
      fieldSet = styleFieldSet(dateStyle, timeStyle);
    } else {
      const dateKeys = ['weekday', 'year', 'month', 'day'];
      const timeKeys = ['dayPeriod', 'hour', 'minute', 'second', 'fractionalSecondDigits'];
      const keys = required === 'date' ? dateKeys : required === 'time' ? timeKeys : [...dateKeys, ...timeKeys];
      if (keys.every((k) => c[k] === undefined)) {
        if (fill === 'date' || fill === 'all') c.year = c.month = c.day = 'numeric';
        if (fill === 'time' || fill === 'all') c.hour = c.minute = c.second = 'numeric';
      }
      fieldSet = componentFieldSet(c);
    }
    const hour12 = hour12Option ?? (hourCycle === undefined ? undefined : hourCycle === 'h11' || hourCycle === 'h12');
    const locale = native.intlResolve(requested);
    const resolved = { locale, calendar: 'gregory', numberingSystem: 'latn', timeZone };
    for (const [k, v] of Object.entries(c)) if (v !== undefined) resolved[k] = v;
    if (dateStyle !== undefined) resolved.dateStyle = dateStyle;
    if (timeStyle !== undefined) resolved.timeStyle = timeStyle;
    const host = { id: 0, make: () => native.dateTimeFormatNew(locale, { timeZone, hour12, ...fieldSet }) };
    slots.set(this, { kind: DateTimeFormat, resolved, host });
  }

  formatToParts(date = undefined) {
    const state = check(this, DateTimeFormat, 'formatToParts');
    const x = date === undefined ? Date.now() : Number(date);
    if (Number.isNaN(x)) throw new RangeError('Invalid time value');
    return withHost(this, state.host, (id) => native.dateTimeFormat(id, x));
  }

  resolvedOptions() {
    return { ...check(this, DateTimeFormat, 'resolvedOptions').resolved };
  }
}
boundGetter(DateTimeFormat, 'format', function format(date = undefined) {
  return this.formatToParts(date).map((p) => p.value).join('');
});
defineStatics(DateTimeFormat, 'DateTimeFormat');

const TIME_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];

class RelativeTimeFormat {
  constructor(locales = undefined, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor Intl.RelativeTimeFormat requires 'new'");
    const requested = canonicalizeLocaleList(locales);
    options = optionsObject(options);
    readLocaleMatcher(options);
    getOption(options, 'numberingSystem', null, undefined);
    const style = getOption(options, 'style', ['long', 'short', 'narrow'], 'long');
    const numeric = getOption(options, 'numeric', ['always', 'auto'], 'always');
    const locale = native.intlResolve(requested);
    const resolved = { locale, style, numeric, numberingSystem: 'latn' };
    const host = { id: 0, make: () => native.relativeTimeFormatNew(locale, style, numeric === 'auto') };
    slots.set(this, { kind: RelativeTimeFormat, resolved, host });
  }

  formatToParts(value, unit) {
    const state = check(this, RelativeTimeFormat, 'formatToParts');
    const x = Number(value);
    const name = String(unit);
    // ECMA-402's SingularRelativeTimeUnit: 'days' is 'day'.
    const singular = name.endsWith('s') ? name.slice(0, -1) : name;
    if (!TIME_UNITS.includes(singular)) throw new RangeError(`Invalid unit argument for Intl.RelativeTimeFormat.prototype.format() '${name}'`);
    if (!Number.isFinite(x)) throw new RangeError('Value need to be finite number for Intl.RelativeTimeFormat.prototype.format()');
    const parts = withHost(this, state.host, (id) => native.relativeTimeFormat(id, x, singular));
    // The number's parts carry the unit (ECMA-402's FormatRelativeTimeToParts).
    for (const part of parts) if (part.type !== 'literal') part.unit = singular;
    return parts;
  }

  format(value, unit) {
    check(this, RelativeTimeFormat, 'format');
    return this.formatToParts(value, unit).map((p) => p.value).join('');
  }

  resolvedOptions() {
    return { ...check(this, RelativeTimeFormat, 'resolvedOptions').resolved };
  }
}
defineStatics(RelativeTimeFormat, 'RelativeTimeFormat');

// What a code must look like for each type of DisplayNames (a RangeError
// otherwise); a language is checked by the host's tag parser.
const DISPLAY_CODES = { region: /^([a-z]{2}|[0-9]{3})$/i, script: /^[a-z]{4}$/i, currency: /^[a-z]{3}$/i };

class DisplayNames {
  constructor(locales, options) {
    if (new.target === undefined) throw new TypeError("Constructor Intl.DisplayNames requires 'new'");
    const requested = canonicalizeLocaleList(locales);
    if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError('Intl.DisplayNames options must be an object');
    options = optionsObject(options);
    readLocaleMatcher(options);
    const style = getOption(options, 'style', ['narrow', 'short', 'long'], 'long');
    const type = getOption(options, 'type', ['language', 'region', 'script', 'currency', 'calendar', 'dateTimeField'], undefined);
    if (type === undefined) throw new TypeError('Intl.DisplayNames needs a type option');
    if (type === 'calendar' || type === 'dateTimeField') throw new RangeError(`Intl.DisplayNames type ${type} is not supported`);
    const fallback = getOption(options, 'fallback', ['code', 'none'], 'code');
    const languageDisplay = getOption(options, 'languageDisplay', ['dialect', 'standard'], 'dialect');
    const locale = native.intlResolve(requested);
    const resolved = { locale, style, type, fallback };
    if (type === 'language') resolved.languageDisplay = languageDisplay;
    const host = { id: 0, make: () => native.displayNamesNew(locale, type, style, languageDisplay === 'dialect') };
    slots.set(this, { kind: DisplayNames, resolved, host });
  }

  of(code) {
    const state = check(this, DisplayNames, 'of');
    const s = String(code);
    const { type, fallback } = state.resolved;
    const pattern = DISPLAY_CODES[type];
    if (pattern && !pattern.test(s)) throw new RangeError(`invalid code for Intl.DisplayNames.prototype.of: ${s}`);
    const name = withHost(this, state.host, (id) => native.displayNamesOf(id, s));
    return name ?? (fallback === 'code' ? s : undefined);
  }

  resolvedOptions() {
    return { ...check(this, DisplayNames, 'resolvedOptions').resolved };
  }
}
defineStatics(DisplayNames, 'DisplayNames');

// ECMA-402 lets NumberFormat, DateTimeFormat and Collator be called as
// functions (a new object each time); JS classes cannot be, so Intl holds a
// function that constructs the class, sharing its prototype (instanceof
// and subclassing stay right).
function callable(Class) {
  // A function expression, not a method: methods cannot be constructed.
  const ctor = function (locales = undefined, options = undefined) {
    return Reflect.construct(Class, [locales, options], new.target ?? ctor);
  };
  Object.defineProperty(ctor, 'name', { value: Class.name, configurable: true });
  Object.defineProperty(ctor, 'prototype', { value: Class.prototype, writable: false, enumerable: false, configurable: false });
  Object.defineProperty(Class.prototype, 'constructor', { value: ctor, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(ctor, 'supportedLocalesOf', {
    value: supportedLocalesOf, writable: true, configurable: true, enumerable: false,
  });
  return ctor;
}

class Locale {
  #parts;
  constructor(tag, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor Intl.Locale requires 'new'");
    if (typeof tag !== 'string' && !(tag instanceof Locale)) {
      if (typeof tag !== 'object' || tag === null) throw new TypeError('First argument to Intl.Locale constructor can\'t be empty or missing');
    }
    let parts = native.intlLocale(String(tag), 'none');
    options = optionsObject(options);
    const language = getOption(options, 'language', null, undefined);
    const script = getOption(options, 'script', null, undefined);
    const region = getOption(options, 'region', null, undefined);
    if (language !== undefined || script !== undefined || region !== undefined) {
      const base = [language ?? parts.language, script ?? parts.script, region ?? parts.region].filter((p) => p);
      const rest = parts.tag.slice(parts.baseName.length);
      parts = native.intlLocale(base.join('-') + rest, 'none');
    }
    this.#parts = parts;
  }

  static #of(locale) {
    if (!(#parts in locale)) throw new TypeError('Method called on incompatible receiver');
    return locale.#parts;
  }

  get baseName() { return Locale.#of(this).baseName; }
  get language() { return Locale.#of(this).language; }
  get script() { return Locale.#of(this).script; }
  get region() { return Locale.#of(this).region; }
  toString() { return Locale.#of(this).tag; }
  toJSON() { return this.toString(); }
  maximize() { return new Locale(native.intlLocale(this.toString(), 'maximize').tag); }
  minimize() { return new Locale(native.intlLocale(this.toString(), 'minimize').tag); }
}
Object.defineProperty(Locale.prototype, Symbol.toStringTag, { value: 'Intl.Locale', configurable: true });

const Intl = {};
for (const [name, value] of Object.entries({
  getCanonicalLocales(locales) { return canonicalizeLocaleList(locales); },
  Collator: callable(Collator),
  DateTimeFormat: callable(DateTimeFormat),
  DisplayNames,
  ListFormat,
  Locale,
  NumberFormat: callable(NumberFormat),
  PluralRules,
  RelativeTimeFormat,
  Segmenter,
})) {
  Object.defineProperty(Intl, name, { value, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(Intl, Symbol.toStringTag, { value: 'Intl', configurable: true });

// The locale-sensitive methods of the built-ins (ECMA-402 chapter 20); the
// formatter of the default locale and options is made once.
let defaultNumberFormat;
let defaultCollator;
function defineMethod(proto, name, method) {
  Object.defineProperty(proto, name, { value: method, writable: true, configurable: true, enumerable: false });
}
defineMethod(Number.prototype, 'toLocaleString', function toLocaleString(locales = undefined, options = undefined) {
  const x = Number.prototype.valueOf.call(this);
  if (locales === undefined && options === undefined) {
    defaultNumberFormat ??= new NumberFormat();
    return defaultNumberFormat.format(x);
  }
  return new NumberFormat(locales, options).format(x);
});
defineMethod(String.prototype, 'localeCompare', function localeCompare(that, locales = undefined, options = undefined) {
  if (this === undefined || this === null) throw new TypeError('String.prototype.localeCompare called on null or undefined');
  const s = String(this);
  if (locales === undefined && options === undefined) {
    defaultCollator ??= new Collator();
    return defaultCollator.compare(s, that);
  }
  return new Collator(locales, options).compare(s, that);
});

for (const [name, defaults] of [['toLocaleString', dateDefaults.any], ['toLocaleDateString', dateDefaults.date], ['toLocaleTimeString', dateDefaults.time]]) {
  defineMethod(Date.prototype, name, {
    [name](locales = undefined, options = undefined) {
      const x = Date.prototype.getTime.call(this);
      if (Number.isNaN(x)) return 'Invalid Date';
      return new DateTimeFormat(locales, options, defaults).format(x);
    },
  }[name]);
}

export { Intl };
