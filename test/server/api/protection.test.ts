import { createHash } from "node:crypto";
import path from "node:path";
import { readFile } from "node:fs/promises";

import { expect } from "chai";
import { network } from "hardhat";

import { type TestServer, sqliteOnly, startTestServer } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("API: security headers, CORS, rate limits, keys at rest", function () {
  this.timeout(60_000);

  describe("with the default limits", function () {
    let server: TestServer;
    let key: string;

    before(async function () {
      server = await startTestServer(eip1193);
      key = await server.clerkKey();
    });

    after(async function () {
      await server?.stop();
    });

    it("sends security headers on every response", async function () {
      for (const res of [await server.api("/healthz"), await server.api("/api/v1/verify/xyz"), await server.api("/api/v1/documents", { key })]) {
        expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
        expect(res.headers.get("content-security-policy")).to.include("default-src 'self'");
        expect(res.headers.get("x-frame-options")).to.equal("SAMEORIGIN");
        expect(res.headers.get("x-powered-by")).to.equal(null);
      }
    });

    it("opens CORS for the public verification API only", async function () {
      const preflight = await server.api("/api/v1/verify", { method: "OPTIONS", headers: { origin: "https://www.musterstadt.de", "access-control-request-method": "POST" } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
      const registry = await server.api("/api/v1/registry", { headers: { origin: "https://example.org" } });
      expect(registry.headers.get("access-control-allow-origin")).to.equal("*");
      const clerk = await server.api("/api/v1/documents", { key, headers: { origin: "https://evil.example" } });
      expect(clerk.headers.get("access-control-allow-origin")).to.equal(null);
    });

    it("stores no clerk key in the database file, only its hash", async function () {
      sqliteOnly(this, "reads the SQLite file; the store contract checks keys are stored as hashes");
      const db = await readFile(path.join(server.dataDir, "notary.db"));
      const wal = await readFile(path.join(server.dataDir, "notary.db-wal")).catch(() => Buffer.alloc(0));
      expect(Buffer.concat([db, wal]).includes(key)).to.equal(false);
      expect(Buffer.concat([db, wal]).includes(createHash("sha256").update(key).digest("hex"))).to.equal(true);
    });
  });

  it("answers 429 problem+json with Retry-After past the limit, leaves clerk routes alone, and ignores a spoofed X-Forwarded-For", async function () {
    const server = await startTestServer(eip1193, { RATE_LIMIT_PER_MINUTE: "5" });
    try {
      const key = await server.clerkKey();
      const hash = sha256("limited");
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await server.api(`/api/v1/verify/${hash}`)).status);
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200]);
      const limited = await server.api(`/api/v1/verify/${hash}`);
      expect(limited.status).to.equal(429);
      expect(limited.headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect(Number(limited.headers.get("retry-after"))).to.be.greaterThan(0);
      expect((await limited.json()).code).to.equal("RATE_LIMITED");
      expect((await server.api("/api/v1/documents", { key })).status).to.equal(200);
      const spoofed = await server.api(`/api/v1/verify/${hash}`, { headers: { "x-forwarded-for": "203.0.113.77" } });
      expect(spoofed.status).to.equal(429);
    } finally {
      await server.stop();
    }
  });

  it("counts clients behind a trusted proxy by their forwarded address", async function () {
    const server = await startTestServer(eip1193, { RATE_LIMIT_PER_MINUTE: "2", TRUST_PROXY: "loopback" });
    try {
      const from = (ip: string) => server.api("/api/v1/registry", { headers: { "x-forwarded-for": ip } });
      expect((await from("198.51.100.1")).status).to.equal(200);
      expect((await from("198.51.100.1")).status).to.equal(200);
      expect((await from("198.51.100.1")).status).to.equal(429);
      expect((await from("198.51.100.2")).status).to.equal(200);
    } finally {
      await server.stop();
    }
  });
});
