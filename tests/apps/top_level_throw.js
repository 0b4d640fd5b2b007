const config = { ready: false };
if (!config.ready) {
  throw new Error('config is not ready');
}
export default { fetch() { return new Response('unreachable'); } };
