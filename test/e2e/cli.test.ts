import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider, Wallet, id } from "ethers";

import { forgedReceipt, lookAlikeRegistry } from "../helpers/forge.js";

import { verifyIndependently } from "../helpers/independentVerify.js";
import { type NotaryChain, ROOT, freePort, killGroup, projectEnv, run, startNotaryChain, untilGroupGone } from "../helpers/processes.js";
import { eventually } from "../helpers/server.js";
import { type TestTsa, startTestTsa } from "../helpers/tsa.js";
import { ServerProcess } from "../helpers/serverProcess.js";

/** Hardhat dev account #1: the partner municipality's server (operator), not the admin that deploys. */
const OPERATOR = { address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", key: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" };
const ABI = ["function municipality() view returns (string name, string ags)", "function hasRole(bytes32 role, address account) view returns (bool)"];

/**
 * A partner municipality with nothing but the CLI: `notary chain` (a durable
 * local Hardhat chain), `deploy` a registry to it, run a server against it, `notarise --wait`, `verify`
 * straight against the chain (also with the server gone), `revoke`; exit
 * codes and `--json` output as the README documents them.
 */
describe("notary CLI against a durable local chain (npx notary chain)", function () {
  this.timeout(240_000);
  let node: NotaryChain;
  let dir: string;
  let server: ServerProcess;
  let registry: string;
  let key: string;
  let directory: string;
  let trustFile: string;
  let tsa: TestTsa;

  const notary = (args: string[], env: Record<string, string> = {}) => run("node", [path.join(ROOT, "bin", "notary.js"), ...args], projectEnv(env));
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
  const file = async (name: string, content: string | Uint8Array) => {
    const p = path.join(dir, name);
    await writeFile(p, content);
    return p;
  };

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-cli-"));
    node = await startNotaryChain(path.join(dir, "chain"));
    tsa = await startTestTsa();
  });

  after(async function () {
    await server?.kill();
    await node?.stop();
    await tsa?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("directory: deploys a federation's directory, grants the NRW registrar, and writes the trust configuration", async function () {
    const deployed = await notary(["--json", "directory", "deploy", "--rpc", node.url]);
    expect(deployed.code, deployed.stderr).to.equal(0);
    directory = json(deployed.stdout).directory as string;
    const granted = await notary(["directory", "grant-registrar", "--directory", directory, "--registrar", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "--prefix", "05", "--rpc", node.url]);
    expect(granted.code, granted.stderr).to.equal(0);
    expect(granted.stdout).to.include("may now propose listings for AGS 05");
    // The consortium's rule holds from the CLI too: a registrar outside its Land is refused with the contract's error.
    const outside = await notary(["directory", "propose", "--directory", directory, "--registry", OPERATOR.address, "--ags", "09162000", "--name", "München", "--rpc", node.url]);
    expect(outside.code).to.equal(3);
    expect(outside.stderr).to.include("MunicipalDirectoryNotRegistrarFor");
    trustFile = path.join(dir, "trust.json");
    const trust = await notary(["directory", "trust", "--directory", directory, "--name", "NRW (test)", "--rpc", node.url, "--out", trustFile]);
    expect(trust.code, trust.stderr).to.equal(0);
    expect(JSON.parse(await readFile(trustFile, "utf8"))[0]).to.deep.include({ name: "NRW (test)", chainId: 31337, directory, rpcUrls: [node.url] });
  });

  it("deploy refuses bad arguments with exit code 3 and says what is wrong", async function () {
    const { code, stderr } = await notary(["deploy", "--name", "Gemeinde Beispiel", "--ags", "123", "--rpc", node.url]);
    expect(code).to.equal(3);
    expect(stderr).to.include("--ags must be the 8-digit Amtlicher Gemeindeschlüssel");
  });

  it("deploy creates the registry, grants the operator its roles and writes the deployment record", async function () {
    const outDir = path.join(dir, "deployments");
    const { code, stdout, stderr } = await notary(["--json", "deploy", "--name", "Gemeinde Beispiel", "--ags", "05334036", "--operator", OPERATOR.address, "--rpc", node.url, "--out-dir", outDir, "--directory", directory]);
    expect(code, stderr).to.equal(0);
    const record = json(stdout);
    registry = record.registry as string;
    expect(record).to.include({ chainId: 31337, name: "Gemeinde Beispiel", ags: "05334036", operator: OPERATOR.address });
    expect(record.listing).to.include({ directory, active: true });
    const written = JSON.parse(await readFile(path.join(outDir, `31337-${(record.genesisHash as string).slice(2, 10)}.json`), "utf8"));
    expect(written).to.include({ registry, directory });
    const listed = await notary(["directory", "list", "--directory", directory, "--rpc", node.url]);
    expect(listed.stdout).to.match(new RegExp(`05334036  Gemeinde Beispiel  ${registry}  active from block \\d+`));

    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const contract = new Contract(registry, ABI, provider);
    expect([...(await contract.getFunction("municipality")())]).to.deep.equal(["Gemeinde Beispiel", "05334036"]);
    expect(await contract.getFunction("hasRole")(id("ISSUER_ROLE"), OPERATOR.address)).to.equal(true);
    expect(await contract.getFunction("hasRole")(id("REVOKER_ROLE"), OPERATOR.address)).to.equal(true);
    provider.destroy();
  });

  it("a server runs on that registry with the operator's key, and clerk add prints a key", async function () {
    const dataDir = path.join(dir, "data");
    const port = await freePort();
    server = new ServerProcess(
      { DATA_DIR: dataDir, PORT: String(port), RPC_URL: node.url, REGISTRY_ADDRESS: registry, SIGNER_KEY: OPERATOR.key, BATCH_INTERVAL_MS: "300", LOG_LEVEL: "warn", TRUST_FILE: trustFile, DIRECTORY_ADDRESS: directory, TSA_URL: tsa.url, TSA_CA_FILE: tsa.caFile },
      `http://127.0.0.1:${port}`,
    );
    await server.start();
    const { code, stdout } = await notary(["--json", "--data-dir", dataDir, "clerk", "add", "Anna Schmidt"]);
    expect(code).to.equal(0);
    key = json(stdout).key as string;
    expect(key).to.match(/^[A-Za-z0-9_-]{20,}$/);
    const facts = (await (await fetch(`${server.base}/api/v1/registry`)).json()) as { registry: string };
    expect(facts.registry.toLowerCase()).to.equal(registry.toLowerCase());
    const approver = await notary(["--data-dir", dataDir, "clerk", "add", "Bernd Zweit", "--role", "approver"]);
    expect(approver.stdout).to.include('Clerk "Bernd Zweit" (approver) created');
    const badRole = await notary(["--data-dir", dataDir, "clerk", "add", "Carla", "--role", "boss"]);
    expect(badRole.code).to.equal(3);
    expect(badRole.stderr).to.include('A clerk\'s role is one of clerk, approver, admin, not "boss"');
    const promoted = await notary(["--data-dir", dataDir, "clerk", "role", "Bernd Zweit", "admin"]);
    expect(promoted.stdout).to.include('Clerk "Bernd Zweit" is now admin.');
    const list = await notary(["--data-dir", dataDir, "clerk", "list"]);
    expect(list.stdout).to.match(/Anna Schmidt\tclerk\t/).and.match(/Bernd Zweit\tadmin\t/);
  });

  it("notarise --wait uploads several files, prints a summary and saves each receipt beside its file", async function () {
    const a = await file("permit.pdf", `%PDF-1.7 permit ${randomBytes(8).toString("hex")}`);
    const b = await file("confirmation.txt", `landlord confirmation ${randomBytes(8).toString("hex")}`);
    const { code, stdout, stderr } = await notary(["--json", "notarise", a, b, "--reference", "AZ 32.1-2026", "--wait", "--server", server.base], { NOTARY_KEY: key });
    expect(code, stderr).to.equal(0);
    const out = json(stdout) as { files: { file: string; result: string; receipt: string }[]; summary: string };
    expect(out.files.map((f) => f.result)).to.deep.equal(["notarised", "notarised"]);
    expect(out.summary).to.match(/^2 file\(s\), .*: 2 notarised, 0 already notarised, 0 failed$/);
    for (const f of [a, b]) expect(JSON.parse(await readFile(`${f}.receipt.json`, "utf8")).anchor.registry.toLowerCase()).to.equal(registry.toLowerCase());

    const again = await notary(["notarise", a, "--server", server.base], { NOTARY_KEY: key });
    expect(again.code).to.equal(0);
    expect(again.stdout).to.include("1 already notarised");
  });

  it("notarise --hash and --fingerprint-only register fingerprints only (no file sent), with receipts; a repeat says what was not applied", async function () {
    const upper = createHash("sha256").update(`Get-FileHash ${randomBytes(8).toString("hex")}`).digest("hex").toUpperCase();
    const local = await file("stays-here.pdf", `fingerprint only ${randomBytes(8).toString("hex")}`);
    const { code, stdout, stderr } = await notary(["--json", "notarise", local, "--hash", upper, "--fingerprint-only", "--reference", "AZ 7", "--wait", "--server", server.base], { NOTARY_KEY: key });
    expect(code, stderr).to.equal(0);
    const out = json(stdout) as { files: { file: string; sha256: string; result: string; receipt: string }[] };
    expect(out.files.map((f) => [f.result, f.sha256])).to.deep.equal([["notarised", upper.toLowerCase()], ["notarised", createHash("sha256").update(await readFile(local)).digest("hex")]]);
    expect(out.files[0]!.receipt).to.equal(`${upper.toLowerCase()}.receipt.json`);
    await rm(path.join(ROOT, out.files[0]!.receipt), { force: true }); // saved in the working directory
    const record = await (await fetch(`${server.base}/api/v1/documents/${out.files[1]!.sha256}`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(record).to.include({ hasContent: false, reference: "AZ 7" });
    const again = await notary(["notarise", local, "--fingerprint-only", "--reference", "AZ 8", "--server", server.base], { NOTARY_KEY: key });
    expect(again.stdout).to.include("1 already notarised").and.include("the new reference was not applied");
  });

  it("the server warns that a PDF receipt's QR code points at a loopback address while PUBLIC_URL is unset", async function () {
    const pdf = await fetch(`${server.base}/api/v1/receipts/${createHash("sha256").update(await readFile(path.join(dir, "permit.pdf"))).digest("hex")}.pdf`);
    expect(pdf.status).to.equal(200);
    await eventually(async () => server.output.includes("PUBLIC_URL is unset: this PDF receipt's QR code points at a loopback address"), 5_000, "the warning");
  });

  it("notarise fails clearly, before uploading anything: a missing file, no key, a key the server refuses (exit 3 each)", async function () {
    const missing = await notary(["notarise", path.join(dir, "nope.pdf"), "--server", server.base], { NOTARY_KEY: key });
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.include("nope.pdf: no such file");
    const noKey = await notary(["notarise", path.join(dir, "permit.pdf"), "--server", server.base], { NOTARY_KEY: "" });
    expect(noKey.code).to.equal(3);
    expect(noKey.stderr).to.include("a clerk key is needed");
    const wrong = await notary(["notarise", path.join(dir, "permit.pdf"), "--server", server.base, "--key", "not-a-real-key"]);
    expect(wrong.code).to.equal(3);
    expect(wrong.stderr).to.include("the server refused the clerk key").and.include("UNAUTHORIZED");
  });

  it("verify checks a file with its receipt against the chain and the trust configuration: exit 0, every check passed, the issuer confirmed", async function () {
    const { code, stdout, stderr } = await notary(["--json", "verify", path.join(dir, "permit.pdf"), "--trust", trustFile]);
    expect(code, stderr).to.equal(0);
    const out = json(stdout) as { status: string; reliable: boolean; receiptFrom: string; rpc: string; checks: { check: string; ok: boolean }[]; identity: { status: string; municipality: { name: string } } };
    expect(out).to.include({ status: "anchored", reliable: true, rpc: node.url });
    expect(out.receiptFrom).to.equal(path.join(dir, "permit.pdf.receipt.json"));
    expect(out.checks.map((c) => [c.check, c.ok])).to.deep.equal(
      ["leaf", "proof", "chain", "transaction", "anchor", "block", "municipality", "identity", "timestamp", "revocation", "validity"].map((c) => [c, true]),
    );
    expect(out.identity).to.deep.include({ status: "confirmed" });
    expect(out.identity.municipality.name).to.equal("Gemeinde Beispiel");
    const text = await notary(["verify", path.join(dir, "permit.pdf"), "--trust", trustFile]);
    expect(text.stdout).to.include('issuer: Gemeinde Beispiel (05334036), confirmed by the directory "NRW (test)"');
  });

  it("verify prints the time a TSA confirmed once the receipt carries its token, and checks it against --tsa-ca", async function () {
    const hash = createHash("sha256").update(await readFile(path.join(dir, "permit.pdf"))).digest("hex");
    const receipt = await eventually(async () => {
      const r = await (await fetch(`${server.base}/api/v1/receipts/${hash}`)).json();
      return r.coAnchors?.length ? r : null;
    }, 30_000, "the token");
    const withToken = await file("permit.with-token.receipt.json", JSON.stringify(receipt));
    const { code, stdout } = await notary(["verify", path.join(dir, "permit.pdf"), "--receipt", withToken, "--trust", trustFile, "--tsa-ca", tsa.caFile]);
    expect(code, stdout).to.equal(0);
    expect(stdout).to.match(/time confirmed by Notary Trial TSA \(not qualified\) at 20\d\d-/);
    // Without the TSA's roots the token is not trusted, and says so; the receipt itself stays valid.
    const noRoots = await notary(["verify", path.join(dir, "permit.pdf"), "--receipt", withToken, "--trust", trustFile, "--data-dir", path.join(dir, "nowhere")]);
    expect(noRoots.code).to.equal(0);
    expect(noRoots.stdout).to.include("the RFC 3161 timestamp was not checked");
  });

  it("verify without a trust configuration cannot confirm the issuer: genuine receipt, exit 4, and it says why", async function () {
    const { code, stdout } = await notary(["verify", path.join(dir, "permit.pdf"), "--rpc", node.url, "--data-dir", path.join(dir, "nowhere")]);
    expect(code).to.equal(4);
    expect(stdout).to.match(/^anchored /).and.include('UNCONFIRMED: "Gemeinde Beispiel" (05334036) is only the registry\'s own claim');
  });

  it("a stranger's look-alike \"Gemeinde Beispiel\" registry is never confirmed: v1 and v2 receipts exit 4, marked unconfirmed", async function () {
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const stranger = new Wallet("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba", provider); // dev account #5
    const fake = await lookAlikeRegistry(stranger, "Gemeinde Beispiel", "05334036");
    for (const version of [1, 2] as const) {
      const content = `forged permit ${version} ${randomBytes(8).toString("hex")}`;
      const receipt = await forgedReceipt(fake, content, version);
      const doc = await file(`forged-v${version}.pdf`, content);
      const receiptFile = await file(`forged-v${version}.receipt.json`, JSON.stringify(receipt));
      const { code, stdout } = await notary(["--json", "verify", doc, "--receipt", receiptFile, "--trust", trustFile]);
      const out = json(stdout) as { status: string; reliable: boolean; identity: { status: string } };
      expect(code, stdout).to.equal(4);
      expect(out).to.include({ status: "anchored", reliable: false });
      expect(out.identity.status).to.equal("unconfirmed");
    }
    provider.destroy();
  });

  it("notarise --valid-until commits the period: a permit valid until yesterday verifies as expired (exit 4); a German date is refused with the server's reason", async function () {
    const yesterday = new Date(Date.now() - 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Europe/Berlin" });
    const permit = await file("expired-permit.pdf", `Erlaubnis ${randomBytes(8).toString("hex")}`);
    const notarised = await notary(["notarise", permit, "--valid-until", yesterday, "--wait", "--server", server.base], { NOTARY_KEY: key });
    expect(notarised.code, notarised.stderr).to.equal(0);
    const { code, stdout } = await notary(["--json", "verify", permit, "--trust", trustFile]);
    expect(code).to.equal(4);
    const out = json(stdout) as { status: string; validity: { validUntil: number } };
    expect(out.status).to.equal("expired");
    expect((await notary(["verify", permit, "--trust", trustFile])).stdout).to.match(/^ {2}! validity {5}expired at /m);
    expect(new Date(out.validity.validUntil * 1000).toLocaleString("sv-SE", { timeZone: "Europe/Berlin" })).to.equal(`${yesterday} 23:59:59`);
    const german = await notary(["notarise", permit, "--valid-until", "31.12.2026", "--server", server.base], { NOTARY_KEY: key });
    expect(german.code).to.equal(1);
    expect(german.stdout + german.stderr).to.include('validUntil: "31.12.2026" is not an ISO 8601 date');
  });

  it("notarise --supersedes <file> replaces a permit: the earlier one then verifies as revoked, superseded (exit 2)", async function () {
    const earlier = await file("dog-permit-2025.pdf", `Hundehaltung 2025 ${randomBytes(8).toString("hex")}`);
    const successor = await file("dog-permit-2026.pdf", `Hundehaltung 2026 ${randomBytes(8).toString("hex")}`);
    expect((await notary(["notarise", earlier, "--wait", "--server", server.base], { NOTARY_KEY: key })).code).to.equal(0);
    const twoAtOnce = await notary(["notarise", successor, earlier, "--supersedes", earlier, "--server", server.base], { NOTARY_KEY: key });
    expect(twoAtOnce.code).to.equal(3);
    expect(twoAtOnce.stderr).to.include("--supersedes: a document is replaced by one new document");
    const replaced = await notary(["notarise", successor, "--supersedes", earlier, "--wait", "--server", server.base], { NOTARY_KEY: key });
    expect(replaced.code, replaced.stderr).to.equal(0);
    const verdict = await eventually(async () => {
      const v = await notary(["verify", earlier, "--trust", trustFile]);
      return v.code === 2 ? v : null;
    }, 20_000, "the earlier permit to be revoked");
    expect(verdict.stdout).to.include("revoked").and.include("superseded");
  });

  it("verify says unknown (exit 1) for a file the server never notarised", async function () {
    const unknown = await file("unknown.txt", "never notarised");
    const { code, stdout } = await notary(["verify", unknown, "--rpc", node.url, "--server", server.base]);
    expect(code).to.equal(1);
    expect(stdout).to.match(/^unknown /);
  });

  it("revoke --wait puts the revocation on chain, and verify then exits 2 with the reason", async function () {
    const b = path.join(dir, "confirmation.txt");
    const revoked = await notary(["revoke", b, "--reason", "superseded", "--note", "replaced by AZ 33", "--wait", "--server", server.base], { NOTARY_KEY: key });
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.include("revoked").and.include("superseded");
    const { code, stdout } = await notary(["verify", b, "--trust", trustFile]);
    expect(code).to.equal(2);
    expect(stdout).to.match(/^revoked /).and.include("superseded");
    expect(stdout, "a revocation is never shown as a success").to.match(/^ {2}! revocation {3}revoked \(superseded\)/m).and.not.match(/✓ revocation/);
    expect(stdout).to.match(/^ {2}✓ leaf /m);
  });

  it("revoke refuses an unknown reason with exit 3 and lists the valid ones", async function () {
    const { code, stderr } = await notary(["revoke", path.join(dir, "permit.pdf"), "--reason", "boredom", "--server", server.base], { NOTARY_KEY: key });
    expect(code).to.equal(3);
    expect(stderr).to.include("withdrawn, issued-in-error, superseded, expired, other");
  });

  it("audit export and audit verify: the log checks out against the chain (exit 0); an entry edited by hand fails (exit 1, entry named)", async function () {
    // A document after the last revocation: its batch commits every entry so far.
    const last = await file("audit-closer.txt", `closes the log ${randomBytes(8).toString("hex")}`);
    expect((await notary(["notarise", last, "--wait", "--server", server.base], { NOTARY_KEY: key })).code).to.equal(0);
    const exported = path.join(dir, "audit.json");
    const out = await notary(["audit", "export", "--out", exported, "--server", server.base], { NOTARY_KEY: key });
    expect(out.code, out.stderr).to.equal(0);
    const verified = await notary(["audit", "verify", exported, "--trust", trustFile]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    expect(verified.stdout).to.match(/^verified /).and.match(/✓ anchored +entries up to \d+ unchanged since /).and.match(/✓ complete +all \d+ roots/).and.include("confirmed by the directory");

    const log = JSON.parse(await readFile(exported, "utf8")) as { entries: { id: number; action: string; detail: string | null }[] };
    const revocation = log.entries.find((e) => e.action === "revoke")!;
    revocation.detail = "reason 1: withdrawn, not superseded";
    const edited = await file("audit-edited.json", JSON.stringify(log));
    const caught = await notary(["audit", "verify", edited, "--trust", trustFile]);
    expect(caught.code).to.equal(1);
    expect(caught.stdout).to.match(/^tampered /).and.include(`entry ${revocation.id}: its hash does not follow`);

    const csv = await notary(["audit", "export", "--format", "csv", "--server", server.base], { NOTARY_KEY: key });
    expect(csv.stdout.split("\r\n")[0]).to.equal("id,time,at,clerk,action,sha256,detail,hash");
    const notJson = await notary(["audit", "verify", path.join(dir, "confirmation.txt")]);
    expect(notJson.code).to.equal(3);
    expect(notJson.stderr).to.include("not JSON");
  });

  it("with the server gone, verify still checks against the chain alone", async function () {
    await server.kill();
    const { code, stdout } = await notary(["verify", path.join(dir, "permit.pdf"), "--trust", trustFile, "--server", server.base]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^anchored /);
    // Without a receipt there is nothing to check against the chain: exit 3, and the way out.
    const { code: noReceipt, stderr } = await notary(["verify", path.join(dir, "unknown.txt"), "--rpc", node.url, "--server", server.base]);
    expect(noReceipt).to.equal(3);
    expect(stderr).to.include("no receipt: pass --receipt");
  });

  it("verify rejects a changed file (exit 1) and a forged receipt (exit 1, failing check named)", async function () {
    const receipt = path.join(dir, "permit.pdf.receipt.json");
    const changed = await file("permit-changed.pdf", (await readFile(path.join(dir, "permit.pdf"), "utf8")) + " ");
    const mismatch = await notary(["verify", changed, "--receipt", receipt, "--rpc", node.url]);
    expect(mismatch.code).to.equal(1);
    expect(mismatch.stdout).to.include("the file's SHA-256 is not the receipt's");

    const forged = JSON.parse(await readFile(receipt, "utf8"));
    forged.anchor.timestamp += 3600; // claim it was anchored an hour later
    const forgedPath = await file("forged.receipt.json", JSON.stringify(forged));
    const out = await notary(["--json", "verify", path.join(dir, "permit.pdf"), "--receipt", forgedPath, "--rpc", node.url]);
    expect(out.code).to.equal(1);
    const report = json(out.stdout) as { status: string; checks: { check: string; ok: boolean }[] };
    expect(report.status).to.equal("invalid");
    expect(report.checks.find((c) => !c.ok)?.check).to.equal("anchor");
  });

  it("verify cannot reach a chain: exit 3 with the endpoint named (as JSON too, with --json)", async function () {
    const { code, stderr } = await notary(["verify", path.join(dir, "permit.pdf"), "--rpc", `http://127.0.0.1:${await freePort()}`]);
    expect(code).to.equal(3);
    expect(stderr).to.include("cannot reach the chain at http://127.0.0.1:");
    const asJson = await notary(["--json", "verify", path.join(dir, "permit.pdf"), "--rpc", `http://127.0.0.1:${await freePort()}`]);
    expect(asJson.code).to.equal(3);
    expect(json(asJson.stdout)).to.deep.include({ exitCode: 3 });
    expect(json(asJson.stdout).error).to.include("cannot reach the chain");
  });

  it("after kill -9 of the chain and the server, the chain comes back from its journal: receipts verify as issued, and the server carries on", async function () {
    const receiptFile = path.join(dir, "permit.pdf.receipt.json");
    const issued = JSON.parse(await readFile(receiptFile, "utf8"));
    await server.kill();
    await killGroup(node.process.pid!, "SIGKILL");
    await untilGroupGone(node.process.pid!);
    expect(await fetch(node.url, { method: "POST" }).then(() => "up", () => "down")).to.equal("down");

    node = await startNotaryChain(path.join(dir, "chain"), node.port);
    expect(node.output()).to.match(/"event": "replayed"/);
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    expect(await verifyIndependently(issued, provider)).to.equal("anchored");
    const tx = await provider.getTransactionReceipt(issued.anchor.transactionHash);
    expect([tx?.blockNumber, tx?.blockHash]).to.deep.equal([issued.anchor.blockNumber, issued.anchor.blockHash]);
    const { code, stdout } = await notary(["verify", path.join(dir, "permit.pdf"), "--trust", trustFile]);
    expect(code, stdout).to.equal(0);

    await server.start();
    const fresh = await file("after-restart.txt", `after the restart ${randomBytes(8).toString("hex")}`);
    const notarised = await notary(["notarise", fresh, "--wait", "--server", server.base], { NOTARY_KEY: key });
    expect(notarised.code, notarised.stderr).to.equal(0);
    expect(await verifyIndependently(JSON.parse(await readFile(`${fresh}.receipt.json`, "utf8")), provider)).to.equal("anchored");
    provider.destroy();
  });
});
