/**
 * The `notary` command line: thin wrappers over the domain use cases.
 * `clerk add|list|remove` work on the data directory's database directly, so
 * they work whether or not the server is running.
 */
import path from "node:path";

import { Command } from "commander";

import { SqliteStore } from "../../server/src/adapters/store/sqliteStore.js";
import { addClerk } from "../../server/src/domain/clerks/clerkKeys.js";
import { isNotaryError } from "../../server/src/errors.js";

const program = new Command("notary")
  .description("Notarise municipal documents on a blockchain and verify them")
  .option("--data-dir <dir>", "the server's data directory", process.env.DATA_DIR ?? "./data")
  .option("--json", "machine-readable output");

const clock = { now: () => Date.now() };

async function withStore<T>(fn: (store: SqliteStore) => Promise<T>): Promise<T> {
  const { dataDir } = program.opts<{ dataDir: string }>();
  const store = new SqliteStore(path.join(path.resolve(dataDir), "notary.db"));
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
  .action(async (name: string) => {
    const { clerk: c, key } = await withStore((store) => addClerk({ store, clock }, name));
    print(
      { id: c.id, name: c.name, key, createdAt: new Date(c.createdAt).toISOString() },
      `Clerk "${c.name}" created. Key (shown only now, keep it safe):\n\n  ${key}\n\nUse it as: Authorization: Bearer ${key}`,
    );
  });

clerk
  .command("list")
  .description("list clerks (never their keys)")
  .action(async () => {
    const clerks = await withStore((store) => store.listClerks());
    const rows = clerks.map((c) => ({
      id: c.id,
      name: c.name,
      createdAt: new Date(c.createdAt).toISOString(),
      removedAt: c.removedAt === null ? null : new Date(c.removedAt).toISOString(),
    }));
    print(rows, rows.length === 0 ? "No clerks yet: npx notary clerk add <name>" : rows.map((r) => `${r.id}\t${r.name}\t${r.createdAt}${r.removedAt ? `\tremoved ${r.removedAt}` : ""}`).join("\n"));
  });

clerk
  .command("remove <name>")
  .description("remove a clerk: its key stops working at once")
  .action(async (name: string) => {
    const removed = await withStore((store) => store.removeClerk(name, clock.now()));
    if (!removed) {
      print({ removed: false, name }, `No active clerk named "${name}"`);
      process.exitCode = 1;
      return;
    }
    print({ removed: true, name }, `Clerk "${name}" removed; its key no longer works`);
  });

try {
  await program.parseAsync();
} catch (e) {
  console.error(`notary: ${isNotaryError(e) ? e.message : (e as Error).message}`);
  process.exitCode = 2;
}
