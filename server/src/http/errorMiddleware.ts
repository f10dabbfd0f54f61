import { randomUUID } from "node:crypto";

import type { ErrorRequestHandler, RequestHandler } from "express";
import multer from "multer";

import { NotaryError, type NotaryErrorCode, isNotaryError } from "../errors.js";
import { sendProblem } from "./problem.js";

/** Every domain error code → HTTP status and title. The one place errors meet HTTP. */
const STATUS: Record<NotaryErrorCode, [number, string]> = {
  INVALID_REQUEST: [400, "Invalid request"],
  INVALID_HASH: [400, "Invalid SHA-256"],
  INVALID_RECEIPT: [400, "Invalid receipt"],
  UNSUPPORTED_MEDIA_TYPE: [415, "Unsupported media type"],
  PAYLOAD_TOO_LARGE: [413, "Payload too large"],
  UNAUTHORIZED: [401, "Unauthorized"],
  DOCUMENT_NOT_FOUND: [404, "Document not found"],
  CONTENT_NOT_AVAILABLE: [404, "Content not available"],
  CONTENT_CORRUPTED: [500, "Stored content is corrupted"],
  ROUTE_NOT_FOUND: [404, "Not found"],
  ALREADY_REVOKED: [409, "Already revoked"],
  ALREADY_SUPERSEDED: [409, "Already superseded"],
  NOT_AWAITING_APPROVAL: [409, "Not awaiting approval"],
  FORBIDDEN: [403, "Forbidden"],
  ALREADY_ANCHORED: [409, "Already anchored"],
  CHAIN_UNAVAILABLE: [503, "Chain unavailable"],
  STORE_UNAVAILABLE: [503, "Database unavailable"],
  CHAIN_JOURNAL_CORRUPT: [500, "Chain journal damaged"],
  CHAIN_REPLAY_DIVERGED: [500, "Chain replay diverged"],
  CHAIN_HISTORY_LOST: [500, "Chain history lost"],
  LOCKED: [500, "Folder in use"],
  CONFIG_INVALID: [500, "Configuration invalid"],
  REGISTRY_MISMATCH: [502, "Registry mismatch"],
  SHUTTING_DOWN: [503, "Shutting down"],
  NOT_READY: [503, "Not ready"],
  NOT_LEADER: [503, "Not the leader"],
  RATE_LIMITED: [429, "Too many requests"],
};

/** multer's and busboy's errors → domain errors (their messages are safe, fixed strings). */
function fromMulter(e: multer.MulterError): NotaryError {
  if (e.code === "LIMIT_FILE_SIZE") return new NotaryError("PAYLOAD_TOO_LARGE", "The file is larger than MAX_UPLOAD_BYTES");
  const field = e.field ? ` (field "${e.field.slice(0, 100)}")` : "";
  return new NotaryError("INVALID_REQUEST", `Malformed multipart body: ${e.message}${field}`, { multer: e.code });
}

/** body-parser's errors carry `type` and `status`. */
function fromBodyParser(e: { type?: string; status?: number }): NotaryError | null {
  switch (e.type) {
    case "entity.parse.failed":
      return new NotaryError("INVALID_REQUEST", "The body is not valid JSON");
    case "entity.too.large":
      return new NotaryError("PAYLOAD_TOO_LARGE", "The JSON body is too large");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new NotaryError("UNSUPPORTED_MEDIA_TYPE", "Unsupported body encoding or charset");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new NotaryError("INVALID_REQUEST", "The request body was incomplete");
    default:
      return null;
  }
}

/** busboy reports malformed multipart as plain Errors with these messages. */
const BUSBOY = /^(Multipart: Boundary not found|Unexpected end of (form|file)|Malformed part header|Malformed urlencoded form|Unsupported content type)/;

function toNotaryError(e: unknown): NotaryError | null {
  if (isNotaryError(e)) return e;
  if (e instanceof multer.MulterError) return fromMulter(e);
  if (e && typeof e === "object" && "type" in e) {
    const mapped = fromBodyParser(e as { type?: string });
    if (mapped) return mapped;
  }
  if (e instanceof Error && BUSBOY.test(e.message)) return new NotaryError("INVALID_REQUEST", `Malformed multipart body: ${e.message}`);
  return null;
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotaryError("ROUTE_NOT_FOUND", `No route ${req.method} ${req.path.slice(0, 200).replace(/[0-9a-f]{64}/g, "{sha256}")}`));
};

/** The single error middleware: problem+json for everything, no stack traces, an error id for 5xx. */
export const errorMiddleware: ErrorRequestHandler = (err, req, res, _next) => {
  // A body that was not read (refused early) is not read later either: close the connection.
  if (!req.complete) res.set("Connection", "close");
  const e = toNotaryError(err);
  if (e) {
    const [status, title] = STATUS[e.code];
    const { problems, field } = e.details as { problems?: unknown; field?: unknown };
    // A 503 is a dependency away (its cause in one line, no stack: an outage would flood the log); other 5xx are faults.
    if (status === 503) req.log?.warn({ code: e.code, cause: String((e.cause as Error | undefined)?.message ?? e.message).slice(0, 200) }, "request refused: a dependency is unavailable");
    else if (status >= 500) req.log?.error({ err }, "request failed");
    sendProblem(res, status, e.code, title, e.message, { ...(problems ? { problems } : {}), ...(field ? { field } : {}) });
    return;
  }
  const errorId = randomUUID();
  req.log?.error({ err, errorId }, "unexpected error");
  sendProblem(res, 500, "INTERNAL", "Internal error", `An unexpected error occurred; quote error id ${errorId} to your administrator`, { errorId });
};
