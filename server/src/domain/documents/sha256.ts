import { createHash } from "node:crypto";

import { NotaryError } from "../../errors.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `value` is a SHA-256 as `sha256sum` prints it: 64 lowercase hex digits, no 0x. */
export const isSha256 = (value: unknown): value is string => typeof value === "string" && SHA256_HEX.test(value);

/**
 * Returns the SHA-256 in its canonical form (lowercase hex, as sha256sum
 * prints it). Uppercase hex, as PowerShell's Get-FileHash prints it, is
 * accepted and lowercased; anything else throws INVALID_HASH saying what is
 * wrong.
 */
export function parseSha256(value: unknown, field = "sha256"): string {
  if (isSha256(value)) return value;
  if (typeof value === "string" && /^[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase();
  const text = typeof value === "string" ? value : "";
  const why =
    typeof value !== "string" ? "is missing or not a string"
    : text.startsWith("0x") ? "must not start with 0x"
    : text.length !== 64 ? `must be 64 hex digits (got ${Math.min(text.length, 9999)})`
    : "must contain only hex digits 0-9a-f";
  throw new NotaryError("INVALID_HASH", `${field} ${why}: a SHA-256 is 64 hex digits, as sha256sum prints it`, { field });
}

/** SHA-256 of bytes as lowercase hex. */
export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
