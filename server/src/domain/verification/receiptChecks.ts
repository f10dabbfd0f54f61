import type { ChainReader, MinedTransaction, OnChainAnchor, OnChainRevocation } from "../ports.js";
import { type Receipt, chainOf, validityOf } from "../receipts/receipt.js";
import { isAuditMarker } from "../audit/auditChain.js";
import { leafHash, rootOf } from "../receipts/receiptVersions.js";
import type { Municipality } from "../types.js";
import { type Identity, type TrustedDirectory, resolveIdentity } from "./identity.js";
import { type MessageCode, type MessageValues, isoTime } from "./messages.js";
import { reasonText } from "./revocationReasons.js";

/** One co-anchor as a verifier checked it (DESIGN.md "Receipt (version 2)": `timestamps`). */
export interface TimestampReport {
  type: string;
  ok: boolean;
  /**
   * Not confirmed, and not held against the receipt (`ok` is false): no trusted TSA roots, a TSA whose
   * certificate leads to none of them, or a co-anchor type this verifier does not know.
   */
  unverified?: boolean;
  /** The time the token proves (ISO 8601), when it verified. */
  genTime?: string;
  tsa?: string;
  /** The TSA's policy OID, and the accuracy of its time in seconds (null: the token states none). */
  policy?: string;
  accuracySeconds?: number | null;
  code: MessageCode;
  values: MessageValues;
}

/** Checks RFC 3161 co-anchors against the verifier's trusted TSA roots (adapters/timestamps). */
export type TimestampVerifier = (receipt: Receipt) => Promise<TimestampReport[]>;

export type CheckId = "leaf" | "proof" | "chain" | "transaction" | "anchor" | "block" | "municipality" | "identity" | "timestamp" | "revocation" | "validity";

export interface Outcome {
  ok: boolean;
  code: MessageCode;
  values?: MessageValues;
}

export interface CheckContext {
  receipt: Receipt;
  /** The verifier's clock, unix seconds (validity). */
  now: number;
  /** The receipt's chain, or null when this verifier cannot read it. */
  reader: ChainReader | null;
  /** Trusted directories on the receipt's chain. */
  directories: TrustedDirectory[];
  timestamps?: TimestampVerifier;
  /** The receipt is of an audit head a batch committed (`notary audit verify`), not of a document. */
  auditLeaf?: boolean;
  // What the checks found, for the verdict:
  otherChain?: boolean;
  transaction?: MinedTransaction | null;
  anchor?: OnChainAnchor | null;
  declared?: Municipality | null;
  identity?: Identity;
  timestampReports?: TimestampReport[];
  revocation?: OnChainRevocation | null;
}

export interface Check {
  id: CheckId;
  /** Offline checks need no chain; the others are skipped once an offline check failed or the chain is another one. */
  offline: boolean;
  run(ctx: CheckContext): Promise<Outcome>;
}

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

const reader = (ctx: CheckContext) => ctx.reader!;

/** The checks of DESIGN.md "Receipt", in order; each reports its own outcome and logs nothing. */
export const RECEIPT_CHECKS: Check[] = [
  {
    id: "leaf",
    offline: true,
    async run({ receipt, auditLeaf }): Promise<Outcome> {
      // An audit head's leaf is never a document's: a "receipt" made from it would claim a document nobody notarised.
      if (isAuditMarker(receipt.document.salt) !== Boolean(auditLeaf)) return { ok: false, code: auditLeaf ? "leaf.notAudit" : "leaf.audit" };
      const expected = leafHash(receipt.version, { sha256: receipt.document.sha256, salt: receipt.document.salt, ...validityOf(receipt) });
      const fields = receipt.version === 1 ? "sha256, salt" : "sha256, salt, validFrom, validUntil";
      return same(expected, receipt.leaf) ? { ok: true, code: "leaf.ok", values: { fields } } : { ok: false, code: "leaf.mismatch", values: { expected } };
    },
  },
  {
    id: "proof",
    offline: true,
    async run({ receipt }): Promise<Outcome> {
      // The library's own proof walk (sorted pairs), with keccak in WebAssembly.
      const root = rootOf(receipt.leaf, receipt.proof);
      return same(root, receipt.root) ? { ok: true, code: "proof.ok" } : { ok: false, code: "proof.fail" };
    },
  },
  {
    id: "chain",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const { chainId, genesisHash } = chainOf(ctx.receipt);
      if (!ctx.reader) {
        ctx.otherChain = true;
        return { ok: false, code: "chain.notTrusted", values: { chainId, genesisHash: genesisHash ?? "(not named)" } };
      }
      const ours = { chainId: ctx.reader.chainId, genesisHash: await ctx.reader.genesisHash() };
      if (ours.chainId !== chainId || (genesisHash !== null && !same(ours.genesisHash, genesisHash))) {
        ctx.otherChain = true;
        return { ok: false, code: "chain.other", values: { chainId, genesisHash: genesisHash ?? "(not named)", ourChainId: ours.chainId, ourGenesisHash: ours.genesisHash } };
      }
      return genesisHash === null
        ? { ok: true, code: "chain.v1", values: { chainId, source: ctx.reader.source } }
        : { ok: true, code: "chain.ok", values: { chainId, genesisHash, source: ctx.reader.source } };
    },
  },
  {
    id: "transaction",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const a = ctx.receipt.anchor;
      const values = { transactionHash: a.transactionHash, blockNumber: a.blockNumber, blockHash: a.blockHash, registry: a.registry, root: ctx.receipt.root };
      const tx = (ctx.transaction = await reader(ctx).transaction(a.transactionHash));
      if (!tx) return { ok: false, code: "transaction.missing", values };
      if (tx.status !== 1) return { ok: false, code: "transaction.failed", values };
      if (tx.blockNumber !== a.blockNumber || !same(tx.blockHash, a.blockHash)) {
        return { ok: false, code: "transaction.block", values: { ...values, actualBlock: tx.blockNumber, actualHash: tx.blockHash } };
      }
      if (!same(tx.to, a.registry)) return { ok: false, code: "transaction.target", values: { ...values, to: tx.to ?? "(a deployment)" } };
      const emitted = tx.anchored.some((e) => same(e.emitter, a.registry) && same(e.root, ctx.receipt.root));
      return emitted ? { ok: true, code: "transaction.ok", values } : { ok: false, code: "transaction.noEvent", values };
    },
  },
  {
    id: "anchor",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const { receipt } = ctx;
      const a = (ctx.anchor = await reader(ctx).anchorOf(receipt.anchor.registry, receipt.root));
      if (!a) return { ok: false, code: "anchor.missing", values: { registry: receipt.anchor.registry } };
      if (!same(a.issuer, receipt.anchor.issuer)) return { ok: false, code: "anchor.issuer", values: { actual: a.issuer, expected: receipt.anchor.issuer } };
      if (a.timestamp !== receipt.anchor.timestamp) return { ok: false, code: "anchor.timestamp", values: { actual: isoTime(a.timestamp), expected: isoTime(receipt.anchor.timestamp) } };
      if (a.blockNumber !== receipt.anchor.blockNumber) return { ok: false, code: "anchor.block", values: { actual: a.blockNumber, expected: receipt.anchor.blockNumber } };
      return { ok: true, code: "anchor.ok", values: { issuer: a.issuer, time: isoTime(a.timestamp) } };
    },
  },
  {
    id: "block",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const { blockNumber, blockHash } = ctx.receipt.anchor;
      const actual = await reader(ctx).blockHash(blockNumber);
      return same(actual, blockHash)
        ? { ok: true, code: "block.ok", values: { blockNumber } }
        : { ok: false, code: "block.mismatch", values: { blockNumber, actual: actual ?? "(no such block)", expected: blockHash } };
    },
  },
  {
    id: "municipality",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const claimed = ctx.receipt.municipality;
      const declared = (ctx.declared = await reader(ctx).municipalityOf(ctx.receipt.anchor.registry));
      if (!declared) return { ok: false, code: "municipality.noRegistry", values: { registry: ctx.receipt.anchor.registry } };
      return declared.name === claimed.name && declared.ags === claimed.ags
        ? { ok: true, code: "municipality.ok", values: { name: declared.name, ags: declared.ags } }
        : { ok: false, code: "municipality.mismatch", values: { claimed: `${claimed.name} (${claimed.ags})`, actual: `${declared.name} (${declared.ags})` } };
    },
  },
  {
    id: "identity",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const declared = ctx.declared ?? ctx.receipt.municipality;
      const identity = (ctx.identity = await resolveIdentity(reader(ctx), ctx.directories, ctx.receipt.anchor.registry, ctx.receipt.anchor.blockNumber, declared));
      return { ok: identity.status !== "conflict", code: identity.code, values: identity.values };
    },
  },
  {
    id: "timestamp",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const reports = (ctx.timestampReports = ctx.receipt.version === 2 && ctx.timestamps ? await ctx.timestamps(ctx.receipt) : []);
      const bad = reports.find((r) => !r.ok && !r.unverified);
      if (bad) return { ok: false, code: bad.code, values: bad.values };
      const good = reports.find((r) => r.ok && r.code === "timestamp.ok");
      if (good) return { ok: true, code: "timestamp.ok", values: good.values };
      const unchecked = reports.find((r) => r.unverified);
      return unchecked ? { ok: true, code: unchecked.code, values: unchecked.values } : { ok: true, code: "timestamp.none" };
    },
  },
  {
    id: "revocation",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const r = (ctx.revocation = await reader(ctx).revocationOf(ctx.receipt.anchor.registry, ctx.receipt.leaf));
      return r ? { ok: true, code: "revocation.revoked", values: { reason: reasonText(r.reason), time: isoTime(r.timestamp) } } : { ok: true, code: "revocation.none" };
    },
  },
  {
    id: "validity",
    offline: false,
    async run(ctx): Promise<Outcome> {
      const { validFrom, validUntil } = validityOf(ctx.receipt);
      const values = { validFrom: isoTime(validFrom), validUntil: isoTime(validUntil) };
      if (validFrom === 0 && validUntil === 0) return { ok: true, code: "validity.unbounded" };
      if (validFrom !== 0 && ctx.now < validFrom) return { ok: true, code: "validity.notYet", values };
      if (validUntil !== 0 && ctx.now > validUntil) return { ok: true, code: "validity.expired", values };
      return { ok: true, code: "validity.within", values };
    },
  },
];
