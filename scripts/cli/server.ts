import { CliError, optionOrEnv } from "./output.js";

export interface ServerOptions {
  server?: string;
  key?: string;
}

/** A Notary server's HTTP API, as a clerk (the key from --key or $NOTARY_KEY). */
export function serverClient(opts: ServerOptions, needsKey = true) {
  const base = optionOrEnv(opts.server, "NOTARY_SERVER", "http://127.0.0.1:8080")!.replace(/\/$/, "");
  const key = optionOrEnv(opts.key, "NOTARY_KEY");
  if (needsKey && !key) throw new CliError('a clerk key is needed: set NOTARY_KEY (or --key); create one with "npx notary clerk add <name>"');
  const client = {
    base,
    /** Fails early, before any upload, when the server does not accept the key. */
    async checkKey(): Promise<void> {
      const response = await client.request("/api/v1/documents?limit=1");
      if (!response.ok) throw new CliError(`the server refused the clerk key: ${await problemOf(response)}`);
      await response.body?.cancel();
    },
    async request(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      if (key) headers.set("authorization", `Bearer ${key}`);
      try {
        return await fetch(base + path, { ...init, headers });
      } catch (e) {
        throw new CliError(`cannot reach the server at ${base} (${(e as Error).cause ?? (e as Error).message}); pass --server`);
      }
    },
  };
  return client;
}

/** A failed response as one line: the problem's detail and code. */
export async function problemOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { detail?: string; code?: string } | null;
  return body?.detail ? `${body.detail}${body.code ? ` (${body.code})` : ""}` : `HTTP ${response.status}`;
}

/** Waits for an answer other than 202 (pending), polling; null when the time is up. */
export async function untilSettled(poll: () => Promise<Response>, timeoutMs: number): Promise<Response | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await poll();
    if (response.status !== 202) return response;
    await response.body?.cancel();
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
