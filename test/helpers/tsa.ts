import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import * as pkijs from "pkijs";

import { type TrialTsa, type TrialTsaOptions, createTrialTsa, startTrialTsa } from "../../scripts/trialTsa.js";
import { track } from "./teardown.js";

const exec = promisify(execFile);

export interface TestTsa extends TrialTsa {
  dir: string;
  caFile: string;
}

/** A trial TSA (openssl ts -reply) in a fresh folder, served on 127.0.0.1, registered for teardown. */
export async function startTestTsa(opts: TrialTsaOptions & { port?: number } = {}): Promise<TestTsa> {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-tsa-"));
  const { caFile } = await createTrialTsa(dir, opts);
  const tsa = await startTrialTsa(dir, opts.port ?? 0);
  const close = tsa.close;
  const stop = async () => {
    untrack();
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  const untrack = track(`trial TSA ${tsa.url}`, stop);
  return Object.assign(tsa, { dir, caFile, close: stop });
}

/** How the forger signs a real token's TSTInfo again. */
export type Forgery =
  /** With a certificate of the TSA's CA that is not a time-stamping certificate (no timeStamping EKU). */
  | "withoutEku"
  /** With the TSA's own key and certificate, but without the signing certificate attribute (no ESSCertID). */
  | "withoutEssCertId"
  /** With the TSA's key, naming a second certificate of that key in the ESSCertID while the token carries only the first (same key identifier). */
  | "otherCertificate"
  /** With a time-stamping certificate whose CA certificates sign each other in a circle (a path that never ends). */
  | "circularChain";

/**
 * The attacker's workshop: `resign` takes the TSTInfo of a real token and
 * signs it again as `how` says (CMS with the CAdES signing certificate
 * attribute, as a TSA writes it, unless the forgery is its absence).
 * Certificates are issued when the workshop opens, before the tokens it
 * forges: a certificate is valid from the second it was made, and a token
 * older than that would fail for its date instead of for the forgery.
 */
export async function forger(caDir: string): Promise<{ resign(token: Uint8Array, how: Forgery): Promise<Buffer>; close(): Promise<void> }> {
  const work = await mkdtemp(path.join(tmpdir(), "notary-forge-"));
  const close = async () => {
    untrack();
    await rm(work, { recursive: true, force: true });
  };
  const untrack = track(`forger's folder ${work}`, close);
  const run = (...args: string[]) => exec("openssl", args, { cwd: work });
  const ca = ["-CA", path.join(caDir, "ca.pem"), "-CAkey", path.join(caDir, "ca.key"), "-CAcreateserial", "-days", "30"];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const tsaExt = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\n";
  await writeFile(path.join(work, "e.ext"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  await writeFile(path.join(work, "ts.ext"), tsaExt);
  await writeFile(path.join(work, "twin.ext"), `${tsaExt}subjectKeyIdentifier=hash\n`);
  await writeFile(path.join(work, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
  // withoutEku
  await run("req", "-new", ...ec, "-keyout", "s.key", "-out", "s.csr", "-subj", "/CN=Not a time-stamping certificate");
  await run("x509", "-req", "-in", "s.csr", ...ca, "-out", "s.pem", "-extfile", "e.ext");
  // otherCertificate: two certificates of the TSA's key, with the same subject key identifier
  for (const twin of ["twin1", "twin2"]) {
    await run("x509", "-req", "-in", path.join(caDir, "tsa.csr"), ...ca, "-out", `${twin}.pem`, "-extfile", "twin.ext");
  }
  // circularChain: "Cycle A" is issued by "Cycle B" and "Cycle B" by "Cycle A"; the TSA certificate by "Cycle A"
  await run("req", "-x509", ...ec, "-keyout", "b.key", "-out", "b0.pem", "-days", "30", "-subj", "/CN=Cycle B");
  await run("req", "-new", ...ec, "-keyout", "a.key", "-out", "a.csr", "-subj", "/CN=Cycle A");
  await run("x509", "-req", "-in", "a.csr", "-CA", "b0.pem", "-CAkey", "b.key", "-CAcreateserial", "-days", "30", "-out", "a.pem", "-extfile", "ca.ext");
  await run("req", "-new", "-key", "b.key", "-out", "b.csr", "-subj", "/CN=Cycle B");
  await run("x509", "-req", "-in", "b.csr", "-CA", "a.pem", "-CAkey", "a.key", "-CAcreateserial", "-days", "30", "-out", "b.pem", "-extfile", "ca.ext");
  await run("req", "-new", ...ec, "-keyout", "t.key", "-out", "t.csr", "-subj", "/CN=Circular TSA");
  await run("x509", "-req", "-in", "t.csr", "-CA", "a.pem", "-CAkey", "a.key", "-CAcreateserial", "-days", "30", "-out", "t.pem", "-extfile", "ts.ext");
  await writeFile(path.join(work, "cycle.pem"), Buffer.concat([await readFile(path.join(work, "a.pem")), await readFile(path.join(work, "b.pem"))]));

  const signing: Record<Forgery, string[]> = {
    withoutEku: ["-cades", "-signer", "s.pem", "-inkey", "s.key", "-certfile", path.join(caDir, "ca.pem")],
    withoutEssCertId: ["-signer", path.join(caDir, "tsa.pem"), "-inkey", path.join(caDir, "tsa.key"), "-certfile", path.join(caDir, "ca.pem")],
    otherCertificate: ["-cades", "-keyid", "-nocerts", "-signer", "twin2.pem", "-inkey", path.join(caDir, "tsa.key"), "-certfile", "twin1.pem"],
    circularChain: ["-cades", "-signer", "t.pem", "-inkey", "t.key", "-certfile", "cycle.pem"],
  };
  return {
    async resign(token, how) {
      const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(Uint8Array.from(token).buffer).content });
      await writeFile(path.join(work, "tstinfo.der"), Buffer.from(signed.encapContentInfo.eContent!.getValue()));
      await run("cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-econtent_type", "1.2.840.113549.1.9.16.1.4",
        "-in", "tstinfo.der", ...signing[how], "-outform", "DER", "-out", "forged.der");
      return await readFile(path.join(work, "forged.der"));
    },
    close,
  };
}

/** `openssl ts -verify` of a token over a root's bytes, with nothing but OpenSSL: its stdout and exit code. */
export async function opensslVerifies(token: Uint8Array, root: string, caFile: string): Promise<{ ok: boolean; output: string }> {
  const work = await mkdtemp(path.join(tmpdir(), "notary-ossl-"));
  try {
    await writeFile(path.join(work, "root.bin"), Buffer.from(root.slice(2), "hex"));
    await writeFile(path.join(work, "tok.der"), token);
    const { stdout, stderr } = await exec("openssl", ["ts", "-verify", "-data", "root.bin", "-in", "tok.der", "-token_in", "-CAfile", caFile], { cwd: work }).catch((e) => e);
    return { ok: /Verification: OK/.test(stdout ?? ""), output: `${stdout ?? ""}${stderr ?? ""}` };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
