/**
 * `npm run bundle`: what a municipal IT admin installs on a production server,
 * built once here: `notary-<version>.tgz` with the compiled server and command
 * line (dist/), the compiled contracts (artifacts/, for `notary deploy`), the
 * web pages, package.json and package-lock.json. On the server:
 * `npm ci --omit=dev` and `npm run serve`: no Hardhat, TypeScript or tsx there.
 * (README "Production install")
 */
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const CONTENTS = [
  "package.json",
  "package-lock.json",
  "README.md",
  "LICENSE",
  "bin",
  "dist/server",
  "dist/scripts",
  "server/src/web",
  "docs/errors.md",
  "artifacts/contracts",
];

const { version } = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const name = `notary-${version}`;
const out = path.resolve(process.argv[2] ?? ROOT, `${name}.tgz`);
const staging = await mkdtemp(path.join(tmpdir(), "notary-bundle-"));
try {
  for (const item of CONTENTS) {
    const from = path.join(ROOT, item);
    await cp(from, path.join(staging, name, item), {
      recursive: true,
      // Build info and debug files of the contracts are not needed to deploy or read them.
      filter: (src) => !/\.dbg\.json$|build-info/.test(src),
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT" && item === "LICENSE") return;
      if (e.code === "ENOENT") throw new Error(`${item} is missing: run "npm run build" first`);
      throw e;
    });
  }
  const tar = spawnSync("tar", ["-czf", out, "-C", staging, name], { stdio: "inherit" });
  if (tar.status !== 0) throw new Error(`tar failed with ${tar.status}`);
  console.log(`${path.relative(process.cwd(), out) || out}: extract it on the server, then "npm ci --omit=dev" and "npm run serve" (README "Production install")`);
} finally {
  await rm(staging, { recursive: true, force: true });
}
