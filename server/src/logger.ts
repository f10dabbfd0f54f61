import type { IncomingMessage } from "node:http";

import { pino, type Logger } from "pino";

/** Hashes in URLs are replaced: citizens' verification requests are not logged with their hashes. */
export const redactHashes = (url: string): string => url.replace(/[0-9a-fA-F]{64}/g, "{sha256}");

/** JSON logs with pino; secrets (keys, authorization headers) are never logged. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ["key", "*.key", "signerKey", "masterKey", "req.headers.authorization"], censor: "[redacted]" },
  });
}

/** The request as it appears in logs: no headers, no hashes. */
export const requestSerializer = (req: IncomingMessage & { id?: unknown }) => ({
  id: req.id,
  method: req.method,
  url: redactHashes(req.url ?? ""),
});
