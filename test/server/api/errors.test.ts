import { createHash, randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { request } from "node:http";

import { expect } from "chai";
import { network } from "hardhat";

import { listRoutes } from "../../../server/src/app.js";
import { openApiDocument } from "../../../server/src/http/openapi.js";
import { type TestServer, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("API: pending state, bad input and authorisation", function () {
  this.timeout(60_000);
  let server: TestServer;
  let key: string;

  before(async function () {
    // A long batch window: documents stay pending for the whole file.
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "3600000", MAX_UPLOAD_BYTES: "1024" });
    key = await server.clerkKey("Max Mustermann");
  });

  after(async function () {
    await server?.stop();
  });

  const expectProblem = async (res: Response, status: number, code: string) => {
    expect(res.status, await res.clone().text()).to.equal(status);
    expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
    const body = await res.json();
    expect(body).to.include({ status, code });
    expect(body.type).to.be.a("string");
    expect(body.title).to.be.a("string");
    expect(body.detail).to.be.a("string");
    expect(JSON.stringify(body)).to.not.match(/\bat .*\.ts:\d+/); // no stack traces
    return body;
  };

  it("reports a document as pending before its batch is anchored", async function () {
    const hash = sha256(randomBytes(16));
    await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: hash }) });
    const receipt = await server.api(`/api/v1/receipts/${hash}`);
    expect(receipt.status).to.equal(202);
    expect(await receipt.json()).to.deep.equal({ sha256: hash, status: "pending" });
    expect((await (await server.api(`/api/v1/verify/${hash}`)).json()).status).to.equal("pending");
    expect((await (await server.api(`/api/v1/documents/${hash}`, { key })).json()).status).to.equal("pending");
  });

  it("answers 404 for the receipt of an unknown document", async function () {
    await expectProblem(await server.api(`/api/v1/receipts/${sha256("nobody")}`), 404, "DOCUMENT_NOT_FOUND");
  });

  it("accepts an uppercase hash (as PowerShell's Get-FileHash prints it) everywhere, normalised to lowercase", async function () {
    const upper = sha256("Get-FileHash " + Math.random()).toUpperCase();
    const posted = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: upper }) });
    expect(posted.status).to.equal(202);
    expect((await posted.json()).sha256).to.equal(upper.toLowerCase());
    const verdict = await (await server.api(`/api/v1/verify/${upper}`)).json();
    expect(verdict.sha256).to.equal(upper.toLowerCase());
    expect((await server.api(`/api/v1/documents/${upper}`, { key })).status).to.equal(200);
  });

  for (const [label, bad] of [
    ["0x-prefixed", "0x" + "a".repeat(64)],
    ["too short", "a".repeat(63)],
    ["non-hex", "g".repeat(64)],
  ] as const) {
    it(`rejects a ${label} hash with 400 INVALID_HASH`, async function () {
      await expectProblem(await server.api(`/api/v1/verify/${bad}`), 400, "INVALID_HASH");
      await expectProblem(
        await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: bad }) }),
        400,
        "INVALID_HASH",
      );
    });
  }

  it("rejects bad JSON, unknown fields, wrong content types and a missing file part", async function () {
    const post = (body: BodyInit, type?: string) =>
      server.api("/api/v1/documents", { method: "POST", key, headers: type ? { "content-type": type } : {}, body });
    await expectProblem(await post("{not json", "application/json"), 400, "INVALID_REQUEST");
    await expectProblem(await post(JSON.stringify({ sha256: sha256("x"), extra: 1 }), "application/json"), 400, "INVALID_REQUEST");
    await expectProblem(await post("hello", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
    const noFile = new FormData();
    noFile.append("reference", "x");
    await expectProblem(await post(noFile), 400, "INVALID_REQUEST");
    await expectProblem(await post("--x\r\nbroken", "multipart/form-data; boundary=x"), 400, "INVALID_REQUEST");
    await expectProblem(await post("whatever", "multipart/form-data"), 400, "INVALID_REQUEST");
    const twoFiles = uploadForm("a");
    twoFiles.append("file", new Blob(["b"]), "b.pdf");
    await expectProblem(await post(twoFiles), 400, "INVALID_REQUEST");
    const badRevocation = await server.api(`/api/v1/documents/${sha256("x")}/revocation`, {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 0 }),
    });
    await expectProblem(badRevocation, 400, "INVALID_REQUEST");
  });

  it("refuses an upload over MAX_UPLOAD_BYTES with 413 and keeps no file", async function () {
    const big = new Uint8Array(4096).fill(65);
    await expectProblem(await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(big) }), 413, "PAYLOAD_TOO_LARGE");
    const huge = new Uint8Array(200_000).fill(66);
    await expectProblem(await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(huge) }), 413, "PAYLOAD_TOO_LARGE");
    expect(await readdir(path.join(server.dataDir, "tmp"))).to.deep.equal([]);
    expect((await server.api(`/api/v1/documents/${sha256(big)}`, { key })).status).to.equal(404);
  });

  it("refuses a declared oversize body before reading it", async function () {
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1", port, method: "POST", path: "/api/v1/documents",
        headers: { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=x", "content-length": String(10 * 1024 ** 3) },
      }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.write("--x\r\n"); // and never the other 10 GiB
    });
    expect(status).to.equal(413);
  });

  for (const [label, header] of [
    ["no key", undefined],
    ["a malformed header", "Basic abc"],
    ["an unknown key", "Bearer ntk_" + "A".repeat(32)],
  ] as const) {
    it(`refuses clerk routes with ${label}: 401`, async function () {
      const hash = sha256("auth");
      const headers: Record<string, string> = header ? { authorization: header } : {};
      for (const [method, route] of [
        ["POST", "/api/v1/documents"],
        ["GET", "/api/v1/documents"],
        ["GET", `/api/v1/documents/${hash}`],
        ["POST", `/api/v1/documents/${hash}/revocation`],
        ["GET", `/api/v1/documents/${hash}/content`],
        ["GET", "/api/v1/audit"],
      ] as const) {
        await expectProblem(await server.api(route, { method, headers }), 401, "UNAUTHORIZED");
      }
    });
  }

  it("refuses a removed clerk's key at once, and accepts a valid one", async function () {
    const removedKey = await server.clerkKey("Leaving Clerk");
    expect((await server.api("/api/v1/documents", { key: removedKey })).status).to.equal(200);
    const store = await server.openStore();
    await store.removeClerk("Leaving Clerk", Date.now());
    await store.close();
    await expectProblem(await server.api("/api/v1/documents", { key: removedKey }), 401, "UNAUTHORIZED");
    expect((await server.api("/api/v1/documents", { key })).status).to.equal(200);
  });

  it("answers unknown routes with a problem+json 404", async function () {
    await expectProblem(await server.api("/api/v2/nothing"), 404, "ROUTE_NOT_FOUND");
  });

  it("documents every route in /openapi.json, and every documented path is a route", async function () {
    const spec = await (await server.api("/openapi.json")).json();
    expect(spec.openapi).to.equal("3.1.0");
    const documented = new Set<string>();
    for (const [p, methods] of Object.entries(openApiDocument.paths)) {
      for (const m of Object.keys(methods)) documented.add(`${m.toUpperCase()} ${p}`);
    }
    expect(listRoutes(server.app).sort()).to.deep.equal([...documented].sort());
    // And each documented route answers (is not the 404 of an unknown route).
    const routes = new Set<string>();
    for (const route of documented) {
      const [method, p] = route.split(" ") as [string, string];
      const concrete = p.replace("{sha256}", sha256("openapi"));
      const res = await server.api(concrete, { method, key, headers: method === "POST" ? { "content-type": "application/json" } : {}, body: method === "POST" ? "{}" : undefined });
      const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
      if ((body as { code?: string }).code !== "ROUTE_NOT_FOUND") routes.add(route);
    }
    expect([...routes].sort()).to.deep.equal([...documented].sort());
    expect(spec.paths).to.deep.equal(JSON.parse(JSON.stringify(openApiDocument.paths)));
  });
});
