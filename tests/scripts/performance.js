// performance: now, timeOrigin, and User Timing (marks, measures, entries).
test('mark, measure, entries', () => {
  performance.clearMarks();
  performance.clearMeasures();
  const a = performance.mark('a', { detail: { step: 1 } });
  assert(a instanceof PerformanceMark && a instanceof PerformanceEntry);
  assertEq([a.name, a.entryType, a.duration], ['a', 'mark', 0]);
  assertEq(a.detail, { step: 1 });
  assert(a.startTime >= 0 && a.startTime <= performance.now());
  const b = performance.mark('b', { startTime: a.startTime + 5 });
  assertEq(b.startTime, a.startTime + 5);
  assertEq(b.detail, null);
  const m = performance.measure('a to b', 'a', 'b');
  assert(m instanceof PerformanceMeasure);
  assertEq([m.entryType, m.startTime, m.duration], ['measure', a.startTime, 5]);
  const o = performance.measure('opts', { start: 'a', duration: 2, detail: 'x' });
  assertEq([o.startTime, o.duration, o.detail], [a.startTime, 2, 'x']);
  const e = performance.measure('end only', { end: 'b' });
  assertEq([e.startTime, e.duration], [0, b.startTime]);
  const fromZero = performance.measure('from zero');
  assertEq(fromZero.startTime, 0);
  assertEq(performance.getEntriesByType('mark').map((x) => x.name), ['a', 'b']);
  assertEq(performance.getEntriesByName('a to b').length, 1);
  assertEq(performance.getEntriesByName('a', 'measure').length, 0);
  const all = performance.getEntries();
  for (let i = 1; i < all.length; i++) assert(all[i - 1].startTime <= all[i].startTime, 'sorted by startTime');
  assertEq(JSON.parse(JSON.stringify(a)), { name: 'a', entryType: 'mark', startTime: a.startTime, duration: 0, detail: { step: 1 } });
  performance.clearMarks('a');
  assertEq(performance.getEntriesByType('mark').map((x) => x.name), ['b']);
  performance.clearMarks();
  performance.clearMeasures();
  assertEq(performance.getEntries().length, 0);
});

test('User Timing errors', () => {
  assertThrows(() => performance.measure('x', 'no such mark'), 'SyntaxError');
  assertThrows(() => performance.mark('neg', { startTime: -1 }), 'TypeError');
  assertThrows(() => performance.measure('x', { start: 0 }, 'b'), 'TypeError', 'end mark with options');
  assertThrows(() => performance.measure('x', { detail: 1 }), 'TypeError', 'neither start nor end');
  assertThrows(() => performance.measure('x', { start: 0, duration: 1, end: 2 }), 'TypeError', 'all three');
  assertThrows(() => new PerformanceEntry(), 'TypeError');
  assertThrows(() => performance.mark(), 'TypeError');
  const m = new PerformanceMark('standalone');
  assertEq(performance.getEntriesByName('standalone').length, 0, 'the constructor does not record');
  assertEq(m.entryType, 'mark');
  assertThrows(() => performance.mark('c', { detail: () => {} }), 'DataCloneError');
});
