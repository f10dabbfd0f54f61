import cors from "cors";
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";

import { NotaryError } from "../../errors.js";

/**
 * Security headers on every response (helmet's defaults: CSP, nosniff, frame
 * and referrer policies, HSTS). Scripts only from this origin; the pages hash
 * files with WebAssembly, which CSP allows only with 'wasm-unsafe-eval' (it
 * permits compiling WebAssembly, not JavaScript eval).
 */
export const securityHeaders = (): RequestHandler =>
  helmet({ contentSecurityPolicy: { directives: { "script-src": ["'self'", "'wasm-unsafe-eval'"] } } });

/**
 * CORS, open to any origin, for the public verification API only: a
 * municipality's own site or a third party can verify from the browser.
 * Clerk routes send no CORS headers, so browsers block cross-site calls.
 */
export const publicCors = (): RequestHandler =>
  cors({ origin: "*", methods: ["GET", "POST"], allowedHeaders: ["Content-Type"], maxAge: 600 });

/** Per-IP rate limit for public routes; over it, 429 problem+json with Retry-After. */
export const publicRateLimit = (perMinute: number): RequestHandler =>
  rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, res, next) =>
      next(new NotaryError("RATE_LIMITED", `More than ${perMinute} requests per minute from this address; retry after ${res.getHeader("retry-after") ?? 60} s`)),
  });
