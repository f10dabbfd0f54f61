import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import type { Command } from "commander";

import { EthersChainReader } from "../../server/src/adapters/chain/chainReader.js";
import { tokenVerifier } from "../../server/src/adapters/timestamps/tokenVerifier.js";
import { type AuditVerdict, type ParsedAuditExport, parseAuditExport, verifyAuditExport } from "../../server/src/domain/audit/verifyAuditExport.js";
import { isoTime } from "../../server/src/domain/verification/messages.js";
import { isNotaryError } from "../../server/src/errors.js";
import { CliError, EXIT, printer } from "./output.js";
import { openProvider } from "./rpc.js";
import { type ServerOptions, problemOf, serverClient } from "./server.js";
import { issuerLine, rpcFor, trustOf, tsaRootsOf } from "./verify.js";

interface ExportOptions extends ServerOptions {
  from?: string;
  to?: string;
  format: string;
  out?: string;
}

interface AuditVerifyOptions {
  rpc?: string;
  trust?: string;
  tsaCa?: string;
}

async function readExport(file: string): Promise<ParsedAuditExport> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new CliError(`${file}: cannot read the export`);
  });
  try {
    return parseAuditExport(JSON.parse(text));
  } catch (e) {
    throw new CliError(`${file}: ${isNotaryError(e) ? e.message : "not JSON"} (verify checks the JSON export, not the CSV)`);
  }
}

/** Exit codes of `audit verify` (README "Audit log"). */
function exitOf(v: AuditVerdict): number {
  if (v.status === "tampered") return EXIT.invalid;
  if (v.status === "unavailable") return EXIT.error;
  return v.entries.count === 0 || v.uncommitted > 0 || !v.endShown || v.identity?.status !== "confirmed" ? EXIT.notReliable : EXIT.ok;
}

function summary(v: AuditVerdict, x: ParsedAuditExport, file: string): string[] {
  const range = v.entries.count === 0 ? "no entries" : `entries ${v.entries.firstId}–${v.entries.lastId} (${v.entries.count}), ${x.entries[0]!.time} to ${x.entries.at(-1)!.time}`;
  const headline = v.status === "verified" && (v.uncommitted > 0 || v.entries.count === 0 || !v.endShown) ? "verified, not fully anchored" : v.status;
  const lines = [`${headline}  ${file}: ${range}`, `  range asked for: ${x.range.from ?? "the first entry"} to ${x.range.to ?? "the newest"}`];
  if (v.receipt && x.receipt) lines.push(issuerLine(v.receipt, x.receipt));
  if (v.chainBreak === null && !v.problems.some((p) => p.startsWith("entry "))) {
    const before = x.leading.at(-1);
    const start = before ? `entry ${x.leading[0]!.id} (the range starts after entry ${before.id}, ${before.time})` : "the first entry";
    lines.push(`  ✓ chain       every entry's hash follows from the one before it, from ${start}`);
  }
  const last = x.commitments.at(-1);
  if (v.window && last && x.receipt && v.problems.length === 0) {
    lines.push(
      `  ✓ anchored    entries up to ${last.auditId} unchanged since ${isoTime(x.receipt.anchor.timestamp)} at the latest (block ${last.blockNumber}, transaction ${x.receipt.anchor.transactionHash})`,
      `  ✓ complete    all ${v.window.roots} roots the registry anchored since its audit epoch (blocks ${v.window.fromBlock}–${v.window.toBlock}, the newest when exported at ${x.exportedAt}) are in the export; none commits an older entry than one before it`,
    );
  }
  for (const p of v.problems) lines.push(`  ✗ ${p}`);
  if (v.entries.count === 0) lines.push("  ! empty       the export holds no entry: nothing was checked");
  if (v.uncommitted > 0) {
    lines.push(`  ! pending     ${v.uncommitted} entries are not anchored yet: the next batch commits them, at the latest AUDIT_COMMIT_INTERVAL_MS (1 hour by default) after they were written; export again then`);
  }
  if (!v.endShown) lines.push("  ! end         no anchored entry after the range is in the export yet: that no later entry lies within the range cannot be shown");
  return lines;
}

/** `notary audit export|verify`: the tamper-evident audit log for auditors and the data-protection officer. */
export function auditCommand(program: Command): void {
  const audit = program.command("audit").description("export the audit log from a server, and check an export against the chain");

  audit
    .command("export")
    .description("download the audit log (JSON, which `audit verify` checks, or CSV for a spreadsheet) as a clerk")
    .option("--from <date>", "first day (2026-01-01, a day in Europe/Berlin) or date-time with offset; default: the first entry")
    .option("--to <date>", "last day, or date-time with offset; default: the newest entry")
    .option("--format <format>", "json or csv", "json")
    .option("--out <file>", "where to write it (default: standard output)")
    .option("--server <url>", "the server (default: $NOTARY_SERVER or http://127.0.0.1:8080)")
    .option("--key <key>", "clerk key; prefer $NOTARY_KEY")
    .action(async (opts: ExportOptions) => {
      const query = new URLSearchParams({ format: opts.format, ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) });
      const response = await serverClient(opts).request(`/api/v1/audit/export?${query}`);
      if (!response.ok) throw new CliError(`export refused: ${await problemOf(response)}`);
      const body = await response.text();
      if (!opts.out) {
        process.stdout.write(body);
        return;
      }
      await writeFile(opts.out, body, { mode: 0o600 });
      console.error(`audit log written to ${opts.out}`);
    });

  audit
    .command("verify <export>")
    .description("check a JSON audit export against the chain: unbroken hash chain, heads anchored in the municipality's registry")
    .option("--rpc <url>", "JSON-RPC endpoint of the registry's chain (default: from the trust configuration, else $RPC_URL or http://127.0.0.1:8545)")
    .option("--trust <file>", "trust configuration: the directories that say who a municipality is (default: $TRUST_FILE, else <data-dir>/trust.json)")
    .option("--tsa-ca <file>", "PEM roots that RFC 3161 timestamps must chain to (default: $TSA_CA_FILE, else <data-dir>/tsa-ca.pem)")
    .addHelpText(
      "after",
      "\nExit codes: 0 unchanged since anchored, every entry anchored, issuer confirmed · 1 changed (an entry, its order, or a commitment) · 3 could not check · 4 unchanged, but some entries are not anchored yet or the issuer is unconfirmed",
    )
    .action(async (file: string, opts: AuditVerifyOptions) => {
      const { json: asJson, dataDir } = program.opts<{ json?: boolean; dataDir: string }>();
      const x = await readExport(file);
      const { trust } = await trustOf(opts, path.resolve(dataDir));
      const rpc = rpcFor({ chainId: x.registry.chainId, genesisHash: x.registry.genesisHash }, trust, opts);
      const { provider, chainId } = await openProvider(rpc);
      try {
        const timestamps = tokenVerifier(await tsaRootsOf(opts, path.resolve(dataDir)));
        const verdict = await verifyAuditExport(x, new EthersChainReader(provider, chainId, rpc), { trust, timestamps });
        printer(Boolean(asJson))({ file, rpc, ...verdict }, summary(verdict, x, file).join("\n"));
        process.exitCode = exitOf(verdict);
      } finally {
        provider.destroy();
      }
    });
}
