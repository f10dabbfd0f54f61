import { DateTime } from "luxon";

import { NotaryError } from "../../errors.js";

/** Where a date without a time is meant: the day as a German authority and its citizens count it. */
export const VALIDITY_ZONE = "Europe/Berlin";

/** The latest instant a receipt can state (uint64 seconds would go further; dates beyond 9999 are typos). */
const LAST = DateTime.fromISO("9999-12-31T23:59:59Z").toSeconds();

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A date-time with seconds optional and an explicit offset or Z: without one, the instant would depend on the server's zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant a clerk types, in unix seconds: an ISO 8601 date means that
 * whole day in Europe/Berlin (from its first second for a beginning, until
 * its last for an end), a date-time needs an offset. Empty or absent: 0.
 */
export function instant(value: string | undefined, field: string, edge: "start" | "end" = field === "validFrom" ? "start" : "end"): number {
  if (value === undefined || value.trim() === "") return 0;
  const text = value.trim();
  let at: DateTime;
  if (DATE.test(text)) {
    const day = DateTime.fromISO(text, { zone: VALIDITY_ZONE });
    at = edge === "start" ? day.startOf("day") : day.endOf("day").startOf("second");
  } else if (DATE_TIME.test(text)) {
    at = DateTime.fromISO(text, { setZone: true });
  } else {
    throw new NotaryError("INVALID_REQUEST", `${field}: "${text.slice(0, 40)}" is not an ISO 8601 date (2026-12-31, meaning that day in ${VALIDITY_ZONE}) or a date-time with an offset (2026-12-31T18:00:00+01:00)`, { field });
  }
  if (!at.isValid) throw new NotaryError("INVALID_REQUEST", `${field}: "${text}" is not a date in the calendar (${at.invalidExplanation ?? at.invalidReason})`, { field });
  const seconds = Math.floor(at.toSeconds());
  if (seconds <= 0 || seconds > LAST) throw new NotaryError("INVALID_REQUEST", `${field}: "${text}" lies before 1970 or after 9999`, { field });
  return seconds;
}

/**
 * The validity period a clerk gives on upload (DESIGN.md "Receipt (version
 * 2)": unix seconds, 0 = unbounded), committed in the document's leaf.
 * Refuses a period that ends before it begins.
 */
export function parseValidity(input: { validFrom?: string; validUntil?: string }): { validFrom: number; validUntil: number } {
  const validFrom = instant(input.validFrom, "validFrom");
  const validUntil = instant(input.validUntil, "validUntil");
  if (validFrom !== 0 && validUntil !== 0 && validUntil < validFrom) {
    throw new NotaryError("INVALID_REQUEST", `validUntil (${input.validUntil}) lies before validFrom (${input.validFrom})`, { field: "validUntil" });
  }
  return { validFrom, validUntil };
}
