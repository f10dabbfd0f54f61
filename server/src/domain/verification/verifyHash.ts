import type { Chain, Clock, OnChainAnchor, OnChainRevocation, Store } from "../ports.js";
import { findDocument } from "../receipts/getReceipt.js";
import type { AnchorFacts, Municipality } from "../types.js";
import { reasonText } from "./revocationReasons.js";

export interface HashVerdict {
  sha256: string;
  status: "anchored" | "pending" | "revoked" | "unknown";
  anchor?: Omit<AnchorFacts, "blockHash">;
  revocation?: { reason: number; reasonText: string; timestamp: number; revoker: string };
  municipality: Municipality;
}

interface Cached<T> {
  value: Promise<T>;
  expires: number;
}

/** A small time-bounded cache of chain reads; concurrent misses share one read. */
class ReadCache<T> {
  private readonly entries = new Map<string, Cached<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = read();
    this.entries.set(key, { value, expires: now + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

export interface HashVerifierDeps {
  store: Store;
  chain: Pick<Chain, "anchorOf" | "revocationOf">;
  clock: Clock;
  municipality: Municipality;
  /** How long an anchor read is reused (anchors never change). @default 60000 */
  anchorTtlMs?: number;
  /** How long a revocation read is reused. @default 2000 */
  revocationTtlMs?: number;
}

/**
 * Answers "is this hash notarised?" from the database, checked against the
 * chain at request time (anchors cached per root, revocations per leaf for
 * a short while).
 */
export class HashVerifier {
  private readonly anchors: ReadCache<OnChainAnchor | null>;
  private readonly revocations: ReadCache<OnChainRevocation | null>;

  constructor(private readonly deps: HashVerifierDeps) {
    this.anchors = new ReadCache(deps.anchorTtlMs ?? 60_000, deps.clock);
    this.revocations = new ReadCache(deps.revocationTtlMs ?? 2000, deps.clock);
  }

  /** Drops the cached revocation of a leaf (after this server revoked it). */
  forgetRevocation(leaf: string): void {
    this.revocations.forget(leaf);
  }

  async verify(sha256: string): Promise<HashVerdict> {
    const { store, chain, municipality } = this.deps;
    const doc = await findDocument(store, sha256);
    if (!doc) return { sha256, status: "unknown", municipality };
    const batch = doc.batch;
    if (doc.status === "pending" || !batch?.anchor || !doc.leaf) return { sha256, status: "pending", municipality };

    const [onChain, revocation] = await Promise.all([
      this.anchors.get(batch.root, () => chain.anchorOf(batch.root)),
      this.revocations.get(doc.leaf, () => chain.revocationOf(doc.leaf!)),
    ]);
    if (!onChain) return { sha256, status: "unknown", municipality };
    const { blockHash: _omit, ...anchor } = batch.anchor;
    const verdict: HashVerdict = { sha256, status: "anchored", anchor: { ...anchor, timestamp: onChain.timestamp, issuer: onChain.issuer }, municipality };
    if (revocation) {
      verdict.status = "revoked";
      verdict.revocation = { reason: revocation.reason, reasonText: reasonText(revocation.reason), timestamp: revocation.timestamp, revoker: revocation.revoker };
    }
    return verdict;
  }
}
