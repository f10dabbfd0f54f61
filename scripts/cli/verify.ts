import { readFile } from "node:fs/promises";

import type { Command } from "commander";

import { type Receipt, parseReceipt } from "../../server/src/domain/receipts/receipt.js";
import { type CheckReport, verifyReceipt } from "../../server/src/domain/verification/verifyReceipt.js";
import { reasonText } from "../../server/src/domain/verification/revocationReasons.js";
import { isNotaryError } from "../../server/src/errors.js";
import { openProvider, readRegistry } from "./rpc.js";
import { receiptFileOf, sha256OfFile } from "./files.js";
import { CliError, EXIT, optionOrEnv, printer } from "./output.js";

interface VerifyOptions {
  receipt?: string;
  rpc?: string;
  server?: string;
}

type Found = { receipt: Receipt; from: string } | { status: "unknown" | "pending"; from: string } | { status: "invalid"; from: string; reason: string };

async function readReceiptFile(file: string): Promise<Found> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new CliError(`${file}: cannot read the receipt`);
  }
  try {
    return { receipt: parseReceipt(JSON.parse(text)), from: file };
  } catch (e) {
    return { status: "invalid", from: file, reason: isNotaryError(e) ? e.message : "not JSON" };
  }
}

/** The receipt: --receipt, else <file>.receipt.json, else the server's (which is then checked against the chain like any other). */
async function findReceipt(file: string, sha256: string, opts: VerifyOptions): Promise<Found> {
  if (opts.receipt) return readReceiptFile(opts.receipt);
  const beside = receiptFileOf(file);
  const exists = await readFile(beside).then(() => true, () => false);
  if (exists) return readReceiptFile(beside);
  const server = optionOrEnv(opts.server, "NOTARY_SERVER", "http://127.0.0.1:8080")!.replace(/\/$/, "");
  const url = `${server}/api/v1/receipts/${sha256}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) }).catch(() => null);
  if (!response) throw new CliError(`no receipt: pass --receipt, put it at ${beside}, or make ${server} reachable (--server)`);
  if (response.status === 404) return { status: "unknown", from: url };
  if (response.status === 202) return { status: "pending", from: url };
  if (!response.ok) throw new CliError(`${url} answered HTTP ${response.status}`);
  return { receipt: parseReceipt(await response.json()), from: url };
}

const mark = (c: CheckReport) => `${c.ok ? "✓" : "✗"} ${c.check.padEnd(10)} ${c.detail}`;

/** `notary verify <file>`: the file's hash, its receipt, and the chain; nothing from the server is trusted. */
export function verifyCommand(program: Command): void {
  program
    .command("verify <file>")
    .description("verify a file against the chain with its receipt; exit 0 valid, 1 invalid/unknown/pending, 2 revoked")
    .option("--receipt <file>", "the receipt JSON (default: <file>.receipt.json, else fetched from --server)")
    .option("--rpc <url>", "JSON-RPC endpoint of the receipt's chain (default: $RPC_URL or http://127.0.0.1:8545)")
    .option("--server <url>", "where to fetch the receipt when there is no receipt file (default: $NOTARY_SERVER or http://127.0.0.1:8080)")
    .action(async (file: string, opts: VerifyOptions) => {
      const print = printer(program.opts().json);
      const sha256 = await sha256OfFile(file);
      const found = await findReceipt(file, sha256, opts);
      if (!("receipt" in found)) {
        const why =
          found.status === "unknown" ? "no document with this SHA-256 was notarised there"
          : found.status === "pending" ? "accepted but not anchored yet; try again in a few seconds"
          : `the receipt is not valid: ${"reason" in found ? found.reason : ""}`;
        print({ file, sha256, status: found.status, receiptFrom: found.from, reason: why }, `${found.status}  ${sha256}  ${file}\n  ${why} (${found.from})`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const { receipt } = found;
      if (receipt.document.sha256 !== sha256) {
        const why = `the file's SHA-256 is not the receipt's (${receipt.document.sha256})`;
        print({ file, sha256, status: "invalid", receiptFrom: found.from, reason: why }, `invalid  ${sha256}  ${file}\n  ${why}`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const rpc = optionOrEnv(opts.rpc, "RPC_URL", "http://127.0.0.1:8545")!;
      const { provider, chainId } = await openProvider(rpc);
      try {
        if (chainId !== receipt.anchor.chainId) throw new CliError(`${rpc} serves chain ${chainId}, the receipt is for chain ${receipt.anchor.chainId}; pass --rpc for that chain`);
        const verdict = await verifyReceipt(receipt, readRegistry(provider, receipt.anchor.registry, chainId));
        const { municipality, anchor } = receipt;
        const revocation = verdict.revocation && { ...verdict.revocation, reasonText: reasonText(verdict.revocation.reason) };
        const lines = [
          `${verdict.status}  ${sha256}  ${file}`,
          `  ${municipality.name} (${municipality.ags}) anchored it at ${new Date(anchor.timestamp * 1000).toISOString()} in block ${anchor.blockNumber}, transaction ${anchor.transactionHash}`,
          ...(revocation ? [`  revoked at ${new Date(revocation.timestamp * 1000).toISOString()}: ${revocation.reasonText}`] : []),
          `  registry ${anchor.registry} on chain ${chainId}, read from ${rpc}; receipt from ${found.from}`,
          ...verdict.checks.map((c) => `  ${mark(c)}`),
        ];
        print({ file, sha256, status: verdict.status, receiptFrom: found.from, rpc, municipality, anchor, revocation, checks: verdict.checks }, lines.join("\n"));
        process.exitCode = verdict.status === "anchored" ? EXIT.ok : verdict.status === "revoked" ? EXIT.revoked : EXIT.invalid;
      } finally {
        provider.destroy();
      }
    });
}
