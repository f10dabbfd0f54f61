import { openAsBlob } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";

import { fileSize, receiptFileOf, sha256OfFile } from "./files.js";
import { CliError, EXIT, printer } from "./output.js";
import { type ServerOptions, problemOf, serverClient, untilSettled } from "./server.js";

interface NotariseOptions extends ServerOptions {
  hash?: string[];
  fingerprintOnly?: boolean;
  reference?: string;
  title?: string;
  validFrom?: string;
  validUntil?: string;
  supersedes?: string;
  retainUntil?: string;
  public?: boolean;
  wait?: boolean;
  timeout: string;
}

interface Outcome {
  /** The file, or the hash that was given with --hash. */
  file: string;
  sha256?: string;
  result: "notarised" | "already notarised" | "failed";
  /** For a document that was registered already: what was and was not applied, and whether it is revoked. */
  note?: string;
  error?: string;
  receipt?: string;
  /** Four-eyes issuance: registered, but anchored only once a second clerk approves it (--wait does not wait for that). */
  awaitingApproval?: boolean;
}

/** The answer to a registration: new (202), already registered (200, with what was not applied), or failed. */
async function outcomeOf(file: string, response: Response): Promise<Outcome> {
  if (!response.ok) return { file, result: "failed", error: await problemOf(response) };
  const body = (await response.json()) as { sha256: string; approval?: string; duplicate?: { detail: string } };
  if (response.status === 202) {
    return body.approval === "awaiting"
      ? { file, sha256: body.sha256, result: "notarised", awaitingApproval: true, note: "awaiting approval by a second clerk (four-eyes issuance): no receipt until then" }
      : { file, sha256: body.sha256, result: "notarised" };
  }
  return { file, sha256: body.sha256, result: "already notarised", note: body.duplicate?.detail };
}

const megabytes = (bytes: number) => (bytes < 1e3 ? `${bytes} B` : bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);

/** `notary notarise <files…>`: uploads to a server as a clerk, with a progress bar and a summary; `--wait` saves each receipt beside its file. */
export function notariseCommand(program: Command): void {
  program
    .command("notarise [files...]")
    .alias("notarize")
    .description("register documents with a Notary server (as a clerk) and, with --wait, save each receipt as <file>.receipt.json")
    .option("--hash <sha256...>", "register these SHA-256 fingerprints only (64 hex digits each, e.g. from sha256sum or Get-FileHash); receipts are saved as <sha256>.receipt.json")
    .option("--fingerprint-only", "hash the files here and send only their SHA-256: the files never leave this machine and no original is stored")
    .option("--server <url>", "the server (default: $NOTARY_SERVER or http://127.0.0.1:8080)")
    .option("--key <key>", "clerk key; prefer $NOTARY_KEY (command lines are visible to other users)")
    .option("--reference <text>", "reference (Aktenzeichen) for every file")
    .option("--title <text>", "title for every file (default: the file name)")
    .option("--valid-from <date>", "valid from this day (2026-12-01: from 0:00 German time) or instant (2026-12-01T08:00:00+01:00); committed on chain")
    .option("--valid-until <date>", "valid until this day (2026-12-31: until 24:00 German time) or instant; committed on chain")
    .option("--supersedes <sha256-or-file>", "the earlier document this one replaces (its SHA-256, or the file): revoked as superseded once this one is anchored")
    .option("--retain-until <date>", "keep the originals until this day (until 24:00 German time), then erase them (default: the server's RETENTION_DAYS)")
    .option("--public", "store the originals unencrypted (public documents)")
    .option("--wait", "wait until anchored and save the receipts")
    .option("--timeout <seconds>", "how long --wait waits", "120")
    .action(async (files: string[], opts: NotariseOptions) => {
      const json = Boolean(program.opts().json);
      const hashes = (opts.hash ?? []).map((h) => {
        if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new CliError(`--hash ${h}: a SHA-256 is 64 hex digits (as sha256sum prints it)`);
        return h.toLowerCase();
      });
      if (files.length === 0 && hashes.length === 0) throw new CliError("name at least one file, or a --hash");
      if (opts.supersedes && files.length + hashes.length !== 1) throw new CliError("--supersedes: a document is replaced by one new document; name exactly one file or --hash");
      const supersedes = opts.supersedes === undefined ? undefined : /^[0-9a-fA-F]{64}$/.test(opts.supersedes) ? opts.supersedes.toLowerCase() : await sha256OfFile(opts.supersedes);
      const server = serverClient(opts);
      const sizes = await Promise.all(files.map(fileSize));
      await server.checkKey();
      const total = sizes.reduce((a, b) => a + b, 0);
      const bar = !json && process.stderr.isTTY ? new SingleBar({ format: "{bar} {value}/{total} files | {bytes} | {file}", hideCursor: true }, Presets.shades_classic) : null;
      bar?.start(files.length, 0, { bytes: `0 of ${megabytes(total)}`, file: "" });

      const outcomes: Outcome[] = [];
      let sent = 0;
      // Fields every registration carries; the server checks them (and refuses the first document if they are wrong).
      const common = {
        ...(opts.reference ? { reference: opts.reference } : {}),
        ...(opts.validFrom ? { validFrom: opts.validFrom } : {}),
        ...(opts.validUntil ? { validUntil: opts.validUntil } : {}),
        ...(supersedes ? { supersedes } : {}),
        ...(opts.retainUntil ? { retainUntil: opts.retainUntil } : {}),
      };
      const registerHash = (sha256: string, title: string | undefined) =>
        server.request("/api/v1/documents", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ sha256, ...common, ...(title ? { title } : {}) }),
        });
      for (const sha256 of hashes) outcomes.push(await outcomeOf(sha256, await registerHash(sha256, opts.title)));
      for (const [i, file] of files.entries()) {
        bar?.update(i, { file: path.basename(file) });
        let response: Response;
        if (opts.fingerprintOnly) {
          response = await registerHash(await sha256OfFile(file), opts.title ?? path.basename(file));
        } else {
          const form = new FormData();
          for (const [name, value] of Object.entries(common)) form.append(name, value);
          form.append("title", opts.title ?? path.basename(file));
          form.append("public", String(Boolean(opts.public)));
          form.append("file", await openAsBlob(file), path.basename(file));
          response = await server.request("/api/v1/documents", { method: "POST", body: form });
        }
        sent += sizes[i]!;
        const outcome = await outcomeOf(file, response);
        outcomes.push(outcome);
        bar?.update(i + 1, { bytes: `${megabytes(sent)} of ${megabytes(total)}` });
        if (!bar && !json) console.log(`${outcome.result.padEnd(17)} ${outcome.sha256 ?? ""} ${file}${outcome.error ? `: ${outcome.error}` : ""}${outcome.note ? `: ${outcome.note}` : ""}`);
      }
      bar?.stop();

      if (opts.wait) {
        for (const outcome of outcomes.filter((o) => o.sha256 && !o.awaitingApproval)) {
          const response = await untilSettled(() => server.request(`/api/v1/receipts/${outcome.sha256}`), Number(opts.timeout) * 1000);
          if (!response?.ok) {
            outcome.error = response ? await problemOf(response) : `not anchored within ${opts.timeout} s`;
            continue;
          }
          outcome.receipt = outcome.file === outcome.sha256 ? `${outcome.sha256}.receipt.json` : receiptFileOf(outcome.file);
          await writeFile(outcome.receipt, JSON.stringify(await response.json(), null, 2) + "\n");
        }
      }

      const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
      const failed = count("failed") + outcomes.filter((o) => o.result !== "failed" && o.error).length;
      const what = `${files.length} file(s), ${megabytes(total)}${hashes.length ? `, ${hashes.length} hash(es)` : ""}`;
      const summary = `${what}: ${count("notarised")} notarised, ${count("already notarised")} already notarised, ${count("failed")} failed`;
      const details = outcomes
        .filter((o) => o.error || o.receipt || o.note)
        .flatMap((o) => [...(o.note ? [`  ${o.file}: ${o.note}`] : []), o.receipt ? `  receipt ${o.receipt}` : o.error ? `  ${o.file}: ${o.error}` : null].filter((l): l is string => l !== null));
      printer(json)({ files: outcomes, summary }, [summary, ...details].join("\n"));
      process.exitCode = failed > 0 ? EXIT.invalid : EXIT.ok;
    });
}
