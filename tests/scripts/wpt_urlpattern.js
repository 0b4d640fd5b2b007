// Runs the Web Platform Tests' URL Pattern data (urlpatterntestdata.json)
// through the JS API, checking what WPT's urlpattern tests check: the
// constructor's TypeErrors, each component's pattern string, test(), and
// exec()'s inputs, component inputs and groups. The test prepends
// `urlPatternTestData`. The harness's defaults are the data format's: a
// component pattern not listed is the dictionary's own value, "*" once an
// earlier component is given, else the base URL's; a component result not
// listed is an empty input with a "0" group of "" (no group for the
// `exactly_empty_components`); a null group value stands for undefined.
const failures = [];
let passed = 0;
const show = (v) => JSON.stringify(v);
const COMPONENTS = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'];
// Components whose default comes from the base URL only if none of these
// is given in the dictionary.
const EARLIER = {
  protocol: [], username: [], password: [],
  hostname: ['protocol'], port: ['protocol', 'hostname'],
  pathname: ['protocol', 'hostname', 'port'],
  search: ['protocol', 'hostname', 'port', 'pathname'],
  hash: ['protocol', 'hostname', 'port', 'pathname', 'search'],
};

function expectedPattern(t, component) {
  if (t.expected_obj && t.expected_obj[component] !== undefined) return t.expected_obj[component];
  if (t.exactly_empty_components?.includes(component)) return '';
  const first = t.pattern[0];
  const dict = typeof first === 'object' && first !== null ? first : null;
  if (dict && dict[component]) return dict[component];
  if (dict && EARLIER[component].some((c) => dict[c])) return '*';
  let base = null;
  if (dict && dict.baseURL) base = new URL(dict.baseURL);
  else if (typeof t.pattern[1] === 'string') base = new URL(t.pattern[1]);
  if (base && component !== 'username' && component !== 'password') {
    const value = base[component];
    if (component === 'protocol') return value.slice(0, -1);
    if (component === 'search' || component === 'hash') return value.slice(1);
    return value;
  }
  return '*';
}

function sameGroups(actual, expected) {
  const a = Object.keys(actual);
  const e = Object.keys(expected);
  if (a.length !== e.length) return false;
  return e.every((k) => Object.hasOwn(actual, k) && actual[k] === (expected[k] === null ? undefined : expected[k]));
}

function check(t) {
  if (t.expected_obj === 'error') {
    try {
      new URLPattern(...t.pattern);
    } catch (err) {
      return err instanceof TypeError ? [] : [`threw ${err} (not a TypeError)`];
    }
    return ['constructed, expected a TypeError'];
  }
  let pattern;
  try {
    pattern = new URLPattern(...t.pattern);
  } catch (err) {
    return [`constructor threw ${err}`];
  }
  const wrong = [];
  for (const c of COMPONENTS) {
    const want = expectedPattern(t, c);
    if (pattern[c] !== want) wrong.push(`pattern.${c} ${show(pattern[c])} != ${show(want)}`);
  }
  if (!('inputs' in t)) return wrong;
  const inputs = t.inputs;
  if (t.expected_match === 'error') {
    for (const method of ['test', 'exec']) {
      try {
        pattern[method](...inputs);
        wrong.push(`${method}() did not throw`);
      } catch (err) {
        if (!(err instanceof TypeError)) wrong.push(`${method}() threw ${err} (not a TypeError)`);
      }
    }
    return wrong;
  }
  let tested;
  let result;
  try {
    tested = pattern.test(...inputs);
    result = pattern.exec(...inputs);
  } catch (err) {
    return [...wrong, `test/exec threw ${err}`];
  }
  const match = t.expected_match;
  if (tested !== !!match) wrong.push(`test() ${tested}`);
  if (!match || typeof match !== 'object') {
    if (result !== match) wrong.push(`exec() ${show(result)} != ${show(match)}`);
    return wrong;
  }
  if (result === null) return [...wrong, 'exec() null'];
  const wantInputs = match.inputs ?? inputs;
  if (result.inputs.length !== wantInputs.length) {
    wrong.push(`exec().inputs ${show(result.inputs)} != ${show(wantInputs)}`);
  } else {
    result.inputs.forEach((input, i) => {
      const want = wantInputs[i];
      if (typeof input === 'string' || typeof want === 'string') {
        if (input !== want) wrong.push(`exec().inputs[${i}] ${show(input)} != ${show(want)}`);
        return;
      }
      for (const c of COMPONENTS) {
        if (input[c] !== want[c]) wrong.push(`exec().inputs[${i}].${c} ${show(input[c])} != ${show(want[c])}`);
      }
    });
  }
  for (const c of COMPONENTS) {
    let want = match[c];
    if (!want) {
      want = { input: '', groups: t.exactly_empty_components?.includes(c) ? {} : { 0: '' } };
    }
    const got = result[c];
    if (!got || got.input !== want.input || !sameGroups(got.groups, want.groups)) {
      wrong.push(`exec().${c} ${show(got)} != ${show(want)}`);
    }
  }
  return wrong;
}

for (const t of urlPatternTestData) {
  const name = `new URLPattern(${show(t.pattern).slice(1, -1)})${'inputs' in t ? ` on (${show(t.inputs).slice(1, -1)})` : ''}`;
  const wrong = check(t);
  if (wrong.length) failures.push(`${name}: ${wrong.join('; ')}`);
  else passed++;
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`passed ${passed} failed ${failures.length}`);
