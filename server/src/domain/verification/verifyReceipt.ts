import type { ChainReader, OnChainRevocation } from "../ports.js";
import { type Receipt, chainOf } from "../receipts/receipt.js";
import type { Identity, TrustedDirectory } from "./identity.js";
import { type MessageCode, type MessageValues, render } from "./messages.js";
import { type CheckContext, type CheckId, RECEIPT_CHECKS, type TimestampReport, type TimestampVerifier } from "./receiptChecks.js";
import { reasonText } from "./revocationReasons.js";

export type { TimestampReport, TimestampVerifier } from "./receiptChecks.js";

/** One check as the verifier reports it: a code and values for every language, and the English text. */
export interface CheckReport {
  check: CheckId;
  ok: boolean;
  skipped?: true;
  code: MessageCode;
  values: MessageValues;
  detail: string;
}

/** `unavailable`: the chain could not be read, so nothing is claimed either way (try again). */
export type VerdictStatus = "anchored" | "revoked" | "expired" | "not-yet-valid" | "invalid" | "other-chain" | "unavailable";

/** DESIGN.md "Receipt (version 2)": what a verifier answers, in the API, the CLI and the page. */
export interface ReceiptVerdict {
  status: VerdictStatus;
  /** The receipt is genuine: every fact it states was checked against its chain and holds. */
  authentic: boolean;
  /** The document may be relied on: authentic, issued by a confirmed municipality, not revoked, within its validity. */
  reliable: boolean;
  checks: CheckReport[];
  identity: Identity | null;
  timestamps: TimestampReport[];
  revocation: (OnChainRevocation & { reasonText: string }) | null;
  validity: { validFrom: number; validUntil: number } | null;
}

export interface VerifyOptions {
  /** The verifier's clock in unix seconds. @default now */
  now?: number;
  /** Trusted directories; those on the receipt's chain decide the issuer's identity. */
  trust?: TrustedDirectory[];
  timestamps?: TimestampVerifier;
  /** Verify the receipt of an audit head a batch committed, not a document's (domain/audit). */
  auditLeaf?: boolean;
}

const REQUIRED: CheckId[] = ["transaction", "anchor", "block", "municipality", "identity", "timestamp"];

function statusOf(ctx: CheckContext, reports: CheckReport[]): VerdictStatus {
  const failed = (id: CheckId) => reports.some((r) => r.check === id && !r.ok && !r.skipped);
  if (failed("leaf") || failed("proof")) return "invalid";
  if (ctx.otherChain) return "other-chain";
  // A v1 receipt names no genesis: a transaction and block that are not on this chain point to another chain with the same id.
  if (ctx.receipt.version === 1 && ctx.transaction === null && failed("block")) return "other-chain";
  if (reports.some((r) => r.code === "check.unavailable")) return "unavailable";
  if (REQUIRED.some(failed)) return "invalid";
  if (ctx.revocation) return "revoked";
  const validity = reports.find((r) => r.check === "validity")?.code;
  if (validity === "validity.notYet") return "not-yet-valid";
  if (validity === "validity.expired") return "expired";
  return "anchored";
}

/**
 * Verifies a receipt against its chain alone (no database): the declared
 * list of checks in order, each reporting for itself. Chain checks are
 * skipped once an offline check failed or the receipt turned out to belong
 * to another chain. `reader` is the receipt's chain, or null when this
 * verifier has no endpoint for it.
 */
export async function verifyReceipt(receipt: Receipt, reader: ChainReader | null, opts: VerifyOptions = {}): Promise<ReceiptVerdict> {
  const { chainId, genesisHash } = chainOf(receipt);
  const ctx: CheckContext = {
    receipt,
    now: opts.now ?? Math.floor(Date.now() / 1000),
    reader,
    directories: [],
    timestamps: opts.timestamps,
    auditLeaf: opts.auditLeaf,
  };
  const reports: CheckReport[] = [];
  for (const check of RECEIPT_CHECKS) {
    const offlineFailed = reports.some((r) => !r.ok && (r.check === "leaf" || r.check === "proof"));
    const unavailable = reports.some((r) => r.code === "check.unavailable");
    if (!check.offline && (offlineFailed || ctx.otherChain || unavailable)) {
      const code: MessageCode = ctx.otherChain ? "skipped.otherChain" : unavailable ? "skipped.unavailable" : "skipped.earlier";
      reports.push({ check: check.id, ok: false, skipped: true, code, values: {}, detail: render(code) });
      continue;
    }
    let outcome: Awaited<ReturnType<typeof check.run>>;
    try {
      if (check.id === "identity" && reader) {
        const genesis = genesisHash ?? (await reader.genesisHash());
        ctx.directories = (opts.trust ?? []).filter((d) => d.chainId === chainId && d.genesisHash.toLowerCase() === genesis.toLowerCase());
      }
      outcome = await check.run(ctx);
    } catch (e) {
      if (check.offline) throw e;
      // The chain did not answer: this check says so, and the chain checks after it are not run.
      outcome = { ok: false, code: "check.unavailable", values: { reason: (e as Error).message.slice(0, 200) } };
    }
    const values = outcome.values ?? {};
    reports.push({ check: check.id, ok: outcome.ok, code: outcome.code, values, detail: render(outcome.code, values) });
  }
  const status = statusOf(ctx, reports);
  const authentic = status === "anchored" || status === "revoked" || status === "expired" || status === "not-yet-valid";
  return {
    status,
    authentic,
    reliable: status === "anchored" && ctx.identity?.status === "confirmed",
    checks: reports,
    identity: ctx.identity ?? null,
    timestamps: ctx.timestampReports ?? [],
    revocation: ctx.revocation ? { ...ctx.revocation, reasonText: reasonText(ctx.revocation.reason) } : null,
    validity: receipt.version === 2 ? { validFrom: receipt.document.validFrom, validUntil: receipt.document.validUntil } : null,
  };
}
