import { createHash, randomBytes } from "node:crypto";

import { NotaryError } from "../../errors.js";
import type { Clock, Store } from "../ports.js";
import { CLERK_ROLES, type Clerk, type ClerkRole } from "../types.js";

const KEY_PREFIX = "ntk_";

/** Keys are stored only as this hash. They carry 192 random bits, so a fast hash suffices. */
export const hashKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");

/** Creates a clerk and returns the key, which exists nowhere else afterwards. */
export async function addClerk(deps: { store: Store; clock: Clock }, name: string, role: string = "clerk"): Promise<{ clerk: Clerk; key: string }> {
  const trimmed = name.trim();
  if (!(CLERK_ROLES as readonly string[]).includes(role)) {
    throw new NotaryError("INVALID_REQUEST", `A clerk's role is one of ${CLERK_ROLES.join(", ")}, not "${role}"`, { role });
  }
  if (trimmed === "" || trimmed.length > 100) {
    throw new NotaryError("INVALID_REQUEST", "A clerk's name is 1 to 100 characters", { name });
  }
  if ((await deps.store.listClerks()).some((c) => c.name === trimmed && c.removedAt === null)) {
    throw new NotaryError("INVALID_REQUEST", `A clerk named "${trimmed}" already exists; remove it first or pick another name`, { name });
  }
  const key = KEY_PREFIX + randomBytes(24).toString("base64url");
  const clerk = await deps.store.addClerk(trimmed, hashKey(key), deps.clock.now(), role as ClerkRole);
  return { clerk, key };
}

/** The clerk a bearer key belongs to, or UNAUTHORIZED (missing, malformed, unknown or removed key alike). */
export async function authenticateClerk(store: Store, authorization: string | undefined): Promise<Clerk> {
  const match = /^Bearer ([A-Za-z0-9_-]{8,200})$/.exec(authorization ?? "");
  const clerk = match ? await store.clerkByKeyHash(hashKey(match[1]!)) : null;
  if (!clerk) {
    throw new NotaryError("UNAUTHORIZED", "A valid clerk key is required: Authorization: Bearer <key> (create one with `npx notary clerk add <name>`)");
  }
  return clerk;
}

/** Gives an active clerk another role (clerk, approver, admin); the key stays the same. */
export async function setClerkRole(deps: { store: Store }, name: string, role: string): Promise<void> {
  if (!(CLERK_ROLES as readonly string[]).includes(role)) {
    throw new NotaryError("INVALID_REQUEST", `A clerk's role is one of ${CLERK_ROLES.join(", ")}, not "${role}"`, { role });
  }
  if (!(await deps.store.setClerkRole(name.trim(), role as ClerkRole))) throw new NotaryError("INVALID_REQUEST", `No active clerk is named "${name.trim()}"`, { name });
}
