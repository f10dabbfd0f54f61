import { connect } from "node:net";

export interface RawResponse {
  status: number | null;
  contentType: string | null;
  body: string;
}

/**
 * Sends bytes exactly as given over a fresh loopback connection and reads
 * the response (status line, content type, body) until the server closes or
 * `timeoutMs` passes. `abortAfter` closes the socket after that many bytes,
 * as a client that gives up mid-upload.
 */
export function rawRequest(port: number, request: Buffer, opts: { abortAfter?: number; timeoutMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const type = /\r\ncontent-type: ([^\r\n]+)/i.exec(text);
      resolve({ status: status ? Number(status[1]) : null, contentType: type ? type[1]! : null, body: text.split("\r\n\r\n").slice(1).join("\r\n\r\n") });
    };
    socket.setTimeout(opts.timeoutMs ?? 10_000, () => socket.destroy());
    socket.on("data", (d) => chunks.push(d));
    socket.on("close", done);
    socket.on("error", () => undefined);
    socket.on("connect", () => {
      if (opts.abortAfter !== undefined) {
        socket.write(request.subarray(0, opts.abortAfter), () => socket.destroy());
      } else {
        socket.write(request);
      }
    });
  });
}

/** An HTTP/1.1 request with Connection: close and, unless given, a correct Content-Length. */
export function httpRequest(method: string, path: string, headers: Record<string, string>, body: Buffer | string = ""): Buffer {
  const payload = typeof body === "string" ? Buffer.from(body) : body;
  const all = { host: "127.0.0.1", connection: "close", ...(method === "GET" ? {} : { "content-length": String(payload.length) }), ...headers };
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), payload]);
}
