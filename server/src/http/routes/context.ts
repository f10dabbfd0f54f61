import type { Request } from "express";
import type { Logger } from "pino";

import type { AnchoringWorker } from "../../domain/anchoring/anchoringWorker.js";
import type { Chain, Clock, ContentStore, Store } from "../../domain/ports.js";
import type { Municipality } from "../../domain/types.js";
import type { TrustedChains } from "../../adapters/chain/trustedChains.js";
import type { ReceiptExtras } from "../../domain/receipts/receipt.js";
import type { Timestamper } from "../../domain/timestamps/timestamper.js";
import type { HashVerifier } from "../../domain/verification/verifyHash.js";
import type { TimestampVerifier } from "../../domain/verification/verifyReceipt.js";
import type { Metrics } from "../../metrics.js";

/** Everything the HTTP layer needs, wired by main.ts (or a test). */
export interface AppDeps {
  store: Store;
  content: ContentStore;
  chain: Chain;
  clock: Clock;
  verifier: HashVerifier;
  worker: Pick<AnchoringWorker, "nudge" | "health">;
  metrics: Metrics;
  logger: Logger;
  registry: { chainId: number; genesisHash: string; address: string; municipality: Municipality; version: string; directory: string | null };
  /** The chains verification can read: this server's and those of its trust configuration. */
  chains: TrustedChains;
  /** The directory hint and co-anchors of this server's receipts. */
  receiptExtras: (batchId: number) => Promise<ReceiptExtras>;
  /** Checks RFC 3161 co-anchors against the trusted TSA roots. */
  timestamps: TimestampVerifier;
  /** The leader duty that timestamps batch roots; null without TSA_URL. */
  timestamper: Pick<Timestamper, "health"> | null;
  maxUploadBytes: number;
  batchMax: number;
  publicUrl?: string;
  /** Requests per minute and client IP on public routes. */
  rateLimitPerMinute: number;
  /** Express "trust proxy" setting. */
  trustProxy: boolean | number | string;
  /** FOUR_EYES: new documents wait for a second clerk's approval before they are batched. */
  fourEyes?: boolean;
  /** RETENTION_DAYS: how long originals are kept by default; undefined: until a clerk erases them. */
  retentionDays?: number;
  /** The leader duty that erases originals whose retention ended. */
  retention?: { health: { ok: boolean; lastError: string | null; failures: number } };
  /** Whether this instance leads (runs anchoring, revocations, timestamps, retention); absent: it always does. */
  leadership?: { readonly leading: boolean; state: { instance: string; leading: boolean; since: string | null; lastError: string | null } };
  /** Which database keeps the state (shown in /readyz). */
  storeKind?: "sqlite" | "postgresql";
  /** Who leads now (read from the database on PostgreSQL). */
  election?: { leader(): Promise<string | null> };
}

/** Absolute URL of a path on this server (PUBLIC_URL when configured). */
export const absoluteUrl = (deps: AppDeps, req: Request, path: string): string =>
  `${deps.publicUrl?.replace(/\/$/, "") ?? `${req.protocol}://${req.get("host")}`}${path}`;

export const receiptPath = (sha256: string) => `/api/v1/receipts/${sha256}`;

/**
 * The citizen page, set to verify one document. The hash travels in the
 * fragment, which browsers never send: no access log sees what was checked.
 */
export const verifyPagePath = (sha256: string) => `/#sha256=${sha256}`;

/** Runs a connect-style middleware inside a handler. */
export const runMiddleware = (
  mw: (req: Request, res: import("express").Response, next: (err?: unknown) => void) => void,
  req: Request,
  res: import("express").Response,
) => new Promise<void>((resolve, reject) => mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
