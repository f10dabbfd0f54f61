/**
 * A STAND-IN for a Kubo daemon (none can be installed on these machines):
 * the four RPC endpoints the Kubo adapter uses — /api/v0/add, /api/v0/cat,
 * /api/v0/pin/rm, /api/v0/id — as the Kubo RPC docs specify them (POST,
 * query arguments, NDJSON/JSON answers, errors as {Message, Code, Type}),
 * backed by Helia's UnixFS on a memory blockstore with Kubo's import settings. It is not
 * Kubo: README "Not tested against a real Kubo" says what this leaves open.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";

import { unixfs } from "@helia/unixfs";
import { MemoryBlockstore } from "blockstore-core";
import express from "express";
import busboy from "busboy";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";

import { kuboImport } from "../../server/src/adapters/content/heliaBlobs.js";
import { track } from "./teardown.js";

/** A well-formed Ed25519 peer id (identity multihash of the protobuf public key), as Kubo reports. */
const peerId = base58btc.baseEncode(identity.digest(Uint8Array.from([0x08, 0x01, 0x12, 0x20, ...randomBytes(32)])).bytes);

export async function startKuboStandIn() {
  const blockstore = new MemoryBlockstore();
  const fs = unixfs({ blockstore });
  const pinned = new Set<string>();
  const calls: string[] = [];
  const app = express();
  const kuboError = (res: express.Response, message: string) => res.status(500).json({ Message: message, Code: 0, Type: "error" });

  app.use((req, res, next) => {
    calls.push(`${req.method} ${req.path}`);
    if (req.method !== "POST") return void res.status(405).send("405 - Method Not Allowed");
    next();
  });
  app.post("/api/v0/id", (_req, res) => {
    res.json({ ID: peerId, AgentVersion: "kubo-stand-in/0.0.0", Addresses: [] });
  });
  app.post("/api/v0/add", (req, res) => {
    const q = req.query as Record<string, string>;
    const v0 = q["cid-version"] === "0" && q["raw-leaves"] === "false";
    const v1 = q["cid-version"] === "1" && q["raw-leaves"] === "true";
    if (!(v0 || v1) || q.chunker !== "size-262144") {
      return void kuboError(res, `stand-in supports cid-version=0 with raw-leaves=false or cid-version=1 with raw-leaves=true, chunker=size-262144 (got ${JSON.stringify(q)})`);
    }
    // Kubo takes file parts with an empty filename (as kubo-rpc-client sends them), so parse with busboy directly.
    const added: Promise<string>[] = [];
    const form = busboy({ headers: req.headers });
    form.on("file", (_name, stream, info) => {
      added.push(
        (async () => {
          const chunks: Buffer[] = [];
          for await (const c of stream) chunks.push(c as Buffer);
          const bytes = Buffer.concat(chunks);
          const cid = await fs.addBytes(bytes, kuboImport(v0));
          if (q.pin !== "false") pinned.add(cid.toString());
          return JSON.stringify({ Name: info.filename ?? "", Hash: cid.toString(), Size: String(bytes.length) }) + "\n";
        })(),
      );
    });
    form.on("close", async () => {
      const lines = await Promise.all(added);
      res.type("application/x-ndjson").send(lines.join(""));
    });
    req.pipe(form);
  });
  app.post("/api/v0/cat", async (req, res) => {
    let cid: CID;
    try {
      cid = CID.parse(String(req.query.arg));
    } catch {
      return void kuboError(res, "invalid path");
    }
    if (!(await blockstore.has(cid))) return void kuboError(res, "block was not found locally (offline)");
    res.type("text/plain");
    for await (const chunk of fs.cat(cid, { offline: true })) res.write(chunk);
    res.end();
  });
  app.post("/api/v0/pin/rm", (req, res) => {
    const arg = String(req.query.arg);
    if (!pinned.delete(arg)) return void kuboError(res, "not pinned or pinned indirectly");
    res.json({ Pins: [arg] });
  });

  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    untrack();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  const untrack = track(`Kubo stand-in :${port}`, stop);
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    pinned,
    stop,
  };
}
