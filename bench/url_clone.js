// Micro-benchmarks run the same way in nano (`nano-host exec`) and in Node;
// nano-bench prints the ratio. Prints one JSON line of operations per second.
function measure(fn, minMs = 500, batch = 200) {
  for (let i = 0; i < batch; i++) fn(i); // warm-up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < batch; i++) fn(ops + i);
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

// A JSON-like graph of about 1 MB.
const graph = { users: [] };
for (let i = 0; graph.users.length < 6000; i++) {
  graph.users.push({ id: i, name: `user ${i}`, email: `user${i}@example.com`, active: i % 3 === 0,
    score: i * 1.5, tags: ['a', 'b', `t${i % 10}`], address: { city: 'Springfield', zip: String(10000 + i) } });
}
const graphBytes = new TextEncoder().encode(JSON.stringify(graph)).length;

const results = {
  url_parse_and_set_per_s: measure((i) => {
    const u = new URL(`https://example.com/path/${i}?q=${i}#frag`);
    u.pathname = `/other/${i}`;
    return u.href;
  }),
  structured_clone_1mb_per_s: measure(() => structuredClone(graph), 1000, 1),
  graph_bytes: graphBytes,
};
console.log(JSON.stringify(results));
