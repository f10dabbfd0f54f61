/**
 * The `notary` command line: thin wrappers over the domain use cases.
 * `clerk add|list|remove` work on the data directory's database directly, so
 * they work whether or not the server is running; `notarise` and `revoke`
 * talk to a server as a clerk; `verify` and `deploy` talk to the chain only.
 * Exit codes: see ./output.ts (README "Command line").
 */
import path from "node:path";

import { Command, CommanderError } from "commander";

import { POSTGRES_MARKER } from "../../server/src/adapters/store/openStore.js";
import type { Store } from "../../server/src/domain/ports.js";
import { addClerk, setClerkRole } from "../../server/src/domain/clerks/clerkKeys.js";
import { isNotaryError } from "../../server/src/errors.js";
import { auditCommand } from "./audit.js";
import { chainCommand } from "./chainCommand.js";
import { deployCommand } from "./deploy.js";
import { directoryCommand } from "./directory.js";
import { notariseCommand } from "./notarise.js";
import { CliError, EXIT } from "./output.js";
import { revokeCommand } from "./revoke.js";
import { tsaCommand } from "./tsaCommand.js";
import { verifyCommand } from "./verify.js";

const program = new Command("notary")
  .description("Notarise municipal documents on a blockchain and verify them")
  .option("--data-dir <dir>", "the server's data directory", process.env.DATA_DIR ?? "./data")
  .option("--json", "machine-readable output")
  .addHelpText(
    "after",
    "\nExit codes: 0 done (verify: anchored, not revoked) · 1 verify: invalid, unknown or pending; notarise: a file failed; audit verify: changed · 2 verify: revoked · 3 could not do the job (arguments, files, server or chain unreachable) · 4 verify: genuine but not to be relied on (issuer unconfirmed, expired, not yet valid); audit verify: unchanged but not fully anchored or confirmed",
  )
  .exitOverride();

const clock = { now: () => Date.now() };

/** The server's database: PostgreSQL when DATABASE_URL (or DATABASE_URL_FILE) is set, as for the server; else the data directory's SQLite file. */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const { dataDir } = program.opts<{ dataDir: string }>();
  // Loaded only here: node:sqlite needs Node 22, the chain-only commands do not.
  const { openStore } = await import("../../server/src/adapters/store/openStore.js");
  const file = process.env.DATABASE_URL_FILE;
  const databaseUrl = process.env.DATABASE_URL || (file ? (await import("node:fs")).readFileSync(file, "utf8").trim() : undefined);
  // A server on PostgreSQL leaves this note in its data directory: without DATABASE_URL, a clerk added here would go into a SQLite file nobody reads.
  if (!databaseUrl && (await import("node:fs")).existsSync(path.join(path.resolve(dataDir), POSTGRES_MARKER))) {
    throw new CliError(`${path.resolve(dataDir)} belongs to a server that keeps its state in PostgreSQL: set DATABASE_URL (or DATABASE_URL_FILE) as for the server`);
  }
  const { store } = await openStore({ dataDir: path.resolve(dataDir), DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: 2 });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const print = (json: unknown, text: string) => console.log(program.opts().json ? JSON.stringify(json, null, 2) : text);

const clerk = program.command("clerk").description("manage clerk keys");

clerk
  .command("add <name>")
  .description("create a clerk and print its key (shown once, stored only as a hash)")
  .option("--role <role>", "clerk (registers, revokes, erases), approver (also approves others' documents under FOUR_EYES) or admin", "clerk")
  .action(async (name: string, opts: { role: string }) => {
    const { clerk: c, key } = await withStore((store) => addClerk({ store, clock }, name, opts.role));
    print(
      { id: c.id, name: c.name, role: c.role, key, createdAt: new Date(c.createdAt).toISOString() },
      `Clerk "${c.name}" (${c.role}) created. Key (shown only now, keep it safe):\n\n  ${key}\n\nUse it as: Authorization: Bearer ${key}`,
    );
  });

clerk
  .command("role <name> <role>")
  .description("give a clerk another role (clerk, approver, admin); the key stays the same")
  .action(async (name: string, role: string) => {
    await withStore((store) => setClerkRole({ store }, name, role));
    print({ name, role }, `Clerk "${name}" is now ${role}.`);
  });

clerk
  .command("list")
  .description("list clerks (never their keys)")
  .action(async () => {
    const clerks = await withStore((store) => store.listClerks());
    const rows = clerks.map((c) => ({
      id: c.id,
      name: c.name,
      role: c.role,
      createdAt: new Date(c.createdAt).toISOString(),
      removedAt: c.removedAt === null ? null : new Date(c.removedAt).toISOString(),
    }));
    print(rows, rows.length === 0 ? "No clerks yet: npx notary clerk add <name>" : rows.map((r) => `${r.id}\t${r.name}\t${r.role}\t${r.createdAt}${r.removedAt ? `\tremoved ${r.removedAt}` : ""}`).join("\n"));
  });

clerk
  .command("remove <name>")
  .description("remove a clerk: its key stops working at once")
  .action(async (name: string) => {
    const removed = await withStore((store) => store.removeClerk(name, clock.now()));
    if (!removed) {
      print({ removed: false, name }, `No active clerk named "${name}"`);
      process.exitCode = EXIT.invalid;
      return;
    }
    print({ removed: true, name }, `Clerk "${name}" removed; its key no longer works`);
  });

chainCommand(program);
deployCommand(program);
directoryCommand(program);
notariseCommand(program);
verifyCommand(program);
revokeCommand(program);
tsaCommand(program);
auditCommand(program);

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed the usage error (or the help, which exits 0).
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.error;
  } else {
    const known = e instanceof CliError || isNotaryError(e);
    const message = known ? (e as Error).message : String((e as Error).stack ?? e);
    console.error(`notary: ${message}`);
    if (program.opts().json) console.log(JSON.stringify({ error: known ? message : (e as Error).message, exitCode: EXIT.error }));
    process.exitCode = EXIT.error;
  }
}
