/**
 * A trial RFC 3161 Time-Stamping Authority: OpenSSL's `openssl ts -reply`
 * behind a few lines of HTTP on 127.0.0.1, with a root CA and a TSA
 * certificate made for it. It is NOT a qualified TSA (eIDAS Art. 41): it is
 * for trying Notary out (`npx notary tsa`) and for the tests, which also
 * make deliberately broken variants of it (no timeStamping EKU, a
 * certificate that expired, another root).
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The policy the trial TSA stamps under (an OID under the example arc; a qualified TSA names its own). */
export const TRIAL_POLICY = "1.3.6.1.4.1.32473.1.1";

export interface TrialTsaOptions {
  /** The TSA certificate carries the critical timeStamping extended key usage (RFC 3161 demands it). @default true */
  timeStampingEku?: boolean;
  /** The TSA certificate's validity ended in the past. @default false */
  expired?: boolean;
  /** Common name of the root CA (two trial TSAs with different roots are unrelated). */
  rootName?: string;
}

const openssl = async (dir: string, ...args: string[]) => {
  try {
    return (await exec("openssl", args, { cwd: dir })).stdout;
  } catch (e) {
    throw new Error(`openssl ${args[0]} failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
};

/**
 * Creates the trial TSA's keys and certificates in `dir`: `ca.pem` (the root
 * a verifier trusts: TSA_CA_FILE), `tsa.pem` and `tsa.key`, and `ts.cnf`.
 */
export async function createTrialTsa(dir: string, opts: TrialTsaOptions = {}): Promise<{ caFile: string; tsaCert: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl(dir, "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
    "-subj", `/O=Notary trial/CN=${opts.rootName ?? "Notary Trial TSA Root"}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  await openssl(dir, "req", "-new", ...ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/O=Notary trial/CN=Notary Trial TSA (not qualified)");
  const extensions = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,nonRepudiation"];
  if (opts.timeStampingEku !== false) extensions.push("extendedKeyUsage=critical,timeStamping");
  await writeFile(path.join(dir, "tsa.ext"), extensions.join("\n") + "\n");
  if (opts.expired) {
    // `openssl ca` can set dates in the past; it needs a tiny database of its own.
    await writeFile(path.join(dir, "index.txt"), "");
    await writeFile(path.join(dir, "ca.cnf"), [
      "[ca]", "default_ca = trial", "[trial]", `dir = ${dir}`, "database = $dir/index.txt", "new_certs_dir = $dir", "serial = $dir/ca.serial",
      "certificate = $dir/ca.pem", "private_key = $dir/ca.key", "default_md = sha256", "policy = any", "copy_extensions = none", "unique_subject = no",
      "[any]", "commonName = supplied", "organizationName = optional",
    ].join("\n") + "\n");
    await writeFile(path.join(dir, "ca.serial"), "1000\n");
    await openssl(dir, "ca", "-batch", "-config", "ca.cnf", "-in", "tsa.csr", "-out", "tsa.pem", "-extfile", "tsa.ext",
      "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext");
  } else {
    await openssl(dir, "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.pem", "-days", "825", "-extfile", "tsa.ext");
  }
  await writeFile(path.join(dir, "tsaserial"), "01\n");
  await writeFile(path.join(dir, "ts.cnf"), [
    "[tsa]", "default_tsa = trial", "[trial]", `dir = ${dir}`, "serial = $dir/tsaserial", "crypto_device = builtin",
    "signer_cert = $dir/tsa.pem", "certs = $dir/ca.pem", "signer_key = $dir/tsa.key", "signer_digest = sha256",
    `default_policy = ${TRIAL_POLICY}`, "digests = sha256, sha384, sha512", "accuracy = secs:1", "ordering = yes", "tsa_name = yes",
    "ess_cert_id_chain = no", "ess_cert_id_alg = sha256",
  ].join("\n") + "\n");
  return { caFile: path.join(dir, "ca.pem"), tsaCert: path.join(dir, "tsa.pem") };
}

export interface TrialTsa {
  url: string;
  server: Server;
  /** How it answers: normally; not at all (the connection hangs); with garbage; refusing connections (closed). */
  mode: "ok" | "hang" | "garbage";
  /** Requests received so far (answered or not). */
  received: number;
  /** Requests answered so far. */
  answered: number;
  close(): Promise<void>;
}

/**
 * Serves the trial TSA on 127.0.0.1:`port` (0: any free port): POST an
 * `application/timestamp-query`, get an `application/timestamp-reply`.
 * Requests are answered one at a time (`openssl ts` does not lock its
 * serial file).
 */
export async function startTrialTsa(dir: string, port = 0): Promise<TrialTsa> {
  let queue: Promise<unknown> = Promise.resolve();
  let n = 0;
  const tsa: TrialTsa = { url: "", server: undefined as unknown as Server, mode: "ok", received: 0, answered: 0, close: async () => {} };
  const reply = async (query: Buffer): Promise<Buffer> => {
    const id = `${process.pid}-${++n}`;
    const [q, r] = [path.join(dir, `q-${id}.der`), path.join(dir, `r-${id}.der`)];
    try {
      await writeFile(q, query);
      await openssl(dir, "ts", "-reply", "-config", path.join(dir, "ts.cnf"), "-queryfile", q, "-out", r);
      return await readFile(r);
    } finally {
      await rm(q, { force: true });
      await rm(r, { force: true });
    }
  };
  const server = createServer((req, res) => {
    tsa.received += 1;
    if (tsa.mode === "hang") return; // never answers; the client must give up by itself
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      if (req.method !== "POST" || req.headers["content-type"] !== "application/timestamp-query") {
        res.writeHead(400, { "content-type": "text/plain" }).end("POST an application/timestamp-query");
        return;
      }
      if (tsa.mode === "garbage") {
        res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(Buffer.from("this is not a TimeStampResp"));
        return;
      }
      const answer = (queue = queue.then(() => reply(Buffer.concat(chunks)), () => reply(Buffer.concat(chunks))));
      (answer as Promise<Buffer>).then(
        (body) => {
          tsa.answered += 1;
          res.writeHead(200, { "content-type": "application/timestamp-reply", "content-length": body.length }).end(body);
        },
        (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(e.message),
      );
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  tsa.server = server;
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  tsa.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return tsa;
}
