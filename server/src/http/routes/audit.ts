import type { Router } from "express";
import { z } from "zod";

import { auditCsv, entriesInRange, exportAudit } from "../../domain/audit/exportAudit.js";
import { instant } from "../../domain/documents/validity.js";
import { NotaryError } from "../../errors.js";
import { clerkAuth } from "../middleware/clerkAuth.js";
import type { AppDeps } from "./context.js";
import { parseOr400 } from "./documents.js";

const exportQuery = z.strictObject({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

/** A range end in ms: a date means that whole day in Europe/Berlin (like validity), a date-time needs an offset; absent: open. */
function rangeEnd(value: string | undefined, field: "from" | "to"): number | null {
  const seconds = instant(value, field, field === "from" ? "start" : "end");
  if (seconds === 0) return null;
  return field === "from" ? seconds * 1000 : seconds * 1000 + 999;
}

/** The audit log for clerks: the newest entries, and the tamper-evident export (README "Audit log"). */
export function auditRoutes(router: Router, deps: AppDeps): void {
  const { store, clock } = deps;
  const auth = clerkAuth(store);
  const exportDeps = {
    store,
    clock,
    registry: deps.registry,
    receiptExtras: deps.receiptExtras,
    chainBlock: () => deps.chain.blockNumber(),
    anchoredIn: async (root: string) => (await deps.chain.anchorOf(root))?.blockNumber ?? null,
  };

  router.get("/api/v1/audit", auth, async (req, res) => {
    const { limit } = parseOr400(z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }), req.query, "query");
    const entries = await store.listAudit(limit);
    res.json({ items: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) });
  });

  router.get("/api/v1/audit/export", auth, async (req, res) => {
    const q = parseOr400(exportQuery, req.query, "query");
    const range = { from: rangeEnd(q.from, "from"), to: rangeEnd(q.to, "to") };
    if (range.from !== null && range.to !== null && range.from > range.to) throw new NotaryError("INVALID_REQUEST", "from lies after to", { field: "from" });
    const name = `notary-audit-${deps.registry.municipality.ags}-${new Date(clock.now()).toISOString().slice(0, 10)}.${q.format}`;
    res.set("Content-Disposition", `attachment; filename="${name}"`);
    // The CSV shows the entries only: it needs none of the chain reads and batches the JSON export carries for its check.
    if (q.format === "csv") {
      res.type("text/csv; charset=utf-8").send(auditCsv(await entriesInRange(store, range)));
      return;
    }
    res.json(await exportAudit(exportDeps, range));
  });
}
