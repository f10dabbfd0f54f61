import type { RequestHandler } from "express";

import { authenticateClerk } from "../../domain/clerks/clerkKeys.js";
import type { Store } from "../../domain/ports.js";
import type { Clerk } from "../../domain/types.js";

declare module "express-serve-static-core" {
  interface Request {
    clerk?: Clerk;
  }
}

/** Requires `Authorization: Bearer <clerk key>`; sets `req.clerk`. */
export const clerkAuth =
  (store: Store): RequestHandler =>
  async (req, _res, next) => {
    req.clerk = await authenticateClerk(store, req.get("authorization"));
    next();
  };
