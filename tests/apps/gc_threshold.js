// A snapshot heap of ≈ 20 MB (more than the collector's threshold used to
// allow a request): a short request must not collect garbage (a collection
// costs time); one that makes a lot of garbage still collects, and finds
// the snapshot's objects alive (they are immortal, and outside what it
// walks). Only the collector frees a cycle, and a FinalizationRegistry says
// whether it ran.
const table = [];
for (let i = 0; i < 200000; i++) table.push({ i, s: 'x' + i });

export default {
  async fetch(request) {
    const garbage = Number(new URL(request.url).searchParams.get('garbage') ?? '0');
    let collected = false;
    const registry = new FinalizationRegistry(() => { collected = true; });
    (() => { const o = {}; o.self = o; registry.register(o, 1); })();
    const kept = [];
    for (let i = 0; i < 20000; i++) kept.push({ i });
    for (let i = 0; i < garbage; i++) { const o = { i }; o.self = o; }
    await new Promise((resolve) => setTimeout(resolve, 0));
    return new Response(`collected=${collected} ${kept.length + table.length}`);
  },
};
