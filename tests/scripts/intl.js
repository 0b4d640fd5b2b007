// Intl against Node's ICU: every case of intl_cases.js (expressions and the
// results Node 20 gives, made by scripts/gen_intl_cases.mjs) must give the
// same result here, or the result its documented difference lists.
function evaluateCase(expr) {
  try {
    const value = (0, eval)(expr);
    return { value: JSON.parse(JSON.stringify(value === undefined ? null : value)) };
  } catch (err) {
    return { error: err.name };
  }
}

const mismatches = [];
let equal = 0;
let documented = 0;
for (const [expr, expected] of INTL_CASES) {
  const actual = evaluateCase(expr);
  const difference = INTL_DIFFERENCES[expr];
  const wanted = difference ? difference.nano : expected;
  if (JSON.stringify(actual) === JSON.stringify(wanted)) {
    if (difference) documented++; else equal++;
  } else {
    mismatches.push([expr, { nano: actual, reason: '', node: expected }]);
  }
}
console.log(`intl: ${INTL_CASES.length} cases, ${equal} equal to Node, ${documented} documented differences`);
assert(mismatches.length === 0, `${mismatches.length} mismatches:\n${mismatches.map((m) => JSON.stringify(m)).join('\n')}`);

// The host's bounds on Intl (host/src/intl/mod.rs): text per call, list
// items, a code to name, and formatters alive at once.
test('each Intl host call takes bounded input', () => {
  const big = 'a'.repeat(64 * 1024 + 1);
  assertThrows(() => big.localeCompare('b', 'en'), 'TypeError', 'Collator over 64 KiB');
  assertEq('a'.repeat(32 * 1024).localeCompare('b', 'en'), -1, 'Collator within the bound');
  assertThrows(() => [...new Intl.Segmenter('en').segment(big)], 'TypeError', 'Segmenter over 64 KiB');
  assertEq([...new Intl.Segmenter('en').segment('a'.repeat(1000))].length, 1000, 'Segmenter within the bound');
  const items = Array.from({ length: 1025 }, (_, i) => String(i));
  assertThrows(() => new Intl.ListFormat('en').format(items), 'TypeError', 'ListFormat of 1,025 items');
  assert(new Intl.ListFormat('en').format(items.slice(0, 1024)).endsWith('and 1023'), 'ListFormat of 1,024 items');
  // A well-formed language tag of 50 variants, 302 bytes.
  const long = 'en-' + Array.from({ length: 50 }, (_, i) => 'v' + String(i).padStart(4, '0')).join('-');
  const names = new Intl.DisplayNames('en', { type: 'language' });
  assertThrows(() => names.of(long), 'TypeError', 'DisplayNames code over 255 bytes');
  assertEq(names.of('en-v0001'), 'English (v0001)');
});

test('an instance holds a bounded number of Intl formatters', () => {
  // Each formatter holds a host object once it has formatted; kept alive,
  // the 1,025th (or the host memory budget before it) is refused.
  const kept = [];
  let refused = null;
  for (let i = 0; i < 1100 && refused === null; i++) {
    try {
      const format = new Intl.NumberFormat('en', { minimumFractionDigits: i % 4 });
      format.format(i);
      kept.push(format);
    } catch (err) {
      refused = err;
    }
  }
  assert(refused !== null, `${kept.length} live formatters and none refused`);
  assertEq(refused.name, 'QuotaExceededError');
  assert(kept.length <= 1024, `${kept.length} formatters were alive at once`);
  assert(kept.length >= 100, `refused after only ${kept.length}`);
  // Formatting with those alive still works.
  assertEq(kept[5].format(5), '5.0');
});
