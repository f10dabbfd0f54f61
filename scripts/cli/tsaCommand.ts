import { existsSync } from "node:fs";
import path from "node:path";

import type { Command } from "commander";

import { TRIAL_POLICY, createTrialTsa, startTrialTsa } from "../trialTsa.js";
import { CliError, printer } from "./output.js";

/**
 * `notary tsa`: a trial RFC 3161 Time-Stamping Authority on 127.0.0.1
 * (OpenSSL's `openssl ts`), to try co-anchoring without a contract with a
 * qualified TSA. Never use it for real documents: its time is this machine's.
 */
export function tsaCommand(program: Command): void {
  program
    .command("tsa")
    .description("run a trial RFC 3161 time-stamping authority on 127.0.0.1 (openssl ts; NOT a qualified TSA: for trials only)")
    .option("--dir <dir>", "its keys and certificates (created on first use)", "tsa")
    .option("--port <port>", "the HTTP port on 127.0.0.1", "8318")
    .action(async (opts: { dir: string; port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError("--port must be a port number 1..65535");
      const dir = path.resolve(opts.dir);
      if (!existsSync(path.join(dir, "ts.cnf"))) await createTrialTsa(dir);
      const tsa = await startTrialTsa(dir, port);
      const caFile = path.join(dir, "ca.pem");
      printer(Boolean(program.opts().json))(
        { url: tsa.url, caFile, policy: TRIAL_POLICY },
        [
          `Trial TSA (not qualified: its time is this machine's clock) on ${tsa.url}, policy ${TRIAL_POLICY}`,
          `Use it with: TSA_URL=${tsa.url} TSA_CA_FILE=${caFile} npm start`,
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
      });
      await tsa.close();
    });
}
