// Runs the Web Platform Tests' URL data through the JS API, as
// url/url-constructor.any.js, url/url-origin.any.js and
// url/url-setters.any.js do. The test prepends `urlTestData` and
// `settersTestData` (the JSON files in tests/wpt-data).
const failures = [];
let passed = 0;
const show = (v) => JSON.stringify(v);

for (const t of urlTestData) {
  if (typeof t === 'string') continue; // a comment
  const name = `new URL(${show(t.input)}${t.base === null ? '' : `, ${show(t.base)}`})`;
  let url;
  try {
    url = t.base === null ? new URL(t.input) : new URL(t.input, t.base);
  } catch (err) {
    if (t.failure && err instanceof TypeError) {
      if ((t.base === null ? URL.canParse(t.input) : URL.canParse(t.input, t.base)) !== false) failures.push(`${name}: canParse is not false`);
      else passed++;
    } else {
      failures.push(`${name}: threw ${err}`);
    }
    continue;
  }
  if (t.failure) {
    failures.push(`${name}: expected a TypeError, got ${show(url.href)}`);
    continue;
  }
  const wrong = [];
  for (const key of ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) {
    if (url[key] !== t[key]) wrong.push(`${key} ${show(url[key])} != ${show(t[key])}`);
  }
  if ('origin' in t && url.origin !== t.origin) wrong.push(`origin ${show(url.origin)} != ${show(t.origin)}`);
  if ('searchParams' in t && url.searchParams.toString() !== t.searchParams) {
    wrong.push(`searchParams ${show(url.searchParams.toString())} != ${show(t.searchParams)}`);
  }
  if (wrong.length) failures.push(`${name}: ${wrong.join('; ')}`);
  else passed++;
}

for (const [setter, cases] of Object.entries(settersTestData)) {
  if (setter === 'comment') continue;
  for (const t of cases) {
    const name = `${show(t.href)}.${setter} = ${show(t.new_value)}`;
    const url = new URL(t.href);
    try {
      url[setter] = t.new_value;
    } catch (err) {
      failures.push(`${name}: threw ${err}`);
      continue;
    }
    const wrong = Object.entries(t.expected)
      .filter(([key, value]) => url[key] !== value)
      .map(([key, value]) => `${key} ${show(url[key])} != ${show(value)}`);
    if (wrong.length) failures.push(`${name}: ${wrong.join('; ')}`);
    else passed++;
  }
}

for (const f of failures) console.error(`FAIL ${f}`);
console.log(`passed ${passed} failed ${failures.length}`);
