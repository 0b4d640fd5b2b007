// Top-level await runs during the build; its result is in the snapshot.
const greeting = await new Promise((resolve) => setTimeout(() => resolve('awaited at build time'), 10));
export default { fetch() { return new Response(greeting); } };
