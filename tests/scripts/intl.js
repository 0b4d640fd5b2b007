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
