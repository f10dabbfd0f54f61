import { createHash, randomBytes, randomInt } from "node:crypto";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { httpRequest, rawRequest } from "../../helpers/rawHttp.js";
import { type TestServer, startTestServer } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();
const MAX_UPLOAD = 64 * 1024;

interface Case {
  kind: string;
  request: Buffer;
  abortAfter?: number;
}

const sha = () => createHash("sha256").update(randomBytes(8)).digest("hex");
const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;

function multipart(boundary: string, parts: { name: string; filename?: string; type?: string; content: Buffer | string }[], close = true): Buffer {
  const pieces: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ""}`;
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`, "utf8"));
    pieces.push(typeof p.content === "string" ? Buffer.from(p.content) : p.content);
    pieces.push(Buffer.from("\r\n"));
  }
  if (close) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/** A generated corpus of bad requests, each of which must get a problem+json 4xx. */
function corpus(key: string): Case[] {
  const auth = { authorization: `Bearer ${key}` };
  const cases: Case[] = [];
  const add = (kind: string, request: Buffer, abortAfter?: number) => cases.push({ kind, request, abortAfter });
  const badHashes = ["AZ".repeat(32), "0x" + "a".repeat(64), "a".repeat(63), "a".repeat(65), "g".repeat(64), "%00" + "a".repeat(61), "ä".repeat(64), "..%2F..%2Fetc%2Fpasswd", "a".repeat(5000), "%E2%80%AE" + "a".repeat(60)];

  for (let i = 0; i < 150; i++) {
    const b = "B" + randomBytes(6).toString("hex");
    const full = multipart(b, [{ name: "file", filename: "x.pdf", type: "application/pdf", content: randomBytes(randomInt(10, 5000)) }]);
    const cut = randomInt(1, full.lastIndexOf(Buffer.from(`\r\n--${b}--`)));
    add("truncated multipart", httpRequest("POST", "/api/v1/documents", { ...auth, "content-type": `multipart/form-data; boundary=${b}` }, full.subarray(0, cut)));
  }
  for (let i = 0; i < 50; i++) {
    const body = multipart("RIGHT", [{ name: "file", filename: "x.pdf", content: "hello" }]);
    const type = pick(["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=WRONG", "multipart/mixed; boundary=RIGHT"]);
    add("missing or wrong boundary", httpRequest("POST", pick(["/api/v1/documents", "/api/v1/verify"]), { ...auth, "content-type": type }, body));
  }
  for (let i = 0; i < 20; i++) {
    const fields = Array.from({ length: 2000 }, (_, n) => ({ name: `f${n}`, content: "x" }));
    add("thousands of fields", httpRequest("POST", "/api/v1/documents", { ...auth, "content-type": "multipart/form-data; boundary=M" }, multipart("M", [...fields, { name: "file", filename: "a", content: "a" }])));
  }
  for (let i = 0; i < 30; i++) {
    const name = pick(["n".repeat(1000), "ü".repeat(300), "reference\u0000evil", "../../etc/passwd"]);
    add("huge or strange field names", httpRequest("POST", "/api/v1/documents", { ...auth, "content-type": "multipart/form-data; boundary=F" }, multipart("F", [{ name, content: "v" }, { name: "file", filename: "a", content: randomBytes(20) }])));
  }
  for (let i = 0; i < 20; i++) {
    add("oversize file", httpRequest("POST", "/api/v1/documents", { ...auth, "content-type": "multipart/form-data; boundary=O" }, multipart("O", [{ name: "file", filename: "big.pdf", content: randomBytes(MAX_UPLOAD + randomInt(1, 200_000)) }])));
  }
  for (let i = 0; i < 20; i++) {
    add("declared oversize body", httpRequest("POST", "/api/v1/documents", { ...auth, "content-type": "multipart/form-data; boundary=D", "content-length": String(10 * 1024 ** 3) }, "--D\r\n"));
  }
  for (let i = 0; i < 150; i++) {
    const body = pick([randomBytes(randomInt(1, 300)).toString("latin1"), '{"sha256":', "[1,2,3]", '{"sha256":"' + sha() + '","extra":true}', "null", '"string"', "{".repeat(5000), '{"sha256":' + "9".repeat(400) + "}"]);
    add("bad JSON", httpRequest("POST", pick(["/api/v1/documents", "/api/v1/verify", `/api/v1/documents/${sha()}/revocation`]), { ...auth, "content-type": "application/json" }, body));
  }
  for (let i = 0; i < 50; i++) {
    const type = pick(["text/plain", "application/xml", "application/x-www-form-urlencoded", "image/png", "application/octet-stream"]);
    add("wrong content type", httpRequest("POST", pick(["/api/v1/documents", "/api/v1/verify"]), { ...auth, "content-type": type }, "sha256=" + sha()));
  }
  for (let i = 0; i < 200; i++) {
    const bad = pick(badHashes);
    const route = pick([`/api/v1/verify/${bad}`, `/api/v1/receipts/${bad}`, `/api/v1/documents/${bad}`, `/api/v1/documents/${bad}/content`]);
    add("invalid hash in path", httpRequest("GET", route, auth));
    add("invalid hash in JSON", httpRequest("POST", "/api/v1/documents", { ...auth, "content-type": "application/json" }, JSON.stringify({ sha256: decodeURIComponent(bad.replace(/%(?![0-9A-F]{2})/g, "")) })));
  }
  for (let i = 0; i < 50; i++) {
    add("bad revocation", httpRequest("POST", `/api/v1/documents/${sha()}/revocation`, { ...auth, "content-type": "application/json" }, JSON.stringify(pick([{ reason: 0 }, { reason: 256 }, { reason: "1" }, { reason: 1.5 }, { reason: 1, note: "n".repeat(600) }, {}]))));
    add("bad query", httpRequest("GET", pick(["/api/v1/documents?limit=0", "/api/v1/documents?limit=abc", "/api/v1/documents?status=all", "/api/v1/documents?cursor=-1", "/api/v1/audit?limit=999999999"]), auth));
  }
  for (let i = 0; i < 30; i++) {
    add("huge header", Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${"h".repeat(randomInt(70_000, 200_000))}\r\nconnection: close\r\n\r\n`));
    add("malformed request line", Buffer.from(pick(["GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /\x00 HTTP/1.1\r\nhost: x\r\n\r\n", "POST /api/v1/documents HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\nzz\r\n"])));
  }
  for (let i = 0; i < 30; i++) {
    add("unauthorised upload", httpRequest("POST", "/api/v1/documents", { authorization: pick(["Bearer ", "Bearer x", "bearer " + key, `Bearer ${key}x`, "Basic " + key]), "content-type": "application/json" }, JSON.stringify({ sha256: sha() })));
  }
  return cases;
}

describe("hostile input", function () {
  this.timeout(180_000);
  let server: TestServer;
  let key: string;
  let port: number;

  before(async function () {
    server = await startTestServer(eip1193, { MAX_UPLOAD_BYTES: String(MAX_UPLOAD), BATCH_INTERVAL_MS: "3600000" });
    key = await server.clerkKey();
    port = Number(new URL(server.url).port);
  });

  after(async function () {
    await server?.stop();
  });

  const openFds = async () => (await readdir("/proc/self/fd")).length;

  it("answers 1,000+ bad requests with problem+json 4xx: no 5xx, no crash, nothing left behind", async function () {
    const cases = corpus(key);
    expect(cases.length).to.be.at.least(1000);
    await rawRequest(port, httpRequest("GET", "/healthz", {}));
    const fdsBefore = await openFds();
    const heapBefore = process.memoryUsage().heapUsed;
    const tmpBefore = new Set(await readdir(tmpdir()));

    const failures: string[] = [];
    const byKind = new Map<string, number>();
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c) => {
          const res = await rawRequest(port, c.request);
          byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
          const ok = res.status !== null && res.status >= 400 && res.status < 500 && /^application\/problem\+json/.test(res.contentType ?? "");
          if (!ok) failures.push(`${c.kind}: ${res.status} ${res.contentType} ${res.body.slice(0, 120)}`);
        }),
      );
    }
    expect(failures, failures.slice(0, 10).join("\n")).to.deep.equal([]);

    const health = await rawRequest(port, httpRequest("GET", "/healthz", {}));
    expect(health.status).to.equal(200);
    expect(await readdir(path.join(server.dataDir, "tmp"))).to.deep.equal([]);
    const tmpAfter = (await readdir(tmpdir())).filter((f) => !tmpBefore.has(f) && !f.startsWith("notary-"));
    expect(tmpAfter.filter((f) => /passwd|\.pdf|\.part/.test(f))).to.deep.equal([]);
    expect((await (await server.api("/api/v1/documents?limit=100", { key })).json()).items).to.deep.equal([]);
    expect(await openFds()).to.be.at.most(fdsBefore + 5);
    // The server runs in this process: its heap must not keep what the corpus sent (megabytes of it).
    expect(process.memoryUsage().heapUsed - heapBefore).to.be.lessThan(64 * 1024 * 1024);
    console.log(`      ${cases.length} bad requests: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  });

  it("cleans up after 30 clients that abort their uploads midway", async function () {
    for (let i = 0; i < 30; i++) {
      const body = multipart("A", [{ name: "file", filename: "abort.pdf", content: randomBytes(40_000) }]);
      const request = httpRequest("POST", "/api/v1/documents", { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=A" }, body);
      await rawRequest(port, request, { abortAfter: randomInt(200, request.length - 100) });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await readdir(path.join(server.dataDir, "tmp"))).to.deep.equal([]);
    expect((await (await server.api("/api/v1/documents?limit=100", { key })).json()).items).to.deep.equal([]);
    expect((await server.api("/healthz")).status).to.equal(200);
  });

  it("keeps serving others while 20 slow clients trickle their headers (bounded to 3 s)", async function () {
    const { connect } = await import("node:net");
    const sockets = Array.from({ length: 20 }, () => connect(port, "127.0.0.1").on("error", () => undefined));
    for (const s of sockets) s.write("GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ");
    const trickle = setInterval(() => sockets.forEach((s) => s.writable && s.write("x")), 100);
    const started = Date.now();
    const statuses: number[] = [];
    while (Date.now() - started < 3000) {
      statuses.push((await server.api(`/api/v1/verify/${sha()}`)).status);
      await new Promise((r) => setTimeout(r, 100));
    }
    clearInterval(trickle);
    sockets.forEach((s) => s.destroy());
    expect(statuses.length).to.be.at.least(10);
    expect(statuses.every((s) => s === 200)).to.equal(true);
  });

  it("accepts path-traversal and unicode file names without ever using them", async function () {
    let accepted = 0;
    for (const filename of ["../../etc/passwd", "..\\..\\windows\\win.ini", "evil\u0000.pdf", "ünïcödé‮fdp.exe", "/absolute/path.pdf"]) {
      const body = multipart("T", [{ name: "file", filename, content: randomBytes(100) }]);
      const res = await rawRequest(port, httpRequest("POST", "/api/v1/documents", { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=T" }, body));
      // NUL in a part header is malformed multipart (400); the others are fine documents (202).
      expect([202, 400], res.body).to.include(res.status);
      if (res.status === 400) expect(res.contentType).to.match(/^application\/problem\+json/);
      if (res.status === 202) accepted++;
    }
    expect(accepted).to.be.at.least(4);
    const names = await readdir(server.dataDir, { recursive: true });
    expect(names.filter((n) => /passwd|win\.ini|evil|fdp|absolute/.test(n))).to.deep.equal([]);
  });
});
