// Types of what nano gives an app beyond the web platform, written by
// `nano-host types`. The standard globals (fetch, Request, Response, URL,
// crypto.subtle, streams, TextEncoder, ...) are TypeScript's own: put
// "lib": ["ES2023", "WebWorker"] in tsconfig.json's compilerOptions.

/** An app's `env`: its vars and secrets from nano.toml (`[app.vars]`, `[app.secrets]`), by name. */
interface NanoEnv {
  readonly [name: string]: string | undefined;
}

/** The handler's third argument. */
interface ExecutionContext {
  /** Keeps the instance alive until `promise` settles, after the response has been sent (bounded by the app's wall-time limit). */
  waitUntil(promise: Promise<unknown>): void;
  /** Accepted for compatibility with Workers; nano has no origin to fall back to. */
  passThroughOnException(): void;
}

/** What an ES-module app exports as default: `export default { fetch } satisfies ExportedHandler`. */
interface ExportedHandler<Env = NanoEnv> {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

interface Crypto {
  /** A WritableStream that digests what is written to it (as in Workers); `digest` settles when it is closed. */
  readonly DigestStream: {
    new (algorithm: AlgorithmIdentifier): WritableStream<BufferSource> & { readonly digest: Promise<ArrayBuffer> };
  };
}

/** `import.meta.url` is `file:///` followed by the module's path under the app's root. */
interface ImportMeta {
  readonly url: string;
}
