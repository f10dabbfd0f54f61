import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

import type { Command } from "commander";

import { EthersChainReader } from "../../server/src/adapters/chain/chainReader.js";
import { loadTrustFile } from "../../server/src/adapters/chain/trustedChains.js";
import { pemCertificates } from "../../server/src/adapters/timestamps/rfc3161.js";
import { tokenVerifier } from "../../server/src/adapters/timestamps/tokenVerifier.js";
import { type Receipt, chainOf, parseReceipt } from "../../server/src/domain/receipts/receipt.js";
import type { TrustedDirectory } from "../../server/src/domain/verification/identity.js";
import { CAUTION_CODES, isoTime } from "../../server/src/domain/verification/messages.js";
import { type CheckReport, type ReceiptVerdict, verifyReceipt } from "../../server/src/domain/verification/verifyReceipt.js";
import { isNotaryError } from "../../server/src/errors.js";
import { receiptFileOf, sha256OfFile } from "./files.js";
import { CliError, EXIT, optionOrEnv, printer } from "./output.js";
import { openProvider } from "./rpc.js";

interface VerifyOptions {
  receipt?: string;
  rpc?: string;
  server?: string;
  trust?: string;
  tsaCa?: string;
}

/** The TSA roots RFC 3161 tokens must chain to: --tsa-ca, else $TSA_CA_FILE, else `<data-dir>/tsa-ca.pem` (written by the server). */
export async function tsaRootsOf(opts: { tsaCa?: string }, dataDir: string): Promise<Buffer[]> {
  const file = optionOrEnv(opts.tsaCa, "TSA_CA_FILE") ?? (existsSync(path.join(dataDir, "tsa-ca.pem")) ? path.join(dataDir, "tsa-ca.pem") : undefined);
  if (!file) return [];
  const roots = pemCertificates(await readFile(file, "utf8").catch(() => { throw new CliError(`${file}: cannot read the TSA roots`); }));
  if (roots.length === 0) throw new CliError(`${file} holds no PEM certificate`);
  return roots;
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
  if (existsSync(beside)) return readReceiptFile(beside);
  const server = optionOrEnv(opts.server, "NOTARY_SERVER", "http://127.0.0.1:8080")!.replace(/\/$/, "");
  const url = `${server}/api/v1/receipts/${sha256}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) }).catch(() => null);
  if (!response) throw new CliError(`no receipt: pass --receipt, put it at ${beside}, or make ${server} reachable (--server)`);
  if (response.status === 404) return { status: "unknown", from: url };
  if (response.status === 202) return { status: "pending", from: url };
  if (!response.ok) throw new CliError(`${url} answered HTTP ${response.status}`);
  return { receipt: parseReceipt(await response.json()), from: url };
}

/**
 * The trust configuration: --trust, else $TRUST_FILE, else the one the
 * embedded default writes into its data directory (`<data-dir>/trust.json`),
 * so that verify in the project folder next to `npm start` needs no flags.
 */
export async function trustOf(opts: { trust?: string }, dataDir: string): Promise<{ trust: TrustedDirectory[]; from: string | null }> {
  const file = optionOrEnv(opts.trust, "TRUST_FILE") ?? (existsSync(path.join(dataDir, "trust.json")) ? path.join(dataDir, "trust.json") : undefined);
  if (!file) return { trust: [], from: null };
  try {
    return { trust: await loadTrustFile(file), from: file };
  } catch (e) {
    throw new CliError(isNotaryError(e) ? e.message : String(e));
  }
}

/** Where to read the receipt's chain: --rpc, else an endpoint the trust configuration gives for that chain, else $RPC_URL or the local default. */
export function rpcFor(chain: { chainId: number; genesisHash: string | null }, trust: TrustedDirectory[], opts: { rpc?: string }): string {
  if (opts.rpc) return opts.rpc;
  const { chainId, genesisHash } = chain;
  const entry = trust.find((d) => d.chainId === chainId && (genesisHash === null || d.genesisHash.toLowerCase() === genesisHash.toLowerCase()));
  return entry?.rpcUrls[0] ?? optionOrEnv(undefined, "RPC_URL", "http://127.0.0.1:8545")!;
}

/** ✓ passed, ! passed but not good news (revoked, expired, unconfirmed …), ✗ failed, – not checked. */
export const mark = (c: CheckReport) => `${c.skipped ? "–" : !c.ok ? "✗" : CAUTION_CODES.has(c.code) ? "!" : "✓"} ${c.check.padEnd(12)} ${c.detail}`;

/** Exit codes of `verify` (README "Command line"). */
function exitOf(v: ReceiptVerdict): number {
  if (v.status === "revoked") return EXIT.revoked;
  if (v.status === "unavailable") return EXIT.error;
  if (v.reliable) return EXIT.ok;
  if (v.authentic) return EXIT.notReliable;
  return EXIT.invalid;
}

/** One line on who issued it: confirmed by a directory, or only the registry's own claim. */
export function issuerLine(v: Pick<ReceiptVerdict, "identity" | "checks">, receipt: Pick<Receipt, "municipality">): string {
  const id = v.identity;
  if (!id) return `  issuer: ${receipt.municipality.name} (${receipt.municipality.ags}), as the receipt says: not checked`;
  if (id.status === "confirmed") return `  issuer: ${id.municipality.name} (${id.municipality.ags}), confirmed by the directory "${id.directory!.name}"${id.directory!.local ? " (a local trial directory)" : ""}`;
  if (id.status === "conflict") return `  issuer: CONFLICT: ${v.checks.find((c) => c.check === "identity")?.detail}`;
  return `  issuer: UNCONFIRMED: "${id.municipality.name}" (${id.municipality.ags}) is only the registry's own claim; no trusted directory lists it`;
}

/** `notary verify <file>`: the file's hash, its receipt, and the chain; nothing from the server is trusted. */
export function verifyCommand(program: Command): void {
  program
    .command("verify <file>")
    .description("verify a file against the chain with its receipt; exit 0 only for a genuine receipt of a confirmed municipality")
    .option("--receipt <file>", "the receipt JSON (default: <file>.receipt.json, else fetched from --server)")
    .option("--rpc <url>", "JSON-RPC endpoint of the receipt's chain (default: from the trust configuration, else $RPC_URL or http://127.0.0.1:8545)")
    .option("--trust <file>", "trust configuration: the directories that say who a municipality is (default: $TRUST_FILE, else <data-dir>/trust.json)")
    .option("--server <url>", "where to fetch the receipt when there is no receipt file (default: $NOTARY_SERVER or http://127.0.0.1:8080)")
    .option("--tsa-ca <file>", "PEM roots that RFC 3161 timestamps must chain to (default: $TSA_CA_FILE, else <data-dir>/tsa-ca.pem)")
    .addHelpText(
      "after",
      "\nExit codes: 0 genuine, not revoked, within its validity, issued by a municipality a trusted directory confirms · 1 invalid, unknown, pending, or of another chain · 2 revoked · 3 could not check (chain unreachable, bad arguments) · 4 genuine but not to be relied on: issuer unconfirmed, expired or not yet valid",
    )
    .action(async (file: string, opts: VerifyOptions) => {
      const { json: asJson, dataDir } = program.opts<{ json?: boolean; dataDir: string }>();
      const print = printer(Boolean(asJson));
      const sha256 = await sha256OfFile(file);
      const found = await findReceipt(file, sha256, opts);
      if (!("receipt" in found)) {
        const why =
          found.status === "unknown" ? "no document with this SHA-256 was registered there"
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
      const { trust, from: trustFrom } = await trustOf(opts, path.resolve(dataDir));
      const rpc = rpcFor(chainOf(receipt), trust, opts);
      const { provider, chainId } = await openProvider(rpc);
      try {
        const timestamps = tokenVerifier(await tsaRootsOf(opts, path.resolve(dataDir)));
        const verdict = await verifyReceipt(receipt, new EthersChainReader(provider, chainId, rpc), { trust, timestamps });
        const { anchor } = receipt;
        const lines = [
          `${verdict.status}  ${sha256}  ${file}`,
          issuerLine(verdict, receipt),
          `  anchored at ${isoTime(anchor.timestamp)} in block ${anchor.blockNumber}, transaction ${anchor.transactionHash} (as checked below)`,
          ...(verdict.revocation ? [`  revoked at ${isoTime(verdict.revocation.timestamp)}: ${verdict.revocation.reasonText}`] : []),
          ...verdict.timestamps.filter((t) => t.ok && t.genTime).map((t) => `  time confirmed by ${t.tsa} at ${t.genTime}`),
          `  registry ${anchor.registry} on chain ${anchor.chainId}, read from ${rpc}; receipt from ${found.from}; trust from ${trustFrom ?? "(none: every issuer is unconfirmed)"}`,
          ...verdict.checks.map((c) => `  ${mark(c)}`),
        ];
        print({ file, sha256, receiptFrom: found.from, rpc, trustFrom, anchor, ...verdict }, lines.join("\n"));
        process.exitCode = exitOf(verdict);
      } finally {
        provider.destroy();
      }
    });
}
