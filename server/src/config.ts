import { readFileSync } from "node:fs";
import path from "node:path";

import { z } from "zod";

import { NotaryError } from "./errors.js";

/** The dev account #0 of every Hardhat node: only ever used with the embedded node. */
export const EMBEDDED_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte hex value 0x…");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address 0x…");
const emptyAsUndefined = (v: unknown) => (v === "" ? undefined : v);

/**
 * Every setting, its environment variable and its default (README
 * "Configuration" lists the same). Validated before the server listens.
 */
export const configSchema = z
  .object({
    /** HTTP port. @default 8080 */
    PORT: int(0, 65535).default(8080),
    /** Interface to bind. @default 127.0.0.1 (loopback only) */
    HOST: z.string().min(1).default("127.0.0.1"),
    /** Where the database, originals and logs live. @default ./data */
    DATA_DIR: z.string().min(1).default("./data"),
    /** JSON-RPC URL of the chain; unset starts the embedded Hardhat node. */
    RPC_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    /** Loopback port of the embedded Hardhat node. @default 8545 */
    CHAIN_PORT: int(1, 65535).default(8545),
    /** Registry to use; unset deploys one (and redeploys after a chain reset). */
    REGISTRY_ADDRESS: z.preprocess(emptyAsUndefined, address.optional()),
    /** Private key of the service account (ISSUER and REVOKER). Required with RPC_URL. */
    SIGNER_KEY: z.preprocess(emptyAsUndefined, hex32.optional()),
    /** Blocks to wait after the anchoring block. @default 1 */
    CONFIRMATIONS: int(1, 64).default(1),
    /** How long documents gather before a batch is anchored. @default 2000 */
    BATCH_INTERVAL_MS: int(50, 3_600_000).default(2000),
    /** Most documents per batch. @default 1024 */
    BATCH_MAX: int(1, 65_536).default(1024),
    /** The longest an audit entry waits to be anchored when no document comes to carry it: then the audit head is anchored alone. @default 3600000 (1 hour) */
    AUDIT_COMMIT_INTERVAL_MS: int(1000, 7 * 24 * 3_600_000).default(3_600_000),
    /** Largest accepted upload in bytes. @default 52428800 (50 MiB) */
    MAX_UPLOAD_BYTES: int(1, 64 * 1024 ** 3).default(50 * 1024 ** 2),
    /** Where (encrypted) originals go: an embedded IPFS node, a Kubo node, or only the data dir. @default embedded */
    IPFS_MODE: z.enum(["embedded", "kubo", "off"]).default("embedded"),
    /** Kubo RPC API, with IPFS_MODE=kubo. */
    KUBO_API_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    /** Master key for document keys (hex, 32 bytes); unset: a key file in the data dir. */
    MASTER_KEY: z.preprocess(emptyAsUndefined, hex32.optional()),
    /** The municipality's name, used when deploying a registry. */
    MUNICIPALITY_NAME: z.string().min(1).default("Stadt Musterstadt"),
    /** Its 8-digit Amtlicher Gemeindeschlüssel, used when deploying. */
    MUNICIPALITY_AGS: z.string().regex(/^[0-9]{8}$/, "8 digits").default("05334002"),
    /** Public base URL of this server, used in receipt links. @default http://HOST:PORT */
    PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    /** Requests per minute and client IP on the public routes (verify, receipts, registry). @default 600 */
    RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
    /**
     * Express "trust proxy": which proxies' X-Forwarded-For to believe for the
     * client IP (rate limits, logs). `false` (default: none), `true`, a hop
     * count, or addresses/subnets such as `loopback` or `10.0.0.0/8`.
     */
    TRUST_PROXY: z
      .string()
      .default("false")
      .transform((v): boolean | number | string => (v === "true" ? true : v === "false" ? false : /^[0-9]+$/.test(v) ? Number(v) : v)),
    /** The trust configuration (JSON: the directories to trust and how to read their chains); unset: the local trial directory, or DIRECTORY_ADDRESS. */
    TRUST_FILE: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    /** The directory this registry is listed in (a hint in receipts); unset without RPC_URL: a local trial directory is deployed. */
    DIRECTORY_ADDRESS: z.preprocess(emptyAsUndefined, address.optional()),
    /** RFC 3161 Time-Stamping Authorities, comma-separated, tried in order; unset: no co-anchoring. */
    TSA_URL: z.preprocess(emptyAsUndefined, z.string().optional()).transform((v) => (v ? v.split(",").map((u) => u.trim()).filter(Boolean) : [])),
    /** PEM file of the TSA roots tokens must chain to (the TSA's root CA; for a qualified TSA its root from the EU trusted list). */
    TSA_CA_FILE: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
    /** Four-eyes issuance: a new document waits, unbatched, until a second clerk with the approver role approves it. @default false */
    FOUR_EYES: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    /** Days an original is kept before it is erased by itself (a document's retainUntil overrides it); unset: kept until a clerk erases it. */
    RETENTION_DAYS: z.preprocess(emptyAsUndefined, int(1, 36_500).optional()),
    /** Anchor every document again when the chain lost blocks receipts depend on (new receipts; the old ones stop verifying). @default false */
    REANCHOR: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    /**
     * PostgreSQL for several instances (`postgres://user:password@host:5432/notary`); unset: SQLite in the data dir.
     * Needs RPC_URL (one chain for all instances) and MASTER_KEY (every instance decrypts every original).
     */
    DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().regex(/^postgres(ql)?:\/\/\S+$/, "a postgres:// URL").optional()),
    /** Connections each instance keeps to PostgreSQL. @default 10 */
    DATABASE_POOL_SIZE: int(2, 200).default(10),
    /** This instance's name in /readyz, the logs and pg_stat_activity. @default <hostname>-<pid> */
    INSTANCE_NAME: z.preprocess(emptyAsUndefined, z.string().regex(/^[A-Za-z0-9._:-]{1,50}$/, "1–50 letters, digits, . _ : -").optional()),
    /** pino log level. @default info */
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((c, ctx) => {
    if (c.RPC_URL && !c.SIGNER_KEY) {
      ctx.addIssue({ code: "custom", path: ["SIGNER_KEY"], message: "required when RPC_URL is set (the service key with ISSUER and REVOKER roles)" });
    }
    if (c.IPFS_MODE === "kubo" && !c.KUBO_API_URL) {
      ctx.addIssue({ code: "custom", path: ["KUBO_API_URL"], message: "required when IPFS_MODE=kubo" });
    }
    for (const url of c.TSA_URL) {
      if (!/^https?:\/\/[^\s]+$/.test(url)) ctx.addIssue({ code: "custom", path: ["TSA_URL"], message: `not an http(s) URL: ${url.slice(0, 100)}` });
    }
    if (c.DATABASE_URL && !c.MASTER_KEY) {
      ctx.addIssue({ code: "custom", path: ["MASTER_KEY"], message: "required when DATABASE_URL is set: every instance must decrypt the originals any other one stored" });
    }
    if (c.TSA_URL.length > 0 && !c.TSA_CA_FILE) {
      ctx.addIssue({ code: "custom", path: ["TSA_CA_FILE"], message: "required when TSA_URL is set: the roots the TSA's tokens must chain to" });
    }
  });

export type Config = z.infer<typeof configSchema> & { dataDir: string };

/** Whether a HOST binds only this machine (127.0.0.0/8, ::1, localhost): then PUBLIC_URL may stay unset. */
export const isLoopbackHost = (host: string): boolean => /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::1" || host === "localhost";

/** Secrets may also come from files (`SIGNER_KEY_FILE`, `MASTER_KEY_FILE`, `DATABASE_URL_FILE`), e.g. Docker/Kubernetes secrets. */
function withSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of ["SIGNER_KEY", "MASTER_KEY", "DATABASE_URL"]) {
    const file = env[`${key}_FILE`];
    if (file && !env[key]) out[key] = readFileSync(file, "utf8").trim();
  }
  return out;
}

/** Parses and validates the configuration; throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(withSecretFiles(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new NotaryError("CONFIG_INVALID", `Invalid configuration:\n  ${problems.join("\n  ")}`, { problems });
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
