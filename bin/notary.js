#!/usr/bin/env node
// `npx notary …`: the compiled command line (`npm run build`, which `npm start`
// and `npm test` run, writes dist/). In a development checkout that has not been
// built yet, the TypeScript sources run through tsx instead (a dev dependency).
import { existsSync } from "node:fs";

// node:sqlite is stable in use but still flagged experimental on Node 22: keep the CLI's output clean.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) =>
  String(warning).includes("SQLite") ? undefined : emitWarning.call(process, warning, ...rest);

const compiled = new URL("../dist/scripts/cli/notary.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    console.error('notary: the command line is not built: run "npm run build" in the project folder');
    process.exit(3);
  }
  register();
  await import("../scripts/cli/notary.ts");
}
