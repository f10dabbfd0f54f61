/** The registry's revocation reason codes (DESIGN.md "Registry contract"). */
export const REVOCATION_REASONS: Record<number, string> = {
  1: "withdrawn",
  2: "issued in error",
  3: "superseded",
  4: "expired",
  255: "other",
};

export const reasonText = (reason: number): string => REVOCATION_REASONS[reason] ?? `reason ${reason}`;
