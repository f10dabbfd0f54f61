import type { Response } from "express";

import type { NotaryErrorCode } from "../errors.js";

/** Writes an RFC 9457 problem+json response. */
export function sendProblem(
  res: Response,
  status: number,
  code: NotaryErrorCode | "INTERNAL",
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res
    .status(status)
    .type("application/problem+json")
    .json({ type: `urn:notary:error:${code.toLowerCase().replaceAll("_", "-")}`, title, status, detail, code, ...extra });
}
