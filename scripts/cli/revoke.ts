import type { Command } from "commander";

import { isSha256 } from "../../server/src/domain/documents/sha256.js";
import { REVOCATION_REASONS } from "../../server/src/domain/verification/revocationReasons.js";
import { sha256OfFile } from "./files.js";
import { CliError, EXIT, printer } from "./output.js";
import { type ServerOptions, problemOf, serverClient } from "./server.js";

interface RevokeOptions extends ServerOptions {
  reason: string;
  note?: string;
  wait?: boolean;
  timeout: string;
}

/** "withdrawn" → 1, "issued-in-error" → 2, …, or a number 1..255. */
function reasonCode(text: string): number {
  const byName = Object.entries(REVOCATION_REASONS).find(([, name]) => name.replace(/ /g, "-") === text.toLowerCase());
  const code = byName ? Number(byName[0]) : Number(text);
  if (!Number.isInteger(code) || code < 1 || code > 255) {
    const names = Object.values(REVOCATION_REASONS).map((n) => n.replace(/ /g, "-")).join(", ");
    throw new CliError(`--reason must be 1..255 or one of ${names} (got "${text}")`);
  }
  return code;
}

/** `notary revoke <sha256|file>`: asks the server to revoke a document on chain. */
export function revokeCommand(program: Command): void {
  program
    .command("revoke <document>")
    .description("revoke a notarised document (by SHA-256 or by file) on chain")
    .requiredOption("--reason <reason>", "withdrawn, issued-in-error, superseded, expired, other, or a code 1..255")
    .option("--note <text>", "internal note (kept on the server, never on chain)")
    .option("--server <url>", "the server (default: $NOTARY_SERVER or http://127.0.0.1:8080)")
    .option("--key <key>", "clerk key; prefer $NOTARY_KEY")
    .option("--wait", "wait until the revocation is on chain")
    .option("--timeout <seconds>", "how long --wait waits", "120")
    .action(async (document: string, opts: RevokeOptions) => {
      const reason = reasonCode(opts.reason);
      const server = serverClient(opts);
      const sha256 = isSha256(document) ? document : await sha256OfFile(document);
      const response = await server.request(`/api/v1/documents/${sha256}/revocation`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason, ...(opts.note ? { note: opts.note } : {}) }),
      });
      if (!response.ok) throw new CliError(`revocation refused: ${await problemOf(response)}`);
      let status = "requested";
      if (opts.wait) {
        const deadline = Date.now() + Number(opts.timeout) * 1000;
        while (status !== "revoked" && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          const verdict = await server.request(`/api/v1/verify/${sha256}`);
          if (verdict.ok) status = ((await verdict.json()) as { status: string }).status === "revoked" ? "revoked" : status;
        }
        if (status !== "revoked") throw new CliError(`the revocation is not on chain after ${opts.timeout} s; it stays queued on the server`);
      }
      printer(program.opts().json)(
        { sha256, reason, status },
        status === "revoked" ? `revoked  ${sha256} (${REVOCATION_REASONS[reason] ?? `reason ${reason}`}), on chain` : `revocation requested  ${sha256}; it goes on chain with the next transaction`,
      );
      process.exitCode = EXIT.ok;
    });
}
