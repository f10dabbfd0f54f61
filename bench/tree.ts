/** Time to build a batch's tree and every proof, as the anchoring worker does. */
import { randomBytes } from "node:crypto";

import { buildBatch } from "../server/src/domain/anchoring/buildBatch.js";
import { newSalt } from "../server/src/domain/documents/notariseDocument.js";

export function treeBenchmark(leaves: number, repeats: number) {
  const docs = Array.from({ length: leaves }, () => ({ sha256: randomBytes(32).toString("hex"), salt: newSalt() }));
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    buildBatch(docs);
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  return { leaves, min: times[0]!, median: times[Math.floor(times.length / 2)]!, max: times.at(-1)! };
}
