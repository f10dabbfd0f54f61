import { openAsBlob } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";

import { fileSize, receiptFileOf } from "./files.js";
import { EXIT, printer } from "./output.js";
import { type ServerOptions, problemOf, serverClient, untilSettled } from "./server.js";

interface NotariseOptions extends ServerOptions {
  reference?: string;
  title?: string;
  public?: boolean;
  wait?: boolean;
  timeout: string;
}

interface Outcome {
  file: string;
  sha256?: string;
  result: "notarised" | "already notarised" | "failed";
  error?: string;
  receipt?: string;
}

const megabytes = (bytes: number) => (bytes < 1e3 ? `${bytes} B` : bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);

/** `notary notarise <files…>`: uploads to a server as a clerk, with a progress bar and a summary; `--wait` saves each receipt beside its file. */
export function notariseCommand(program: Command): void {
  program
    .command("notarise <files...>")
    .alias("notarize")
    .description("upload documents to a Notary server (as a clerk) and, with --wait, save each receipt as <file>.receipt.json")
    .option("--server <url>", "the server (default: $NOTARY_SERVER or http://127.0.0.1:8080)")
    .option("--key <key>", "clerk key; prefer $NOTARY_KEY (command lines are visible to other users)")
    .option("--reference <text>", "reference (Aktenzeichen) for every file")
    .option("--title <text>", "title for every file (default: the file name)")
    .option("--public", "store the originals unencrypted (public documents)")
    .option("--wait", "wait until anchored and save the receipts")
    .option("--timeout <seconds>", "how long --wait waits", "120")
    .action(async (files: string[], opts: NotariseOptions) => {
      const json = Boolean(program.opts().json);
      const server = serverClient(opts);
      const sizes = await Promise.all(files.map(fileSize));
      await server.checkKey();
      const total = sizes.reduce((a, b) => a + b, 0);
      const bar = !json && process.stderr.isTTY ? new SingleBar({ format: "{bar} {value}/{total} files | {bytes} | {file}", hideCursor: true }, Presets.shades_classic) : null;
      bar?.start(files.length, 0, { bytes: `0 of ${megabytes(total)}`, file: "" });

      const outcomes: Outcome[] = [];
      let sent = 0;
      for (const [i, file] of files.entries()) {
        bar?.update(i, { file: path.basename(file) });
        const form = new FormData();
        if (opts.reference) form.append("reference", opts.reference);
        form.append("title", opts.title ?? path.basename(file));
        form.append("public", String(Boolean(opts.public)));
        form.append("file", await openAsBlob(file), path.basename(file));
        const response = await server.request("/api/v1/documents", { method: "POST", body: form });
        sent += sizes[i]!;
        const outcome: Outcome =
          response.ok ? { file, sha256: ((await response.json()) as { sha256: string }).sha256, result: response.status === 202 ? "notarised" : "already notarised" }
          : { file, result: "failed", error: await problemOf(response) };
        outcomes.push(outcome);
        bar?.update(i + 1, { bytes: `${megabytes(sent)} of ${megabytes(total)}` });
        if (!bar && !json) console.log(`${outcome.result.padEnd(17)} ${outcome.sha256 ?? ""} ${file}${outcome.error ? `: ${outcome.error}` : ""}`);
      }
      bar?.stop();

      if (opts.wait) {
        for (const outcome of outcomes.filter((o) => o.sha256)) {
          const response = await untilSettled(() => server.request(`/api/v1/receipts/${outcome.sha256}`), Number(opts.timeout) * 1000);
          if (!response?.ok) {
            outcome.error = response ? await problemOf(response) : `not anchored within ${opts.timeout} s`;
            continue;
          }
          outcome.receipt = receiptFileOf(outcome.file);
          await writeFile(outcome.receipt, JSON.stringify(await response.json(), null, 2) + "\n");
        }
      }

      const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
      const failed = count("failed") + outcomes.filter((o) => o.result !== "failed" && o.error).length;
      const summary = `${files.length} file(s), ${megabytes(total)}: ${count("notarised")} notarised, ${count("already notarised")} already notarised, ${count("failed")} failed`;
      const details = outcomes
        .filter((o) => o.error || o.receipt)
        .map((o) => (o.receipt ? `  receipt ${o.receipt}` : `  ${o.file}: ${o.error}`));
      printer(json)({ files: outcomes, summary }, [summary, ...details].join("\n"));
      process.exitCode = failed > 0 ? EXIT.invalid : EXIT.ok;
    });
}
