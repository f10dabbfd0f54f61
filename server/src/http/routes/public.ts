import express, { type Router } from "express";

import { parseSha256 } from "../../domain/documents/sha256.js";
import { getReceipt } from "../../domain/receipts/getReceipt.js";
import { chainOf, parseReceipt } from "../../domain/receipts/receipt.js";
import { renderReceiptPdf } from "../../domain/receipts/receiptPdf.js";
import { verifyReceipt } from "../../domain/verification/verifyReceipt.js";
import { NotaryError } from "../../errors.js";
import { HashOnlyStorage, type HashedFile, declaredLengthLimit, singleFile } from "../middleware/uploads.js";
import { type AppDeps, absoluteUrl, runMiddleware, verifyPagePath } from "./context.js";

const isLoopbackUrl = (url: string) => /^https?:\/\/(127\.|localhost[:/]|\[::1\])/.test(url);
let lastLoopbackWarning = 0;

/** A printed QR code that points at 127.0.0.1 opens nothing on a citizen's phone: say so, at most once a minute. */
function warnLoopbackQr(logger: AppDeps["logger"], url: string): void {
  if (Date.now() - lastLoopbackWarning < 60_000) return;
  lastLoopbackWarning = Date.now();
  logger.warn({ url: url.replace(/[0-9a-f]{64}/, "{sha256}") }, "PUBLIC_URL is unset: this PDF receipt's QR code points at a loopback address, which no citizen's phone can open. Set PUBLIC_URL to the address citizens reach this server at.");
}

/** Public routes: receipts, verification, registry facts. Nothing here reveals CIDs, keys or other documents' salts. */
export function publicRoutes(router: Router, deps: AppDeps): void {
  const { store, verifier, chains } = deps;
  const municipality = deps.registry.municipality;
  const receiptJson = express.json({ limit: "64kb", strict: true });
  const hashOnlyUpload = singleFile(new HashOnlyStorage(), deps.maxUploadBytes);

  // Before "/api/v1/receipts/:sha256", which would take "….pdf" as the hash.
  router.get("/api/v1/receipts/:sha256.pdf", async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    const result = await getReceipt(store, municipality, sha256, deps.receiptExtras);
    res.set("Cache-Control", "no-store");
    if (result.state === "pending") {
      res.status(202).set("Retry-After", "5").json({ sha256, status: "pending" });
      return;
    }
    const { receipt, document } = result;
    const verifyUrl = absoluteUrl(deps, req, verifyPagePath(sha256));
    if (!deps.publicUrl && isLoopbackUrl(verifyUrl)) warnLoopbackQr(deps.logger, verifyUrl);
    const verdict = await verifier.verify(sha256);
    const pdf = await renderReceiptPdf({
      receipt,
      title: document.title,
      reference: document.reference,
      verifyUrl,
      identity: verdict.identity,
      timestamps: "timestamps" in verdict ? verdict.timestamps : [],
    });
    res
      .type("application/pdf")
      .set("Content-Disposition", `inline; filename="${sha256.slice(0, 12)}.receipt.pdf"`)
      .send(Buffer.from(pdf));
  });

  router.get("/api/v1/receipts/:sha256", async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    const result = await getReceipt(store, municipality, sha256, deps.receiptExtras);
    res.set("Cache-Control", "no-store");
    if (result.state === "pending") {
      res.status(202).json({ sha256, status: "pending" });
    } else {
      res.status(200).json(result.receipt);
    }
  });

  router.get("/api/v1/verify/:sha256", async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    res.set("Cache-Control", "no-store").json(await verifier.verify(sha256));
  });

  router.post("/api/v1/verify", declaredLengthLimit(deps.maxUploadBytes), async (req, res) => {
    res.set("Cache-Control", "no-store");
    if (req.is("application/json")) {
      await runMiddleware(receiptJson, req, res);
      const receipt = parseReceipt(req.body);
      const verdict = await verifyReceipt(receipt, chains.readerFor(chainOf(receipt)), { trust: chains.trust, timestamps: deps.timestamps });
      res.json({ sha256: receipt.document.sha256, version: receipt.version, chain: chainOf(receipt), ...verdict, municipality: receipt.municipality });
      return;
    }
    if (req.is("multipart/form-data")) {
      await runMiddleware(hashOnlyUpload, req, res);
      const file = req.file as unknown as HashedFile | undefined;
      if (!file?.sha256) throw new NotaryError("INVALID_REQUEST", 'The multipart body needs a "file" part');
      res.json(await verifier.verify(file.sha256));
      return;
    }
    throw new NotaryError("UNSUPPORTED_MEDIA_TYPE", "Send a receipt as application/json, or a file as multipart/form-data");
  });

  router.get("/api/v1/registry", (_req, res) => {
    const { chainId, genesisHash, address, version, directory } = deps.registry;
    // `trust`: whom this server's verification trusts to say who a municipality is (DESIGN.md "Trust configuration").
    const trust = chains.trust.map((d) => ({ name: d.name, chainId: d.chainId, genesisHash: d.genesisHash, directory: d.directory, local: d.local ?? false }));
    res.json({ chainId, genesisHash, registry: address, municipality, version, directory, trust });
  });
}
