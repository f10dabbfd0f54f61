import { createServer } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";

import { checkToken, pemCertificates, rootBytes, rootImprint, timestampQuery, tokenOfReply } from "../../../../server/src/adapters/timestamps/rfc3161.js";
import { tokenVerifier } from "../../../../server/src/adapters/timestamps/tokenVerifier.js";
import { TsaClient } from "../../../../server/src/adapters/timestamps/tsaClient.js";
import type { Receipt } from "../../../../server/src/domain/receipts/receipt.js";
import { TRIAL_POLICY } from "../../../../scripts/trialTsa.js";
import { freePort } from "../../../helpers/processes.js";
import { track } from "../../../helpers/teardown.js";
import { type TestTsa, opensslVerifies, forger, startTestTsa } from "../../../helpers/tsa.js";

const ROOT = "0x" + "5a".repeat(32);
const OTHER_ROOT = "0x" + "a5".repeat(32);

/** A token over `root` straight from a TSA, with the request's nonce. */
async function tokenFrom(tsa: TestTsa, root = ROOT): Promise<{ token: Buffer; nonce: string }> {
  const query = timestampQuery(rootImprint(root));
  const res = await fetch(tsa.url, { method: "POST", headers: { "content-type": "application/timestamp-query" }, body: new Uint8Array(query.der) });
  return { token: tokenOfReply(new Uint8Array(await res.arrayBuffer())), nonce: query.nonce };
}

/**
 * RFC 3161 tokens from a real TSA (openssl ts -reply), checked the way every
 * verifier of this project checks them; the attacker's tokens first.
 */
describe("RFC 3161 timestamps: request, token checks, TSA client", function () {
  this.timeout(60_000);
  let good: TestTsa;
  let expired: TestTsa;
  let stranger: TestTsa;
  let roots: Buffer[];

  before(async function () {
    good = await startTestTsa();
    expired = await startTestTsa({ expired: true });
    stranger = await startTestTsa({ rootName: "Some Other Root" });
    roots = pemCertificates(await readFile(good.caFile, "utf8"));
  });

  after(async function () {
    for (const t of [good, expired, stranger]) await t?.close();
  });

  it("a token from the TSA verifies: its time, TSA, policy and accuracy; and openssl ts -verify agrees", async function () {
    const { token, nonce } = await tokenFrom(good);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots, nonce });
    expect(check.ok, JSON.stringify(check)).to.equal(true);
    if (!check.ok) return;
    expect(check).to.include({ tsa: "Notary Trial TSA (not qualified)", policy: TRIAL_POLICY, accuracySeconds: 1 });
    expect(Math.abs(check.genTime.getTime() - Date.now())).to.be.below(60_000);
    expect(check.certificates.length).to.be.at.least(1);
    expect(await opensslVerifies(token, ROOT, good.caFile)).to.deep.include({ ok: true });
  });

  it("asks with a nonce in minimal DER every time: positive, no leading zero byte (a TSA refuses those as bad requests)", async function () {
    for (let i = 0; i < 2000; i++) {
      const { der, nonce } = timestampQuery(rootImprint(ROOT));
      expect(nonce, `request ${i}`).to.match(/^(?!00)[0-7][0-9a-f]{15}$/);
      expect(der.includes(Buffer.from(`0208${nonce}`, "hex")), `request ${i} carries the nonce as an 8-byte INTEGER`).to.equal(true);
    }
  });

  it("refuses a token for another root (the imprint is the SHA-256 of the root's bytes)", async function () {
    const { token } = await tokenFrom(good, OTHER_ROOT);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots });
    expect(check).to.deep.include({ ok: false, reason: "the token is for other data: its message imprint is not the SHA-256 of this root" });
    expect((await opensslVerifies(token, ROOT, good.caFile)).ok).to.equal(false);
  });

  it("remembered checks never vouch for an edit: another root, an edited time or a flipped byte after the genuine token passed", async function () {
    const verify = tokenVerifier(roots, 2);
    const receiptWith = async (token: Buffer, root = ROOT, genTime?: string) => {
      const check = await checkToken(token, { data: rootBytes(ROOT), roots });
      const time = genTime ?? (check.ok ? check.genTime.toISOString().replace(".000Z", "Z") : "");
      return { version: 2, root, coAnchors: [{ type: "rfc3161", token: token.toString("base64"), genTime: time }] } as unknown as Receipt;
    };
    const { token } = await tokenFrom(good);
    const genuine = await receiptWith(token);
    const genTime = (await checkToken(token, { data: rootBytes(ROOT), roots }) as { genTime: Date }).genTime.toISOString().replace(".000Z", "Z");
    for (let i = 0; i < 2; i++) expect((await verify(genuine))[0], `check ${i + 1}`).to.include({ ok: true, code: "timestamp.ok" });
    expect((await verify(await receiptWith(token, OTHER_ROOT)))[0]).to.include({ ok: false, code: "timestamp.invalid" });
    expect((await verify(await receiptWith(token, ROOT, "2020-01-01T00:00:00Z")))[0]).to.include({ ok: false, code: "timestamp.invalid" });
    const flipped = Buffer.from(token);
    flipped[flipped.length - 20] = flipped[flipped.length - 20]! ^ 0x01;
    expect((await verify(await receiptWith(flipped, ROOT, genTime)))[0]).to.include({ ok: false, code: "timestamp.invalid" });
    // The cache (two entries) has been emptied meanwhile; the genuine token still passes.
    expect((await verify(genuine))[0]).to.include({ ok: true });
  });

  it("checks at most four co-anchors of a receipt; the others are reported as not checked", async function () {
    const { token } = await tokenFrom(good);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots });
    if (!check.ok) expect.fail(check.reason);
    const coAnchor = { type: "rfc3161", token: token.toString("base64"), genTime: check.genTime.toISOString().replace(".000Z", "Z") };
    const reports = await tokenVerifier(roots)({ version: 2, root: ROOT, coAnchors: Array(6).fill(coAnchor) } as unknown as Receipt);
    expect(reports.map((r) => r.code)).to.deep.equal([...Array(4).fill("timestamp.ok"), "timestamp.skipped", "timestamp.skipped"]);
    expect(reports[5]).to.include({ ok: false, unverified: true });
  });

  it("refuses a token with one flipped byte in what it signs or binds: the TSTInfo, the signer's certificate, the signed attributes, the signature", async function () {
    const { token } = await tokenFrom(good);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots });
    if (!check.ok) expect.fail(check.reason);
    const signerCert = token.indexOf(check.certificates[0]!);
    expect(signerCert, "the signer's certificate is in the token").to.be.above(0);
    for (const at of [120, signerCert + 200, token.length - 150, token.length - 20]) {
      const flipped = Buffer.from(token);
      flipped[at] = flipped[at]! ^ 0x01;
      expect((await checkToken(flipped, { data: rootBytes(ROOT), roots })).ok, `byte ${at}`).to.equal(false);
    }
  });

  it("trusts the verifier's root, not the token's copy of it: a flipped byte in that copy changes nothing", async function () {
    const { token } = await tokenFrom(good);
    const caCopy = token.indexOf(roots[0]!);
    expect(caCopy, "the TSA sends its chain with the root").to.be.above(0);
    const flipped = Buffer.from(token);
    flipped[caCopy + 40] = flipped[caCopy + 40]! ^ 0x01;
    expect(await checkToken(flipped, { data: rootBytes(ROOT), roots })).to.include({ ok: true });
  });

  it("an unrelated CA's token is not trusted (its time is not confirmed) and not called forged; openssl agrees", async function () {
    const { token } = await tokenFrom(stranger);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots });
    expect(check).to.deep.include({ ok: false, untrusted: true, reason: "Notary Trial TSA (not qualified)'s certificate does not lead to a TSA root this verifier trusts" });
    expect((await opensslVerifies(token, ROOT, good.caFile)).ok).to.equal(false);
  });

  it("refuses a look-alike CA that copies the trusted root's name: the name leads to the root, the signature does not", async function () {
    const impostor = await startTestTsa();
    try {
      const { token } = await tokenFrom(impostor);
      const check = await checkToken(token, { data: rootBytes(ROOT), roots });
      expect(check.ok).to.equal(false);
      expect(check.ok === false && check.untrusted, "a forgery in the trusted root's name is not merely untrusted").to.not.equal(true);
      if (!check.ok) expect(check.reason).to.match(/certificate chain does not verify/);
    } finally {
      await impostor.close();
    }
  });

  describe("tokens signed again by an attacker", function () {
    let workshop: Awaited<ReturnType<typeof forger>>;
    before(async function () {
      workshop = await forger(good.dir);
    });
    after(async function () {
      await workshop?.close();
    });

    it("refuses a token signed with a certificate of the trusted CA that lacks the timeStamping EKU", async function () {
      const forged = await workshop.resign((await tokenFrom(good)).token, "withoutEku");
      const check = await checkToken(forged, { data: rootBytes(ROOT), roots });
      expect(check).to.deep.include({ ok: false, reason: "the signer's certificate lacks the critical timeStamping extended key usage" });
    });

    it("refuses a token without the ESSCertID that binds the signer's certificate, even signed with the TSA's own key", async function () {
      const forged = await workshop.resign((await tokenFrom(good)).token, "withoutEssCertId");
      const check = await checkToken(forged, { data: rootBytes(ROOT), roots });
      expect(check).to.deep.include({ ok: false, reason: "the token has no ESSCertID(v2) attribute naming its signer's certificate" });
    });

    it("refuses a token whose ESSCertID names another certificate of the same key than the one it carries", async function () {
      const forged = await workshop.resign((await tokenFrom(good)).token, "otherCertificate");
      const check = await checkToken(forged, { data: rootBytes(ROOT), roots });
      expect(check).to.deep.include({ ok: false, reason: "the ESSCertID(v2) attribute does not name the signer's certificate" });
    });

    it("answers at once for a token whose CA certificates sign each other in a circle: not trusted", async function () {
      const forged = await workshop.resign((await tokenFrom(good)).token, "circularChain");
      const started = Date.now();
      const check = await checkToken(forged, { data: rootBytes(ROOT), roots });
      expect(Date.now() - started).to.be.below(2000);
      expect(check).to.deep.include({ ok: false, untrusted: true, reason: "Circular TSA's certificate does not lead to a TSA root this verifier trusts" });
    });
  });

  it("checks the ESSCertIDv2 with the hash algorithm it names (SHA-512 here)", async function () {
    const cnf = path.join(good.dir, "ts.cnf");
    const config = await readFile(cnf, "utf8");
    await writeFile(cnf, config.replace("ess_cert_id_alg = sha256", "ess_cert_id_alg = sha512"));
    try {
      const { token } = await tokenFrom(good);
      expect(token.includes(Buffer.from("608648016503040203", "hex")), "the token names SHA-512").to.equal(true);
      expect(await checkToken(token, { data: rootBytes(ROOT), roots })).to.include({ ok: true });
    } finally {
      await writeFile(cnf, config);
    }
  });

  it("refuses what is not one token: bytes after its end, and a token larger than any TSA sends", async function () {
    const { token } = await tokenFrom(good);
    expect(await checkToken(Buffer.concat([token, Buffer.from([0])]), { data: rootBytes(ROOT), roots })).to.deep.include({ ok: false, reason: "the token cannot be read (the token has 1 bytes after its end)" });
    const huge = Buffer.alloc(100_000, 0x30);
    expect(await checkToken(huge, { data: rootBytes(ROOT), roots })).to.deep.include({ ok: false, reason: "the token is larger than 65536 bytes" });
    expect(await checkToken(Buffer.from("garbage"), { data: rootBytes(ROOT), roots })).to.include({ ok: false });
  });

  it("refuses a token whose TSA certificate had expired at genTime", async function () {
    const { token } = await tokenFrom(expired);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots: pemCertificates(await readFile(expired.caFile, "utf8")) });
    expect(check.ok).to.equal(false);
    if (!check.ok) expect(check.reason).to.match(/chain does not verify at .*expired/);
  });

  it("refuses, on arrival, a token whose nonce is not the request's (a replayed answer)", async function () {
    const { token } = await tokenFrom(good);
    const check = await checkToken(token, { data: rootBytes(ROOT), roots, nonce: "0123456789abcdef" });
    expect(check).to.deep.include({ ok: false, reason: "the token's nonce is not the request's" });
  });

  it("the client tries the TSAs in order: past one that is down and one that answers garbage, to one that works", async function () {
    const down = `http://127.0.0.1:${await freePort()}/`;
    good.mode = "ok";
    stranger.mode = "garbage";
    try {
      const coAnchor = await new TsaClient([down, stranger.url, good.url], roots).stamp(ROOT);
      expect(coAnchor).to.deep.include({ type: "rfc3161", tsa: good.url, imprint: { algorithm: "sha256", of: "root" } });
      expect((await checkToken(Buffer.from(coAnchor.token, "base64"), { data: rootBytes(ROOT), roots })).ok).to.equal(true);
    } finally {
      stranger.mode = "ok";
    }
  });

  it("asks a TSA that failed in the last minute only after the others, so a hanging TSA does not cost its time limit on every root", async function () {
    let now = 1_000_000;
    const client = new TsaClient([stranger.url, good.url], roots, 300, () => now);
    stranger.mode = "hang";
    try {
      const first = Date.now();
      expect(await client.stamp(ROOT)).to.include({ tsa: good.url });
      expect(Date.now() - first, "the first root waits for the hanging TSA").to.be.at.least(300);
      expect(client.order()).to.deep.equal([good.url, stranger.url]);
      const asked = stranger.received;
      const second = Date.now();
      expect(await client.stamp(OTHER_ROOT)).to.include({ tsa: good.url });
      expect(Date.now() - second).to.be.below(300);
      expect(stranger.received, "not asked again within the minute").to.equal(asked);
      now += 61_000;
      expect(client.order(), "a minute later it is first again").to.deep.equal([stranger.url, good.url]);
    } finally {
      stranger.mode = "ok";
    }
  });

  it("gives up on a TSA that never answers within its time limit, and says which failed how", async function () {
    const silent = createServer(() => {}).listen(0, "127.0.0.1"); // accepts connections, never answers
    const untrack = track("silent TSA", () => silent.close());
    try {
      await new Promise((r) => silent.once("listening", r));
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
      const started = Date.now();
      const error = await new TsaClient([url], roots, 500).stamp(ROOT).catch((e: Error) => e);
      expect(Date.now() - started).to.be.below(5_000);
      expect((error as Error).message).to.match(/no TSA gave a valid token.*aborted|timeout/i);
    } finally {
      untrack();
      silent.close();
    }
  });
});
