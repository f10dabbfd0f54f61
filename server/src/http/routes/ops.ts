import type { Router } from "express";

import { sendProblem } from "../problem.js";
import { openApiDocument } from "../openapi.js";
import type { AppDeps } from "./context.js";

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

async function probe(fn: () => Promise<unknown>): Promise<{ ok: boolean; detail?: string }> {
  try {
    await within(2000, fn());
    return { ok: true };
  } catch (e) {
    return { ok: false, detail: (e as Error).message.slice(0, 200) };
  }
}

/** Liveness, readiness, metrics, OpenAPI. */
export function opsRoutes(router: Router, deps: AppDeps): void {
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  router.get("/readyz", async (_req, res) => {
    const [store, chain, ipfs] = await Promise.all([
      probe(() => deps.store.ping()),
      probe(() => deps.chain.blockNumber()),
      probe(() => deps.content.ready()),
    ]);
    const anchoring = deps.worker.health;
    const leadership = deps.leadership?.state;
    // Who leads, as the database says (null while no instance does: a failover is under way); a follower is ready (it serves HTTP).
    const leader = leadership ? await within(2000, deps.election?.leader() ?? Promise.resolve(leadership.instance)).catch(() => null) : null;
    const tsa = deps.timestamper?.health;
    const checks = {
      store: { ...store, ...(deps.storeKind ? { kind: deps.storeKind } : {}) },
      chain,
      // A standby runs no anchoring: what its worker last reported (before it stood down) is not news.
      anchoring: leadership && !leadership.leading ? { ok: true, standby: true } : { ok: anchoring.ok, ...(anchoring.lastError ? { detail: anchoring.lastError.slice(0, 200) } : {}) },
      ...(leadership ? { leader: { ok: true, instance: leadership.instance, leading: leadership.leading, since: leadership.since, leader } } : {}),
      ipfs: { ...ipfs, mode: deps.content.mode },
      // A TSA outage is reported, but never makes the server unready: anchoring goes on without it.
      tsa: tsa
        ? { ok: tsa.ok, awaiting: await deps.store.countAwaitingCoAnchor("rfc3161"), ...(tsa.lastError ? { detail: tsa.lastError.slice(0, 300) } : {}) }
        : { ok: true, configured: false },
      // Erasing originals whose retention ended: reported, never making the server unready.
      retention: deps.retention
        ? { ok: deps.retention.health.ok, days: deps.retentionDays ?? null, ...(deps.retention.health.lastError ? { detail: deps.retention.health.lastError.slice(0, 300) } : {}) }
        : { ok: true, configured: false },
    };
    if (store.ok && chain.ok && ipfs.ok) {
      res.json({ status: "ready", checks });
    } else {
      sendProblem(res, 503, "NOT_READY", "Not ready", "A dependency is not reachable; see checks", { checks });
    }
  });

  router.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  router.get("/openapi.json", (_req, res) => {
    res.json(openApiDocument);
  });
}
