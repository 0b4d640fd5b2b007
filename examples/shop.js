// A tenant's shop: a small JSON API, routed by host and path in nano.toml.
// `env` holds the app's vars and secrets from the manifest.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/products')) {
      return Response.json([
        { id: 1, name: 'Teapot', price: 18 },
        { id: 2, name: 'Kettle', price: 32 },
      ]);
    }
    return Response.json({
      shop: env.SHOP_NAME,
      path: url.pathname,
      // Never echo a secret; say only whether one was configured.
      apiKeyConfigured: typeof env.API_KEY === 'string' && env.API_KEY.length > 0,
    });
  },
};
