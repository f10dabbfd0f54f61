import { createHash } from "node:crypto";

import type { Receipt } from "../../domain/receipts/receipt.js";
import type { TimestampReport, TimestampVerifier } from "../../domain/verification/verifyReceipt.js";
import { type TokenCheck, checkToken, rootBytes } from "./rfc3161.js";

/** A token's check depends on nothing but the token, the root and the roots (certificates are checked at the token's own time). */
type CheckCache = (token: string, root: string) => Promise<TokenCheck>;

/**
 * Remembers token checks (parsing and verifying one costs tens of
 * milliseconds; a receipt's token is checked on every verification).
 * Bounded: emptied when full. Concurrent checks of one token share the work.
 */
function cachedChecks(roots: Uint8Array[], maxEntries: number): CheckCache {
  const entries = new Map<string, Promise<TokenCheck>>();
  return (token, root) => {
    const key = createHash("sha256").update(token).update("\0").update(root.toLowerCase()).digest("hex");
    const hit = entries.get(key);
    if (hit) return hit;
    if (entries.size >= maxEntries) entries.clear();
    const check = checkToken(Buffer.from(token, "base64"), { data: rootBytes(root), roots });
    entries.set(key, check);
    check.catch(() => entries.delete(key));
    return check;
  };
}

const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");

/**
 * The most co-anchors checked per receipt. A batch gets one token (two with a
 * renewal); each check of a token not seen before costs about 40 ms of CPU,
 * so a receipt stuffed with forged tokens must not buy more than this.
 */
export const MAX_CHECKED_CO_ANCHORS = 4;

/** One co-anchor of a receipt, checked against the trusted TSA roots. */
async function checkCoAnchor(receipt: Receipt, c: Record<string, unknown>, roots: Uint8Array[], check: CheckCache): Promise<TimestampReport> {
  if (c.type !== "rfc3161") return { type: String(c.type), ok: false, unverified: true, code: "timestamp.unknownType", values: { type: String(c.type).slice(0, 64) } };
  if (roots.length === 0) return { type: "rfc3161", ok: false, unverified: true, code: "timestamp.unverified", values: {} };
  if (typeof c.token !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(c.token)) {
    return { type: "rfc3161", ok: false, code: "timestamp.invalid", values: { reason: "the token is not base64" } };
  }
  const result = await check(c.token, receipt.root);
  if (!result.ok && result.untrusted) {
    return { type: "rfc3161", ok: false, unverified: true, tsa: result.tsa, code: "timestamp.untrusted", values: { tsa: result.tsa ?? "?", reason: result.reason } };
  }
  if (!result.ok) return { type: "rfc3161", ok: false, code: "timestamp.invalid", values: { reason: result.reason } };
  const genTime = iso(result.genTime);
  // The receipt repeats the token's time for readers; it must say what the token says.
  if (c.genTime !== genTime) return { type: "rfc3161", ok: false, code: "timestamp.invalid", values: { reason: `the receipt states ${String(c.genTime)}, the token ${genTime}` } };
  return { type: "rfc3161", ok: true, genTime, tsa: result.tsa, policy: result.policy, accuracySeconds: result.accuracySeconds, code: "timestamp.ok", values: { tsa: result.tsa, genTime } };
}

/**
 * Checks the RFC 3161 co-anchors of version 2 receipts against the TSA roots
 * a verifier trusts (TSA_CA_FILE). Without roots a token is reported as not
 * checked; co-anchor types this verifier does not know are reported, never
 * trusted. Checks are remembered (`maxEntries` tokens).
 */
export function tokenVerifier(roots: Uint8Array[], maxEntries = 10_000): TimestampVerifier {
  const check = cachedChecks(roots, maxEntries);
  return async (receipt) => {
    if (receipt.version !== 2) return [];
    return Promise.all(
      (receipt.coAnchors ?? []).map((c, i) =>
        i < MAX_CHECKED_CO_ANCHORS
          ? checkCoAnchor(receipt, c, roots, check)
          : { type: String(c.type).slice(0, 64), ok: false, unverified: true, code: "timestamp.skipped" as const, values: { max: String(MAX_CHECKED_CO_ANCHORS) } },
      ),
    );
  };
}
