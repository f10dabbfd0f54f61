import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { LEAF_ENCODING, leafValue } from "../anchoring/buildBatch.js";
import type { Chain, OnChainAnchor, OnChainRevocation } from "../ports.js";
import type { Receipt } from "../receipts/receipt.js";
import { leafOf } from "./leaf.js";
import { reasonText } from "./revocationReasons.js";

export interface CheckReport {
  check: string;
  ok: boolean;
  detail: string;
}

interface Context {
  receipt: Receipt;
  chain: Pick<Chain, "chainId" | "registry" | "anchorOf" | "revocationOf" | "blockHash">;
  anchor?: OnChainAnchor | null;
  revocation?: OnChainRevocation | null;
}

type Check = { check: string; needsChain: boolean; run(ctx: Context): Promise<[boolean, string]> };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The checks of DESIGN.md "Receipt", in order; each returns [ok, detail] and logs nothing. */
export const RECEIPT_CHECKS: Check[] = [
  {
    check: "leaf",
    needsChain: false,
    async run({ receipt }) {
      const leaf = leafOf(receipt.document.sha256, receipt.document.salt);
      return same(leaf, receipt.leaf) ? [true, "leaf = H(H(sha256, salt))"] : [false, `leaf should be ${leaf}`];
    },
  },
  {
    check: "proof",
    needsChain: false,
    async run({ receipt }) {
      const value = leafValue(receipt.document.sha256, receipt.document.salt);
      const ok = StandardMerkleTree.verify(receipt.root, LEAF_ENCODING, value, receipt.proof);
      return ok ? [true, "the proof leads from the leaf to the root"] : [false, "the proof does not lead to the root"];
    },
  },
  {
    check: "registry",
    needsChain: false,
    async run({ receipt, chain }) {
      const ok = receipt.anchor.chainId === chain.chainId && same(receipt.anchor.registry, chain.registry);
      return ok
        ? [true, `registry ${chain.registry} on chain ${chain.chainId}`]
        : [false, `this server reads registry ${chain.registry} on chain ${chain.chainId}; verify other registries with "npx notary verify --rpc"`];
    },
  },
  {
    check: "anchor",
    needsChain: true,
    async run(ctx) {
      const { receipt, chain } = ctx;
      ctx.anchor = await chain.anchorOf(receipt.root);
      const a = ctx.anchor;
      if (!a) return [false, "the root is not anchored in the registry"];
      if (!same(a.issuer, receipt.anchor.issuer)) return [false, `anchored by ${a.issuer}, not ${receipt.anchor.issuer}`];
      if (a.timestamp !== receipt.anchor.timestamp) return [false, `anchored at ${a.timestamp}, not ${receipt.anchor.timestamp}`];
      if (a.blockNumber !== receipt.anchor.blockNumber) return [false, `anchored in block ${a.blockNumber}, not ${receipt.anchor.blockNumber}`];
      return [true, `anchored by ${a.issuer} at ${new Date(a.timestamp * 1000).toISOString()}`];
    },
  },
  {
    check: "block",
    needsChain: true,
    async run({ receipt, chain }) {
      const hash = await chain.blockHash(receipt.anchor.blockNumber);
      return hash !== null && same(hash, receipt.anchor.blockHash)
        ? [true, `block ${receipt.anchor.blockNumber} has the receipt's hash`]
        : [false, `block ${receipt.anchor.blockNumber} has hash ${hash ?? "(none)"}`];
    },
  },
  {
    check: "revocation",
    needsChain: true,
    async run(ctx) {
      ctx.revocation = await ctx.chain.revocationOf(ctx.receipt.leaf);
      const r = ctx.revocation;
      return [true, r ? `revoked (${reasonText(r.reason)}) at ${new Date(r.timestamp * 1000).toISOString()}` : "not revoked"];
    },
  },
];

export interface ReceiptVerdict {
  status: "anchored" | "revoked" | "invalid";
  checks: CheckReport[];
  revocation: OnChainRevocation | null;
}

/**
 * Verifies a receipt against the chain alone (no database): recomputes the
 * leaf, checks the proof, reads the anchor and the block, reads the revocation.
 * Chain checks are skipped once an offline check has failed.
 */
export async function verifyReceipt(receipt: Receipt, chain: Context["chain"]): Promise<ReceiptVerdict> {
  const ctx: Context = { receipt, chain };
  const checks: CheckReport[] = [];
  for (const c of RECEIPT_CHECKS) {
    if (c.needsChain && checks.some((r) => !r.ok)) {
      checks.push({ check: c.check, ok: false, detail: "skipped: an earlier check failed" });
      continue;
    }
    const [ok, detail] = await c.run(ctx);
    checks.push({ check: c.check, ok, detail });
  }
  const valid = checks.every((r) => r.ok);
  return { status: !valid ? "invalid" : ctx.revocation ? "revoked" : "anchored", checks, revocation: ctx.revocation ?? null };
}
