import { once } from "node:events";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Hardhat's code for an execution revert (geth and anvil use it too): `data` is then the raw revert data. */
const REVERT = 3;

/** The largest JSON-RPC body accepted (a contract deployment is a few tens of kB). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** The most requests in one batch; a larger batch is refused, not cut. */
const MAX_BATCH = 1000;

export type RpcHandler = (method: string, params: unknown[]) => Promise<unknown>;

interface RpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** A JSON-RPC error object from whatever the handler threw, in the shape ethers and viem decode. */
export function rpcErrorOf(e: unknown): { code: number; message: string; data?: unknown } {
  const err = e as { code?: unknown; message?: string; data?: unknown; transactionHash?: string };
  const code = typeof err.code === "number" ? err.code : -32603;
  const inner = err.data as { data?: unknown; transactionHash?: string } | string | undefined;
  const returnData = typeof inner === "string" ? inner : typeof inner?.data === "string" ? inner.data : undefined;
  if (code === REVERT) return { code, message: err.message ?? "execution reverted", data: returnData };
  const txHash = err.transactionHash ?? (typeof inner === "object" ? inner?.transactionHash : undefined);
  // A reverted transaction that was mined keeps its hash in the answer, as `hardhat node` gives it.
  if (code === REVERT) return { code, message: err.message ?? "execution reverted", data: returnData, ...(txHash ? { transactionHash: txHash } : {}) } as never;
  return { code, message: err.message ?? String(e), ...(returnData !== undefined || txHash ? { data: { message: err.message, txHash, data: returnData } } : {}) };
}

/** The answer to one request; null for a notification (no id), which gets none. */
async function answer(handler: RpcHandler, req: unknown): Promise<object | null> {
  const r = (req ?? {}) as RpcRequest;
  const notification = typeof req === "object" && req !== null && !("id" in req);
  const id = r.id === undefined ? null : r.id;
  if (typeof req !== "object" || req === null || typeof r.method !== "string" || (r.params !== undefined && !Array.isArray(r.params))) {
    return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid request" } };
  }
  let response: object;
  try {
    response = { jsonrpc: "2.0", id, result: (await handler(r.method, (r.params as unknown[] | undefined) ?? [])) ?? null };
  } catch (e) {
    response = { jsonrpc: "2.0", id, error: rpcErrorOf(e) };
  }
  return notification ? null : response;
}

/**
 * Who may talk to the chain: its full JSON-RPC unlocks Hardhat's public dev
 * keys, so a browser must never reach it. Requests that a web page could send
 * (an Origin header, a content type other than JSON, which needs no CORS
 * preflight) and requests for another host name (DNS rebinding) are refused.
 */
function refusal(req: IncomingMessage, port: number): string | null {
  if (req.headers.origin !== undefined) return "requests from web pages are refused: this chain's JSON-RPC is for local programs only";
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") return "send JSON-RPC with Content-Type: application/json";
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!hosts.includes((req.headers.host ?? "").toLowerCase())) return `the Host header must be one of ${hosts.join(", ")}`;
  return null;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Answers one HTTP request carrying a JSON-RPC request or batch. */
export async function serveJsonRpc(handler: RpcHandler, req: IncomingMessage, res: ServerResponse, port?: number): Promise<void> {
  if (req.method !== "POST") {
    send(res, 405, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "JSON-RPC requests are POSTed" } });
    return;
  }
  const refused = port === undefined ? null : refusal(req, port);
  if (refused) {
    send(res, 403, { jsonrpc: "2.0", id: null, error: { code: -32600, message: refused } });
    req.resume();
    return;
  }
  const text = await readBody(req);
  if (text === null) {
    send(res, 413, { jsonrpc: "2.0", id: null, error: { code: -32600, message: `request larger than ${MAX_BODY_BYTES} bytes` } });
    req.destroy();
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    send(res, 200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    return;
  }
  if (Array.isArray(body)) {
    if (body.length === 0 || body.length > MAX_BATCH) {
      send(res, 200, { jsonrpc: "2.0", id: null, error: { code: -32600, message: `a batch holds 1 to ${MAX_BATCH} requests` } });
      return;
    }
    const answers: object[] = [];
    for (const one of body) {
      const a = await answer(handler, one);
      if (a) answers.push(a);
    }
    if (answers.length === 0) res.writeHead(204).end();
    else send(res, 200, answers);
  } else {
    const a = await answer(handler, body);
    if (a) send(res, 200, a);
    else res.writeHead(204).end();
  }
}

/** A JSON-RPC server over HTTP on a loopback address (never beyond: the chain's dev keys are public). */
export async function listenJsonRpc(handler: RpcHandler, port: number, host = "127.0.0.1"): Promise<{ server: Server; url: string }> {
  let bound = port;
  const server = createServer((req, res) => {
    serveJsonRpc(handler, req, res, bound).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { jsonrpc: "2.0", id: null, error: { code: -32603, message: (e as Error).message } });
    });
  });
  server.keepAliveTimeout = 5_000;
  server.listen(port, host);
  await Promise.race([once(server, "listening"), once(server, "error").then(([e]) => Promise.reject(e as Error))]);
  const address = server.address() as AddressInfo;
  bound = address.port;
  return { server, url: `http://${host}:${address.port}` };
}
