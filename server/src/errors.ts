/**
 * The one error base of the server. Domain errors carry a code from a closed
 * union and structured details, never an HTTP status: the error middleware
 * maps codes to statuses in one table (http/errorMiddleware.ts).
 * The catalogue (why, how to fix) is docs/errors.md.
 */
export type NotaryErrorCode =
  | "INVALID_REQUEST"
  | "INVALID_HASH"
  | "INVALID_RECEIPT"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PAYLOAD_TOO_LARGE"
  | "UNAUTHORIZED"
  | "DOCUMENT_NOT_FOUND"
  | "CONTENT_NOT_AVAILABLE"
  | "CONTENT_CORRUPTED"
  | "ROUTE_NOT_FOUND"
  | "ALREADY_REVOKED"
  | "ALREADY_SUPERSEDED"
  | "NOT_AWAITING_APPROVAL"
  | "FORBIDDEN"
  | "ALREADY_ANCHORED"
  | "CHAIN_UNAVAILABLE"
  | "STORE_UNAVAILABLE"
  | "CHAIN_JOURNAL_CORRUPT"
  | "CHAIN_REPLAY_DIVERGED"
  | "CHAIN_HISTORY_LOST"
  | "LOCKED"
  | "CONFIG_INVALID"
  | "REGISTRY_MISMATCH"
  | "SHUTTING_DOWN"
  | "NOT_READY"
  | "NOT_LEADER"
  | "RATE_LIMITED";

export class NotaryError<C extends NotaryErrorCode = NotaryErrorCode> extends Error {
  override readonly name = "NotaryError";

  constructor(
    readonly code: C,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `e` is a NotaryError, optionally of one code. */
export function isNotaryError<C extends NotaryErrorCode>(e: unknown, code?: C): e is NotaryError<C> {
  return e instanceof NotaryError && (code === undefined || e.code === code);
}
