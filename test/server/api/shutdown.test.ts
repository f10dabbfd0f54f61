import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { openStore } from "../../../server/src/adapters/store/openStore.js";
import { startTestServer } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

describe("graceful shutdown", function () {
  this.timeout(60_000);

  it("finishes an upload in flight when asked to stop, then refuses new connections", async function () {
    const dataDir = await mkdtemp(path.join(tmpdir(), "notary-drain-"));
    const server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "3600000" }, dataDir);
    try {
      const key = await server.clerkKey();
      const { port } = new URL(server.url);
      const boundary = "drain-boundary";
      const content = randomBytes(256 * 1024);
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;
      const tail = `\r\n--${boundary}--\r\n`;
      const length = Buffer.byteLength(head) + content.length + Buffer.byteLength(tail);

      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1", port, method: "POST", path: "/api/v1/documents",
            headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": length },
          },
          (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on("error", reject);
        req.write(head);
        req.write(content.subarray(0, 1000));
        // The rest arrives after shutdown has begun.
        setTimeout(() => req.end(Buffer.concat([content.subarray(1000), Buffer.from(tail)])), 500);
      });
      await new Promise((r) => setTimeout(r, 200));
      const closed = server.close();
      const { status, body } = await response;
      await closed;
      expect(status, body).to.equal(202);
      expect(JSON.parse(body).sha256).to.equal(createHash("sha256").update(content).digest("hex"));

      const refused = await fetch(`${server.url}/healthz`).then(() => "answered", () => "refused");
      expect(refused).to.equal("refused");
      const { store } = await openStore(server.config);
      expect(await store.getDocument(JSON.parse(body).sha256)).to.not.equal(null);
      await store.close();
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
