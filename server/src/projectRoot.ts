import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The project's root folder (where package.json, artifacts/ and
 * node_modules/ are), found upwards from this file, so that the same code
 * works from `server/src` (tests, tsx) and from `dist/server/src` (npm start).
 */
export const PROJECT_ROOT: string = (() => {
  for (let dir = import.meta.dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "notary") return dir;
  }
  throw new Error(`Cannot find the notary project root above ${import.meta.dirname}`);
})();
