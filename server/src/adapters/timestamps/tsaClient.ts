import type { TimestampAuthority } from "../../domain/timestamps/timestamper.js";
import type { CoAnchor } from "../../domain/types.js";
import { checkToken, rootBytes, rootImprint, timestampQuery, tokenOfReply } from "./rfc3161.js";

/** The longest a TSA may take to answer before the next one is tried (a hanging TSA must not hold anything up). */
const TIMEOUT_MS = 10_000;
/** How long a TSA that failed is asked only after the others (a TSA that hangs would otherwise cost its timeout on every root). */
const SET_BACK_MS = 60_000;
/** The largest reply read (a token with its certificate chain is a few kB). */
const MAX_REPLY_BYTES = 256 * 1024;

async function readBounded(response: Response): Promise<Uint8Array> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_REPLY_BYTES) {
      await reader.cancel();
      throw new Error(`the reply is larger than ${MAX_REPLY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * RFC 3161 over HTTP (POST application/timestamp-query): the TSAs of
 * TSA_URL in order, each bounded in time and size; a TSA that failed in the
 * last minute is asked after those that did not. A token counts only once
 * it verifies against TSA_CA_FILE's roots, for this root and this request's
 * nonce.
 */
export class TsaClient implements TimestampAuthority {
  /** When each TSA last failed (ms since the epoch). */
  private readonly failedAt = new Map<string, number>();

  constructor(
    private readonly urls: string[],
    private readonly roots: Uint8Array[],
    private readonly timeoutMs = TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The TSAs in the order they are asked now: those without a recent failure first, each group in TSA_URL's order. */
  order(): string[] {
    const setBack = (url: string) => this.now() - (this.failedAt.get(url) ?? -Infinity) < SET_BACK_MS;
    return [...this.urls.filter((u) => !setBack(u)), ...this.urls.filter(setBack)];
  }

  async stamp(root: string, signal?: AbortSignal): Promise<CoAnchor> {
    const problems: string[] = [];
    for (const url of this.order()) {
      signal?.throwIfAborted();
      try {
        const coAnchor = await this.stampAt(url, root, signal);
        this.failedAt.delete(url);
        return coAnchor;
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        this.failedAt.set(url, this.now());
        problems.push(`${url}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no TSA gave a valid token (${problems.join("; ")})`);
  }

  private async stampAt(url: string, root: string, signal?: AbortSignal): Promise<CoAnchor> {
    const query = timestampQuery(rootImprint(root));
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
      body: new Uint8Array(query.der),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    let token: Buffer;
    try {
      token = tokenOfReply(await readBounded(response));
    } catch (e) {
      throw new Error(`not a TimeStampResp (${(e as Error).message})`);
    }
    const check = await checkToken(token, { data: rootBytes(root), roots: this.roots, nonce: query.nonce });
    if (!check.ok) throw new Error(`its token does not verify: ${check.reason}`);
    return {
      type: "rfc3161",
      imprint: { algorithm: "sha256", of: "root" },
      token: token.toString("base64"),
      tsa: url,
      genTime: check.genTime.toISOString().replace(".000Z", "Z"),
      certificates: check.certificates.map((c) => c.toString("base64")),
    };
  }
}
