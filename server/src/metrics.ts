import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The server's Prometheus metrics, in a registry of their own (one per app instance). */
export function createMetrics(queueDepth: () => Promise<number>, awaitingTimestamp: () => Promise<number> = async () => 0) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "notary_" });
  return {
    registry,
    documentsAccepted: new Counter({ name: "notary_documents_accepted_total", help: "Documents newly accepted for notarisation", registers: [registry] }),
    batchesAnchored: new Counter({ name: "notary_batches_anchored_total", help: "Batches anchored on chain", registers: [registry] }),
    documentsAnchored: new Counter({ name: "notary_documents_anchored_total", help: "Documents anchored on chain", registers: [registry] }),
    anchorLatency: new Histogram({
      name: "notary_anchor_latency_seconds",
      help: "Time from a document's acceptance (202) to its confirmed anchor",
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    }),
    tsaRequests: new Counter({ name: "notary_tsa_requests_total", help: "Timestamp requests to the TSAs, by result", labelNames: ["result"], registers: [registry] }),
    awaitingTimestamp: new Gauge({
      name: "notary_batches_awaiting_timestamp",
      help: "Anchored batches whose root has no RFC 3161 token yet",
      registers: [registry],
      async collect() {
        this.set(await awaitingTimestamp());
      },
    }),
    leader: new Gauge({ name: "notary_leader", help: "1 while this instance is the anchoring leader, 0 while it stands by", registers: [registry] }),
    queueDepth: new Gauge({
      name: "notary_queue_depth",
      help: "Documents accepted but not yet in a batch",
      registers: [registry],
      async collect() {
        this.set(await queueDepth());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
