#!/usr/bin/env node
// `npx notary …`: runs the TypeScript CLI through tsx (no build step).
import { register } from "tsx/esm/api";

// node:sqlite is stable in use but still flagged experimental on Node 22: keep the CLI's output clean.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) =>
  String(warning).includes("SQLite") ? undefined : emitWarning.call(process, warning, ...rest);

register();
await import("../scripts/cli/notary.ts");
