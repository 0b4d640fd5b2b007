// Generates tests/scripts/intl_cases.js: Intl cases (JS expressions) with
// the value Node's ICU gives each, which tests/scripts/intl.js checks nano's
// Intl (ICU4X in the host) against. Run with `node scripts/gen_intl_cases.mjs`.
// DIFFERENCES lists the cases where nano knowingly differs, with why and
// what nano gives (so a change there is caught too).
import { writeFileSync } from 'node:fs';

const LOCALES = ['en-US', 'de', 'fr', 'es', 'ja', 'zh', 'ar', 'hi', 'pt-BR', 'ru'];

const D = 'Date.UTC(2024, 0, 15, 15, 4, 5)';

function perLocale(L) {
  const l = JSON.stringify(L);
  return [
    `new Intl.DateTimeFormat(${l}, { timeZone: 'UTC' }).format(${D})`,
    ...['full', 'long', 'medium', 'short'].map((s) => `new Intl.DateTimeFormat(${l}, { dateStyle: '${s}', timeZone: 'UTC' }).format(${D})`),
    `new Intl.DateTimeFormat(${l}, { timeStyle: 'short', timeZone: 'UTC' }).format(${D})`,
    `new Intl.DateTimeFormat(${l}, { timeStyle: 'medium', timeZone: 'UTC' }).format(${D})`,
    `new Intl.DateTimeFormat(${l}, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(${D})`,
    `new Intl.DateTimeFormat(${l}, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(${D})`,
    `new Intl.DateTimeFormat(${l}, { weekday: 'long', timeZone: 'UTC' }).format(${D})`,
    `new Intl.DateTimeFormat(${l}, { hour: 'numeric', minute: '2-digit', hour12: false, timeZone: 'UTC' }).format(${D})`,
    `new Date(${D}).toLocaleString(${l}, { timeZone: 'America/New_York' })`,
    `new Date(${D}).toLocaleDateString(${l}, { timeZone: 'Asia/Tokyo' })`,
    `new Intl.NumberFormat(${l}).format(1234567.891)`,
    `new Intl.NumberFormat(${l}).format(-0.5)`,
    `new Intl.NumberFormat(${l}, { maximumFractionDigits: 1 }).format(2.25)`,
    `new Intl.NumberFormat(${l}, { minimumFractionDigits: 2 }).format(3)`,
    `new Intl.NumberFormat(${l}, { useGrouping: false }).format(1234567.5)`,
    `new Intl.NumberFormat(${l}, { style: 'percent' }).format(0.256)`,
    `new Intl.NumberFormat(${l}, { style: 'percent', maximumFractionDigits: 1 }).format(-0.1234)`,
    `new Intl.NumberFormat(${l}, { style: 'currency', currency: 'EUR' }).format(1234.5)`,
    `new Intl.NumberFormat(${l}, { style: 'currency', currency: 'USD', currencyDisplay: 'code' }).format(-42)`,
    `new Intl.NumberFormat(${l}, { style: 'currency', currency: 'JPY' }).format(5000)`,
    `new Intl.NumberFormat(${l}, { style: 'currency', currency: 'USD', currencyDisplay: 'name' }).format(2)`,
    `new Intl.NumberFormat(${l}, { notation: 'compact' }).format(1234)`,
    `new Intl.NumberFormat(${l}, { notation: 'compact' }).format(12345678)`,
    `new Intl.NumberFormat(${l}, { notation: 'compact', compactDisplay: 'long' }).format(2500000)`,
    `new Intl.NumberFormat(${l}).formatToParts(-1234.56)`,
    `new Intl.NumberFormat(${l}).resolvedOptions().locale`,
    `(1234.5).toLocaleString(${l})`,
    `[0, 1, 2, 3, 5, 11, 21, 100, 1.5].map((n) => new Intl.PluralRules(${l}).select(n)).join()`,
    `[1, 2, 3, 4, 11, 21, 22, 23].map((n) => new Intl.PluralRules(${l}, { type: 'ordinal' }).select(n)).join()`,
    `new Intl.PluralRules(${l}).resolvedOptions().pluralCategories.sort().join()`,
    `['z', 'a', 'ä', 'Z', 'b', 'é', 'e'].sort(new Intl.Collator(${l}).compare).join()`,
    `[['a', 'A'], ['a', 'á'], ['a', 'b']].map(([x, y]) => new Intl.Collator(${l}, { sensitivity: 'base' }).compare(x, y)).join()`,
    `['10', '9', '2', '1'].sort(new Intl.Collator(${l}, { numeric: true }).compare).join()`,
    `new Intl.ListFormat(${l}).format(['A', 'B', 'C'])`,
    `new Intl.ListFormat(${l}, { type: 'disjunction' }).format(['A', 'B'])`,
    `new Intl.ListFormat(${l}, { type: 'unit', style: 'narrow' }).format(['1', '2', '3'])`,
    `new Intl.Locale(${l}).maximize().toString()`,
    `Intl.getCanonicalLocales(${l})`,
  ];
}

const GENERAL = [
  `new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).formatToParts(${D})`,
  `new Intl.DateTimeFormat('en', { timeZone: 'america/los_angeles' }).resolvedOptions().timeZone`,
  `new Intl.DateTimeFormat('en', { timeZone: 'Mars/Olympus' })`,
  `new Intl.DateTimeFormat('en', { dateStyle: 'short', year: 'numeric' })`,
  `new Intl.DateTimeFormat('en', { timeZone: 'UTC' }).format(NaN)`,
  `new Intl.DateTimeFormat('de', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(Date.UTC(2024, 6, 1, 10, 30))`,
  `new Intl.DateTimeFormat('en-US', { timeZone: 'Australia/Sydney', dateStyle: 'short', timeStyle: 'short' }).format(Date.UTC(2024, 0, 1, 20, 0))`,
  `new Date(NaN).toLocaleString('en')`,
  `new Date(${D}).toLocaleTimeString('en-US', { timeZone: 'UTC' })`,
  `new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(${D})`,
  `new Intl.DateTimeFormat('en', { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(${D})`,
  `Intl.getCanonicalLocales(['EN-us', 'en-US', 'zh-hant-tw'])`,
  `Intl.getCanonicalLocales('en_US')`,
  `Intl.getCanonicalLocales([42])`,
  `Intl.NumberFormat.supportedLocalesOf(['de-AT', 'tlh', 'ja'])`,
  `new Intl.NumberFormat('tlh').resolvedOptions().locale`,
  `new Intl.NumberFormat(['tlh', 'fr-CA']).resolvedOptions().locale`,
  `new Intl.NumberFormat('en', { style: 'bogus' })`,
  `new Intl.NumberFormat('en', { style: 'currency' })`,
  `new Intl.NumberFormat('en', { maximumFractionDigits: 101 })`,
  `new Intl.NumberFormat('en', { minimumFractionDigits: 3, maximumFractionDigits: 1 })`,
  `new Intl.NumberFormat('en', { style: 'currency', currency: 'US' })`,
  `new Intl.NumberFormat('en').format(NaN)`,
  `new Intl.NumberFormat('en').format(-Infinity)`,
  `new Intl.NumberFormat('en').format(1.005)`,
  `new Intl.NumberFormat('en').format(123456789012345680000)`,
  `new Intl.NumberFormat('en').format(12345678901234567890n)`,
  `new Intl.NumberFormat('en').format('1e3')`,
  `new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).resolvedOptions()`,
  `new Intl.NumberFormat('de', { style: 'percent' }).resolvedOptions()`,
  `new Intl.NumberFormat('en', { style: 'percent' }).formatToParts(0.5)`,
  `new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' }).formatToParts(-3.5)`,
  `new Intl.NumberFormat('en').formatToParts(1234.5)`,
  `(1234.5).toLocaleString()`,
  `(0.000001).toLocaleString('en')`,
  `new Intl.PluralRules('en').resolvedOptions().locale`,
  `new Intl.PluralRules('en', { minimumFractionDigits: 1 }).select(1)`,
  `new Intl.PluralRules('en', { type: 'bogus' })`,
  `['b', 'a', 'C', 'A'].sort(new Intl.Collator('en', { sensitivity: 'base' }).compare).join()`,
  `new Intl.Collator('en', { ignorePunctuation: true }).compare('a-b', 'ab')`,
  `new Intl.Collator('de').resolvedOptions()`,
  `new Intl.Collator('en', { sensitivity: 'accent' }).compare('a', 'A')`,
  `new Intl.Collator('en', { sensitivity: 'case' }).compare('a', 'á')`,
  `new Intl.Collator('sv').compare('ä', 'z')`,
  `'a'.localeCompare('b')`,
  `'résumé'.localeCompare('resume', 'en', { sensitivity: 'base' })`,
  `['Ärger', 'Zebra', 'Apfel'].sort((a, b) => a.localeCompare(b, 'de')).join()`,
  `new Intl.ListFormat('en').formatToParts(['x', 'y'])`,
  `new Intl.ListFormat('en', { style: 'short', type: 'unit' }).format(['1h', '2m'])`,
  `new Intl.ListFormat('en').format([])`,
  `new Intl.ListFormat('en').format(['one'])`,
  `new Intl.ListFormat('en').format([1, 2])`,
  `new Intl.ListFormat('en').resolvedOptions()`,
  `[...new Intl.Segmenter('en').segment('e\\u0301👍🏽!')].map((s) => s.segment)`,
  `[...new Intl.Segmenter('en', { granularity: 'word' }).segment('Hello, world 42!')].map((s) => [s.segment, s.index, s.isWordLike])`,
  `[...new Intl.Segmenter('en', { granularity: 'sentence' }).segment('Hi there. How are you? Fine!')].map((s) => s.segment)`,
  `[...new Intl.Segmenter('ja', { granularity: 'word' }).segment('今日は良い天気')].map((s) => s.segment)`,
  `[...new Intl.Segmenter('zh', { granularity: 'word' }).segment('我们是中国人')].map((s) => s.segment)`,
  `new Intl.Segmenter('en', { granularity: 'word' }).segment('ab cd').containing(3)`,
  `new Intl.Segmenter('en').resolvedOptions()`,
  `new Intl.Segmenter('en', { granularity: 'line' })`,
  `new Intl.Locale('en-Latn-US').language + '/' + new Intl.Locale('en-Latn-US').script + '/' + new Intl.Locale('en-Latn-US').region`,
  `new Intl.Locale('zh-Hant-TW').minimize().toString()`,
  `new Intl.Locale('en', { region: 'GB' }).toString()`,
  `new Intl.Locale('en-US-u-ca-buddhist').baseName`,
  `new Intl.Locale('und').maximize().toString()`,
  `new Intl.Locale('x')`,
  `String(new Intl.Locale('sr-cyrl'))`,
  `Object.prototype.toString.call(Intl)`,
  `Object.prototype.toString.call(new Intl.NumberFormat())`,
  `typeof Intl.NumberFormat.prototype.format`,
];

const DIFFERENCES = {
  "new Intl.DateTimeFormat(\"de\", { timeZone: 'UTC' }).format(Date.UTC(2024, 0, 15, 15, 4, 5))": { nano: { value: "15.01.2024" }, reason: "ICU4X's short numeric dates pad month and day to two digits in this locale (its field sets have no numeric-width choice); ICU's `yMd` skeleton does not" },
  "new Date(Date.UTC(2024, 0, 15, 15, 4, 5)).toLocaleString(\"de\", { timeZone: 'America/New_York' })": { nano: { value: "15.01.2024, 10:04:05" }, reason: "ICU4X's short numeric dates pad month and day to two digits in this locale (its field sets have no numeric-width choice); ICU's `yMd` skeleton does not" },
  "new Date(Date.UTC(2024, 0, 15, 15, 4, 5)).toLocaleDateString(\"de\", { timeZone: 'Asia/Tokyo' })": { nano: { value: "16.01.2024" }, reason: "ICU4X's short numeric dates pad month and day to two digits in this locale (its field sets have no numeric-width choice); ICU's `yMd` skeleton does not" },
  "new Intl.DateTimeFormat(\"ja\", { timeZone: 'UTC' }).format(Date.UTC(2024, 0, 15, 15, 4, 5))": { nano: { value: "2024/01/15" }, reason: "ICU4X's short numeric dates pad month and day to two digits in this locale (its field sets have no numeric-width choice); ICU's `yMd` skeleton does not" },
  "new Date(Date.UTC(2024, 0, 15, 15, 4, 5)).toLocaleString(\"ja\", { timeZone: 'America/New_York' })": { nano: { value: "2024/01/15 10:04:05" }, reason: "ICU4X's short numeric dates pad month and day to two digits in this locale (its field sets have no numeric-width choice); ICU's `yMd` skeleton does not" },
  "new Date(Date.UTC(2024, 0, 15, 15, 4, 5)).toLocaleDateString(\"ja\", { timeZone: 'Asia/Tokyo' })": { nano: { value: "2024/01/16" }, reason: "ICU4X's short numeric dates pad month and day to two digits in this locale (its field sets have no numeric-width choice); ICU's `yMd` skeleton does not" },
  "new Intl.DateTimeFormat(\"hi\", { dateStyle: 'full', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 15, 15, 4, 5))": { nano: { value: "सोमवार, 15 जनवरी, 2024" }, reason: "ICU4X 2.4's hi date patterns have a comma between month and year that Node's ICU 78.2 lacks" },
  "new Intl.DateTimeFormat(\"hi\", { dateStyle: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 15, 15, 4, 5))": { nano: { value: "15 जनवरी, 2024" }, reason: "ICU4X 2.4's hi date patterns have a comma between month and year that Node's ICU 78.2 lacks" },
  "new Intl.DateTimeFormat(\"hi\", { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 15, 15, 4, 5))": { nano: { value: "15 जनवरी, 2024" }, reason: "ICU4X 2.4's hi date patterns have a comma between month and year that Node's ICU 78.2 lacks" },
  "new Intl.NumberFormat(\"fr\", { style: 'currency', currency: 'JPY' }).format(5000)": { nano: { value: "5\u202f000\u00a0JP¥" }, reason: "where a locale has no symbol of its own for a currency, ICU4X's data falls back to the root's (JP\u00a5), Node's ICU to the ISO code" },
  "new Intl.NumberFormat(\"es\", { style: 'currency', currency: 'JPY' }).format(5000)": { nano: { value: "5000\u00a0JP¥" }, reason: "the same fallback of the currency symbol as fr" },
  "[1, 2, 3, 4, 11, 21, 22, 23].map((n) => new Intl.PluralRules(\"es\", { type: 'ordinal' }).select(n)).join()": { nano: { value: "one,other,one,other,other,one,other,one" }, reason: "ICU4X 2.4's ordinal rules for es have a `one` category that Node's ICU 78.2 lacks (there every number is `other`)" },
  "new Intl.NumberFormat(\"ja\", { style: 'currency', currency: 'USD', currencyDisplay: 'name' }).format(2)": { nano: { value: "2.00 米ドル" }, reason: "ICU4X's currency-name pattern puts a space between number and name where ja's CLDR pattern has none" },
  "new Intl.NumberFormat(\"zh\", { style: 'currency', currency: 'USD', currencyDisplay: 'name' }).format(2)": { nano: { value: "2.00 美元" }, reason: "as ja: ICU4X's currency-name pattern has a space" },
  "new Intl.ListFormat(\"hi\").format(['A', 'B', 'C'])": { nano: { value: "A, B और C" }, reason: "ICU4X 2.4's hi list data has no comma before the last item, Node's ICU 78.2 has" },
  "new Intl.NumberFormat('en').format(12345678901234567890n)": { nano: { value: "12,345,678,901,234,567,000" }, reason: "nano formats a BigInt as the nearest Number (the host takes an f64), so digits past 2^53's precision are lost" },
  "new Intl.Locale('und').maximize().toString()": { nano: { value: "und" }, reason: "ICU4X's likely-subtags expansion leaves `und` as it is; ICU makes it en-Latn-US" },
};

function evaluate(expr) {
  try {
    const value = (0, eval)(expr);
    return { value: JSON.parse(JSON.stringify(value === undefined ? null : value)) };
  } catch (err) {
    return { error: err.name };
  }
}

const cases = [...LOCALES.flatMap(perLocale), ...GENERAL].map((expr) => [expr, evaluate(expr)]);
const header = `// Generated by scripts/gen_intl_cases.mjs with Node ${process.version} (ICU ${process.versions.icu}, CLDR ${process.versions.cldr}, Unicode ${process.versions.unicode}): do not edit.
// Each case: [expression, Node's result ({ value } as JSON, or { error: name })].
`;
writeFileSync(new URL('../tests/scripts/intl_cases.js', import.meta.url), `${header}const INTL_CASES = ${JSON.stringify(cases, null, 0).replace(/\],\[/g, '],\n[')};
// Cases where nano differs knowingly: expression → { nano: nano's result, reason }.
const INTL_DIFFERENCES = ${JSON.stringify(DIFFERENCES, null, 2)};
`);
console.log(`${cases.length} cases`);
