import { createHash, randomBytes } from "node:crypto";

import { expect } from "chai";
import { network } from "hardhat";
import { DateTime } from "luxon";

import { verifyIndependently } from "../../helpers/independentVerify.js";
import { type TestServer, anchoredReceipt, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
/** A day relative to today, as the date a clerk in Germany types. */
const berlinDay = (days: number) => DateTime.now().setZone("Europe/Berlin").plus({ days }).toISODate()!;
const endOfBerlinDay = (day: string) => DateTime.fromISO(day, { zone: "Europe/Berlin" }).endOf("day").startOf("second").toSeconds();
const startOfBerlinDay = (day: string) => DateTime.fromISO(day, { zone: "Europe/Berlin" }).startOf("day").toSeconds();

/**
 * Permits with a validity period (issue #14, part 1): given on upload,
 * committed in the leaf, and judged by every verifier against its own clock.
 */
describe("API: validity periods committed on chain", function () {
  this.timeout(60_000);
  let server: TestServer;
  let key: string;

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100" });
    key = await server.clerkKey("Erika Muster");
  });

  after(async function () {
    await server?.stop();
  });

  const receiptOf = (hash: string) => anchoredReceipt(server, hash);
  const verifyReceipt = async (receipt: unknown) =>
    (await server.api("/api/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(receipt) })).json();
  const permit = () => `Erlaubnis Straßenmusik ${randomBytes(8).toString("hex")}`;

  it("a permit valid until yesterday: the receipt commits the day's end, every verifier says expired (genuine, not to be relied on)", async function () {
    const doc = permit();
    const yesterday = berlinDay(-1);
    const res = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { title: "Straßenmusik", validUntil: yesterday }) });
    expect(res.status).to.equal(202);
    const receipt = await receiptOf(sha256(doc));
    expect(receipt.document).to.deep.include({ validFrom: 0, validUntil: endOfBerlinDay(yesterday) });
    expect(await verifyIndependently(receipt, server.provider), "the leaf commits the period").to.equal("anchored");
    const byReceipt = await verifyReceipt(receipt);
    expect(byReceipt).to.deep.include({ status: "expired", authentic: true, reliable: false });
    expect(byReceipt.checks.find((c: { check: string }) => c.check === "validity")).to.include({ code: "validity.expired" });
    const byHash = await (await server.api(`/api/v1/verify/${sha256(doc)}`)).json();
    expect(byHash).to.deep.include({ status: "expired", validity: { validFrom: 0, validUntil: endOfBerlinDay(yesterday) } });
    const record = await (await server.api(`/api/v1/documents/${sha256(doc)}`, { key })).json();
    expect(record.validUntil).to.equal(new Date(endOfBerlinDay(yesterday) * 1000).toISOString());
  });

  it("valid from tomorrow: not yet valid; valid from today until tomorrow (JSON, hash only): anchored", async function () {
    const later = permit();
    const now = permit();
    const tomorrow = berlinDay(1);
    for (const [doc, fields] of [[later, { validFrom: tomorrow }], [now, { validFrom: berlinDay(0), validUntil: tomorrow }]] as const) {
      const res = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha256(doc), ...fields }) });
      expect(res.status).to.equal(202);
    }
    const notYet = await verifyReceipt(await receiptOf(sha256(later)));
    expect(notYet).to.deep.include({ status: "not-yet-valid", authentic: true, reliable: false });
    const current = await receiptOf(sha256(now));
    expect(current.document).to.deep.include({ validFrom: startOfBerlinDay(berlinDay(0)), validUntil: endOfBerlinDay(tomorrow) });
    expect(await verifyReceipt(current)).to.deep.include({ status: "anchored", reliable: true });
  });

  it("a receipt whose expiry was pushed out by hand does not verify: the period is in the leaf", async function () {
    const doc = permit();
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { validUntil: berlinDay(-1) }) });
    const receipt = await receiptOf(sha256(doc));
    const edited = { ...receipt, document: { ...receipt.document, validUntil: endOfBerlinDay(berlinDay(365)) } };
    const verdict = await verifyReceipt(edited);
    expect(verdict).to.deep.include({ status: "invalid", authentic: false });
    expect(verdict.checks.find((c: { check: string }) => c.check === "leaf")).to.include({ ok: false });
    expect(await verifyIndependently(edited, server.provider)).to.equal("invalid: leaf");
  });

  for (const [what, fields, detail] of [
    ["a date a German would type", { validUntil: "31.12.2026" }, /validUntil: "31.12.2026" is not an ISO 8601 date/],
    ["a day not in the calendar", { validUntil: "2026-02-30" }, /not a date in the calendar/],
    ["a date-time without offset", { validFrom: "2026-12-01T08:00:00" }, /validFrom: .* is not an ISO 8601 date/],
    ["an end before the beginning", { validFrom: "2026-12-31", validUntil: "2026-12-01" }, /lies before validFrom/],
  ] as const) {
    it(`refuses ${what} with 400 problem+json, and stores nothing`, async function () {
      const doc = permit();
      const res = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, fields) });
      expect(res.status).to.equal(400);
      expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect((await res.json()).detail).to.match(detail);
      expect((await server.api(`/api/v1/documents/${sha256(doc)}`, { key })).status).to.equal(404);
    });
  }

  it("a repeated upload with another validity says the new period was not applied", async function () {
    const doc = permit();
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { validUntil: berlinDay(30) }) });
    const again = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { validUntil: berlinDay(60) }) });
    expect(again.status).to.equal(200);
    const body = await again.json();
    expect(body.duplicate.ignored).to.deep.equal(["validUntil"]);
    expect(body.validUntil).to.equal(new Date(endOfBerlinDay(berlinDay(30)) * 1000).toISOString());
  });
});
