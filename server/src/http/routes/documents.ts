import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";

import express, { type Router } from "express";
import { z } from "zod";

import { notariseDocument } from "../../domain/documents/notariseDocument.js";
import { eraseContent } from "../../domain/documents/eraseContent.js";
import { revokeDocument } from "../../domain/documents/revokeDocument.js";
import { parseSha256 } from "../../domain/documents/sha256.js";
import { parseValidity } from "../../domain/documents/validity.js";
import { retainUntilOf } from "../../domain/documents/retention.js";
import { decideApproval } from "../../domain/documents/approveDocument.js";
import { getDocument, viewOf } from "../../domain/receipts/getReceipt.js";
import { NotaryError } from "../../errors.js";
import { clerkAuth } from "../middleware/clerkAuth.js";
import { HashingDiskStorage, type HashedFile, declaredLengthLimit, singleFile } from "../middleware/uploads.js";
import { documentJson, duplicateJson } from "../serialise.js";
import { type AppDeps, absoluteUrl, receiptPath, runMiddleware } from "./context.js";

/** Free text a clerk types: no NUL (PostgreSQL cannot store it; no document reference needs it). */
const freeText = (max: number) => z.string().trim().max(max).refine((v) => !v.includes("\u0000"), "must not contain NUL characters").optional();
const text = freeText(200);
/** A validity end: an ISO 8601 date or a date-time with offset (domain/documents/validity.ts says what each means). */
const validityEnd = z.string().max(40).optional();
/** What a clerk may give with a document, in a form and in JSON alike. */
const documentFields = {
  reference: text,
  title: text,
  validFrom: validityEnd,
  validUntil: validityEnd,
  supersedes: z.string().max(100).optional(),
  retainUntil: validityEnd,
};
const uploadFields = z.strictObject({ ...documentFields, public: z.enum(["true", "false", "1", "0", "on", "off"]).optional() });
const hashOnly = z.strictObject({ ...documentFields, sha256: z.string() });
/** The earlier document named in `supersedes`, as a SHA-256, or null. */
const supersedesOf = (fields: { supersedes?: string }) => (fields.supersedes?.trim() ? parseSha256(fields.supersedes.trim(), "supersedes") : null);
/** The validity given, or undefined when the request names none (so that a repeated upload is not told a validity was ignored). */
const validityOf = (fields: { validFrom?: string; validUntil?: string }) =>
  fields.validFrom?.trim() || fields.validUntil?.trim() ? parseValidity(fields) : undefined;
const approvalBody = z.strictObject({ decision: z.enum(["approve", "reject"]), reason: freeText(500) });
const revocationBody = z.strictObject({ reason: z.number().int().min(1).max(255), note: freeText(500) });
const listQuery = z.object({
  status: z.enum(["pending", "anchored", "revoked", "awaiting-approval", "rejected"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^[0-9]{1,15}$/, "a cursor from a previous page").optional(),
});

/** Parses `value` with `schema` or throws INVALID_REQUEST listing the problems. */
/** Whether reading a stored original failed because its blob is not there (a file or block another instance keeps). */
const isMissingBlob = (e: unknown) => {
  const { code, name } = (e ?? {}) as { code?: string; name?: string };
  return code === "ENOENT" || code === "ERR_NOT_FOUND" || name === "NotFoundError";
};

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || what}: ${i.message}`);
  throw new NotaryError("INVALID_REQUEST", `Invalid ${what}: ${problems.join("; ")}`, { problems });
}

const SAFE_MEDIA_TYPES = new Set(["application/pdf", "image/png", "image/jpeg", "text/plain", "application/xml", "application/json"]);

/** The clerk routes under /api/v1/documents. */
export function documentRoutes(router: Router, deps: AppDeps): void {
  const { store, content, clock } = deps;
  const auth = clerkAuth(store);
  const upload = singleFile(new HashingDiskStorage(content), deps.maxUploadBytes);
  const json = express.json({ limit: "16kb", strict: true });
  /** When the queue was last counted: at most every 100 ms, not once per upload (a query each on PostgreSQL). */
  let counted = 0;
  let recount: NodeJS.Timeout | undefined;
  const countQueue = () => {
    counted = Date.now();
    store.countUnbatched().then((n) => n >= deps.batchMax && deps.worker.nudge(), () => {});
  };
  const notariseDeps = {
    store,
    content,
    clock,
    onAccepted: () => {
      deps.metrics.documentsAccepted.inc();
      // Best effort: a full batch goes out at once; if the count fails (the database just went away), the batch window still sends it.
      // Only the leader anchors: a standby does not count.
      if (deps.leadership?.leading === false) return;
      const since = Date.now() - counted;
      if (since >= 100 || since < 0) return countQueue();
      // Counted a moment ago: count once more when the 100 ms are up, so that the last upload of a burst is counted too.
      recount ??= setTimeout(() => {
        recount = undefined;
        countQueue();
      }, 100 - since).unref();
    },
  };

  /** The clerk's fields, parsed alike from a form and from JSON, with the server's FOUR_EYES and RETENTION_DAYS applied. */
  const given = (fields: z.infer<typeof hashOnly> | z.infer<typeof uploadFields>) => ({
    reference: fields.reference || null,
    title: fields.title || null,
    validity: validityOf(fields),
    supersedes: supersedesOf(fields),
    retainUntil: retainUntilOf(fields.retainUntil, clock.now(), deps.retentionDays),
    retainUntilGiven: Boolean(fields.retainUntil?.trim()),
    awaitsApproval: deps.fourEyes === true,
  });

  router.post("/api/v1/documents", auth, declaredLengthLimit(deps.maxUploadBytes), async (req, res) => {
    let input;
    if (req.is("multipart/form-data")) {
      await runMiddleware(upload, req, res);
      const file = req.file as unknown as HashedFile | undefined;
      try {
        const fields = parseOr400(uploadFields, { ...req.body }, "form fields");
        if (!file?.tempPath) throw new NotaryError("INVALID_REQUEST", 'The multipart body needs a "file" part');
        input = {
          ...given(fields),
          sha256: file.sha256,
          public: ["true", "1", "on"].includes(fields.public ?? "false"),
          upload: { tempPath: file.tempPath, size: file.size, mediaType: (req.file?.mimetype ?? "").slice(0, 100) || null },
          clerk: req.clerk!,
        };
      } catch (e) {
        if (file?.tempPath) await content.discard(file.tempPath);
        throw e;
      }
    } else if (req.is("application/json")) {
      await runMiddleware(json, req, res);
      const body = parseOr400(hashOnly, req.body, "JSON body");
      input = { ...given(body), sha256: parseSha256(body.sha256), public: false, clerk: req.clerk! };
    } else {
      throw new NotaryError("UNSUPPORTED_MEDIA_TYPE", "Send multipart/form-data with a file part, or application/json with a sha256");
    }
    const { created, document, duplicate } = await notariseDocument(notariseDeps, input);
    const receiptUrl = absoluteUrl(deps, req, receiptPath(document.sha256));
    if (created) {
      res
        .status(202)
        .location(receiptUrl)
        .json({ sha256: document.sha256, status: "pending", receiptUrl, ...(document.approval ? { approval: "awaiting", detail: "four-eyes issuance: anchored only once a second clerk with the approver role approves it" } : {}) });
    } else {
      const view = await getDocument(store, document.sha256);
      res.status(200).json({ ...documentJson(view, receiptUrl), duplicate: duplicateJson(view, duplicate!) });
    }
  });

  router.get("/api/v1/documents", auth, async (req, res) => {
    const q = parseOr400(listQuery, req.query, "query");
    const docs = await store.listDocuments({ state: q.status, limit: q.limit, beforeSeq: q.cursor ? Number(q.cursor) : undefined });
    const items = await Promise.all(
      docs.map(async (d) => documentJson(await viewOf(store, d), absoluteUrl(deps, req, receiptPath(d.sha256)))),
    );
    const nextCursor = docs.length === q.limit ? String(docs.at(-1)!.seq) : null;
    res.json({ items, nextCursor });
  });

  router.get("/api/v1/documents/:sha256", auth, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    res.json(documentJson(await getDocument(store, sha256), absoluteUrl(deps, req, receiptPath(sha256))));
  });

  router.post("/api/v1/documents/:sha256/approval", auth, json, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    if (!req.is("application/json")) throw new NotaryError("UNSUPPORTED_MEDIA_TYPE", 'Send application/json: { "decision": "approve" } or { "decision": "reject", "reason": "…" }');
    const body = parseOr400(approvalBody, req.body, "JSON body");
    const doc = await decideApproval(
      { store, clock, onApproved: () => deps.worker.nudge() },
      { sha256, decision: body.decision, reason: body.reason || null, clerk: req.clerk! },
    );
    res.json(documentJson(doc, absoluteUrl(deps, req, receiptPath(sha256))));
  });

  router.get("/api/v1/clerk", auth, (req, res) => {
    res.json({ name: req.clerk!.name, role: req.clerk!.role, fourEyes: deps.fourEyes === true });
  });

  router.post("/api/v1/documents/:sha256/revocation", auth, json, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    if (!req.is("application/json")) throw new NotaryError("UNSUPPORTED_MEDIA_TYPE", 'Send application/json: { "reason": 1..255, "note": "…" }');
    const body = parseOr400(revocationBody, req.body, "JSON body");
    const doc = await revokeDocument(
      { store, clock, onRequested: () => deps.worker.nudge() },
      { sha256, reason: body.reason, note: body.note || null, clerk: req.clerk! },
    );
    res.status(202).json(documentJson(doc, absoluteUrl(deps, req, receiptPath(sha256))));
  });

  router.get("/api/v1/documents/:sha256/content", auth, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    const doc = await getDocument(store, sha256);
    if (!doc.content) {
      const why = doc.erasure ? `was erased on ${new Date(doc.erasure.at).toISOString()} by ${doc.erasure.by}` : "was never stored (hash only)";
      throw new NotaryError("CONTENT_NOT_AVAILABLE", `The original of this document ${why}`, { sha256 });
    }
    // First pass: decrypt and check the hash; nothing is sent unless it matches.
    const hash = createHash("sha256");
    try {
      for await (const chunk of await content.open(doc.content)) hash.update(chunk as Buffer);
    } catch (e) {
      if (!isMissingBlob(e)) throw e;
      throw new NotaryError("CONTENT_NOT_AVAILABLE", "The original is not in this instance's store: with several instances, originals kept under IPFS_MODE=embedded or off are readable only through the instance that stored them (use IPFS_MODE=kubo)", { sha256 });
    }
    if (hash.digest("hex") !== sha256) {
      throw new NotaryError("CONTENT_CORRUPTED", "The stored original does not match its SHA-256; it is not served. Restore it from backup.", { sha256 });
    }
    await store.appendAudit({ at: clock.now(), clerk: req.clerk!.name, action: "read-content", sha256, detail: null });
    const type = doc.mediaType && SAFE_MEDIA_TYPES.has(doc.mediaType) ? doc.mediaType : "application/octet-stream";
    res.set({ "Content-Type": type, "Content-Disposition": `attachment; filename="${sha256}"`, "X-Content-Type-Options": "nosniff" });
    if (doc.size !== null) res.set("Content-Length", String(doc.size));
    try {
      await pipeline(await content.open(doc.content), res);
    } catch (e) {
      // The client went away (or closed as soon as it had every byte): nothing is wrong here.
      if ((e as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE" && (res.writableFinished || res.destroyed)) return;
      // Erased between the check and the download (a clerk, or retention on the leader).
      if (isMissingBlob(e) && !res.headersSent) throw new NotaryError("CONTENT_NOT_AVAILABLE", "The original was erased a moment ago", { sha256 });
      throw e;
    }
  });

  router.delete("/api/v1/documents/:sha256/content", auth, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    const doc = await eraseContent({ store, content, clock }, { sha256, by: req.clerk!.name });
    res.json(documentJson(doc, absoluteUrl(deps, req, receiptPath(sha256))));
  });
}
