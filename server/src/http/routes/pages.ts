import { createRequire } from "node:module";
import path from "node:path";

import express, { type RequestHandler, type Router } from "express";

import { PROJECT_ROOT } from "../../projectRoot.js";

/** The pages are plain HTML, CSS and ES modules: no build step, served as they are in the repository. */
const WEB_DIR = path.join(PROJECT_ROOT, "server", "src", "web");

/** hash-wasm's SHA-256 build for the browser (incremental, so large files hash in chunks). */
const SHA256_BROWSER = path.join(path.dirname(createRequire(import.meta.url).resolve("hash-wasm")), "sha256.umd.min.js");

const page = (file: string): RequestHandler => (_req, res) => {
  res.set("Cache-Control", "no-cache").sendFile(path.join(WEB_DIR, file));
};

/** `/` (citizens verify) and `/clerk` (clerks notarise). */
export function pageRoutes(router: Router): void {
  router.get("/", page("index.html"));
  router.get("/clerk", page("clerk.html"));
}

/** Static assets under /assets; unknown files fall through to the 404 problem. */
export function webAssets(): Router {
  const assets = express.Router();
  assets.use("/vendor/sha256.js", (_req, res) => {
    res.set("Cache-Control", "public, max-age=3600").type("text/javascript").sendFile(SHA256_BROWSER);
  });
  assets.use(express.static(path.join(WEB_DIR, "assets"), { index: false, maxAge: "10m", fallthrough: true }));
  return assets;
}
