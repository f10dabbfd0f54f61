import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { Express } from "express";
import { JsonRpcProvider, type Provider, type Signer, Wallet } from "ethers";

import { chainProbe, directoryOps } from "./adapters/chain/chainProbe.js";
import { CachingChainReader, EthersChainReader } from "./adapters/chain/chainReader.js";
import { TrustedChains, loadTrustFile } from "./adapters/chain/trustedChains.js";
import { pemCertificates } from "./adapters/timestamps/rfc3161.js";
import { tokenVerifier } from "./adapters/timestamps/tokenVerifier.js";
import { TsaClient } from "./adapters/timestamps/tsaClient.js";
import { Timestamper } from "./domain/timestamps/timestamper.js";
import { RetentionDuty } from "./domain/documents/retention.js";
import { acquireLock } from "./adapters/chain/durable/lock.js";
import { EmbeddedNode } from "./adapters/chain/embeddedNode.js";
import { EthersChain } from "./adapters/chain/ethersChain.js";
import type { BlobStore } from "./adapters/content/blobs.js";
import { loadMasterKey } from "./adapters/content/envelope.js";
import { HeliaBlobs } from "./adapters/content/heliaBlobs.js";
import { KuboBlobs } from "./adapters/content/kuboBlobs.js";
import { LocalBlobs } from "./adapters/content/localBlobs.js";
import { Originals } from "./adapters/content/originals.js";
import { DurableFiles } from "./adapters/files/durableFiles.js";
import { POSTGRES_MARKER, openStore } from "./adapters/store/openStore.js";
import { createApp } from "./app.js";
import { type Config, EMBEDDED_DEV_KEY, isLoopbackHost, loadConfig } from "./config.js";
import { AnchoringWorker } from "./domain/anchoring/anchoringWorker.js";
import type { Clock, Store } from "./domain/ports.js";
import { connectLocalDirectory } from "./domain/registry/connectDirectory.js";
import { connectRegistry } from "./domain/registry/connectRegistry.js";
import type { Municipality } from "./domain/types.js";
import type { TrustedDirectory } from "./domain/verification/identity.js";
import { HashVerifier } from "./domain/verification/verifyHash.js";
import { NotaryError, isNotaryError } from "./errors.js";
import { createLogger } from "./logger.js";
import type { Logger } from "pino";
import { createMetrics } from "./metrics.js";
import { FencedChain } from "./leader/fencedChain.js";
import { Leadership } from "./leader/leadership.js";

const systemClock: Clock = { now: () => Date.now() };

/**
 * Requests Node's HTTP parser rejects (malformed, headers too large, header
 * timeout) never reach Express: answer them with problem+json too.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err as { code?: string }).code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const [status, title] =
    err.code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large"]
    : err.code === "ERR_HTTP_REQUEST_TIMEOUT" || err.code === "ERR_HTTP_HEADERS_TIMEOUT" ? [408, "Request Timeout"]
    : [400, "Bad Request"];
  const body = JSON.stringify({ type: "urn:notary:error:invalid-request", title, status, detail: "The HTTP request could not be parsed", code: "INVALID_REQUEST" });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Where the chain comes from when not from the configuration (tests pass Hardhat's in-process network). */
export interface ChainOverride {
  provider: Provider;
  signer: Signer;
}

export interface RunningServer {
  url: string;
  app: Express;
  registry: string;
  chainUrl: string | null;
  close(): Promise<void>;
}

function blobStoreFor(config: Config): BlobStore {
  if (config.IPFS_MODE === "kubo") return new KuboBlobs(config.KUBO_API_URL!);
  if (config.IPFS_MODE === "embedded") return new HeliaBlobs(path.join(config.dataDir, "ipfs"));
  return new LocalBlobs(path.join(config.dataDir, "originals"));
}

async function openChain(config: Config, logger: Logger, onFatal: (e: Error) => void, override?: ChainOverride) {
  if (override) return { ...override, node: null as EmbeddedNode | null, url: null as string | null };
  let url = config.RPC_URL;
  let node: EmbeddedNode | null = null;
  if (!url) {
    try {
      createRequire(import.meta.url).resolve("hardhat/package.json");
    } catch {
      throw new NotaryError("CONFIG_INVALID", "RPC_URL is not set, and the embedded local chain needs Hardhat, which a production install (npm ci --omit=dev) leaves out: set RPC_URL, SIGNER_KEY and REGISTRY_ADDRESS (README \"Production install\")");
    }
    node = await EmbeddedNode.start({ dataDir: config.dataDir, port: config.CHAIN_PORT, log: logger, onFatal });
    url = node.url;
  }
  // staticNetwork and no cache: one signer, one writer, nonces never stale (DESIGN.md "Environment facts").
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
  const signer = new Wallet(config.SIGNER_KEY ?? EMBEDDED_DEV_KEY, provider);
  return { provider, signer, node, url };
}

/**
 * Whom verification trusts (DESIGN.md "Trust configuration"): TRUST_FILE when
 * set; else DIRECTORY_ADDRESS on this chain; else, without RPC_URL, a local
 * trial directory deployed on the local chain that lists this registry.
 */
async function connectTrust(
  config: Config,
  c: {
    store: Store; provider: Provider; signer: Signer; signerAddress: string; registry: string; municipality: Municipality;
    chainId: number; genesisHash: string; chainUrl: string | null; log: Logger;
  },
): Promise<{ directory: string | null; trust: TrustedDirectory[] }> {
  const local = !config.RPC_URL && !config.TRUST_FILE && !config.DIRECTORY_ADDRESS;
  const directory = local
    ? await connectLocalDirectory({ store: c.store, ops: directoryOps(c.provider, c.signer), signer: c.signerAddress, registry: c.registry, municipality: c.municipality, genesisHash: c.genesisHash, log: c.log })
    : (config.DIRECTORY_ADDRESS ?? null);
  if (config.TRUST_FILE) return { directory, trust: await loadTrustFile(config.TRUST_FILE) };
  if (!directory) return { directory, trust: [] };
  const name = local ? "Local trial directory (npm start)" : `Directory ${directory}`;
  return { directory, trust: [{ name, chainId: c.chainId, genesisHash: c.genesisHash, rpcUrls: c.chainUrl ? [c.chainUrl] : [], directory, local }] };
}

/** The TSA roots of TSA_CA_FILE (also copied to `<dataDir>/tsa-ca.pem`, where `npx notary verify` finds them). */
async function loadTsaRoots(config: Config): Promise<Buffer[]> {
  if (!config.TSA_CA_FILE) return [];
  let pem: string;
  try {
    pem = await readFile(config.TSA_CA_FILE, "utf8");
  } catch (e) {
    throw new NotaryError("CONFIG_INVALID", `TSA_CA_FILE ${config.TSA_CA_FILE} cannot be read: ${(e as Error).message}`);
  }
  const roots = pemCertificates(pem);
  if (roots.length === 0) throw new NotaryError("CONFIG_INVALID", `TSA_CA_FILE ${config.TSA_CA_FILE} holds no PEM certificate`);
  await writeFile(path.join(config.dataDir, "tsa-ca.pem"), pem, { mode: 0o644 });
  return roots;
}

/**
 * Writes the trust this server verifies with to `<dataDir>/trust.json`, so
 * that `npx notary verify` in the same folder verifies with it too (only
 * entries it can reach by RPC: an in-process chain has no URL).
 */
async function writeTrustFile(dataDir: string, trust: TrustedDirectory[]): Promise<void> {
  const reachable = trust.filter((d) => d.rpcUrls.length > 0).map(({ local: _local, ...d }) => d);
  const file = path.join(dataDir, "trust.json");
  if (reachable.length === 0) return;
  await writeFile(`${file}.tmp`, JSON.stringify(reachable, null, 2) + "\n", { mode: 0o644 });
  await rename(`${file}.tmp`, file);
}

/**
 * Starts everything: store, originals, chain (the embedded Hardhat node unless
 * RPC_URL is set), registry (deployed when needed), anchoring worker, HTTP.
 */
export async function startServer(config: Config, override?: ChainOverride): Promise<RunningServer> {
  const logger = createLogger(config.LOG_LEVEL);
  if (!config.RPC_URL && !override && config.CONFIRMATIONS > 1) {
    throw new NotaryError("CONFIG_INVALID", "The embedded Hardhat node mines a block only per transaction: keep CONFIRMATIONS=1 with it");
  }
  if (config.DATABASE_URL && !config.RPC_URL && !override) {
    throw new NotaryError("CONFIG_INVALID", "DATABASE_URL is set but RPC_URL is not: instances that share a database must share one chain (e.g. `npx notary chain`); each would otherwise start its own embedded chain");
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // One server per data directory: a second one would clear the first one's temporary uploads.
  const unlockDataDir = await acquireLock(config.dataDir, "server", 10_000);
  let opened: Awaited<ReturnType<typeof openStore>>;
  let waited = 0;
  try {
    // An idle pooled connection the database dropped (a restart): the pool replaces it; requests meanwhile get 503.
    opened = await openStore(config, {
      onError: (e) => logger.warn({ err: e }, "a database connection was lost; it is replaced on the next request"),
      // An instance that boots before its database waits for it a while (then exits, for the service manager to restart it).
      waitMs: 30_000,
      onWait: () => void (waited++ === 0 && logger.warn("the database (DATABASE_URL) is not reachable yet; waiting up to 30 s")),
    });
  } catch (e) {
    await unlockDataDir();
    throw e;
  }
  const { store, election } = opened;
  const marker = path.join(config.dataDir, POSTGRES_MARKER);
  try {
    if (config.DATABASE_URL) await writeFile(marker, "This server keeps its state in PostgreSQL (DATABASE_URL). Commands such as `npx notary clerk add` need DATABASE_URL too.\n");
    else await rm(marker, { force: true });
  } catch (e) {
    await store.close();
    await unlockDataDir();
    throw e;
  }
  const temp = new DurableFiles(config.dataDir);
  await temp.init();
  const content = new Originals(temp, blobStoreFor(config), await loadMasterKey(config.MASTER_KEY, path.join(config.dataDir, "master.key")));
  try {
    await content.ready();
  } catch (e) {
    await store.close();
    await unlockDataDir();
    throw e;
  }
  let close: () => Promise<void> = async () => {};
  // The embedded chain's journal could not be replayed after a restart of the chain process: stop, loudly.
  const onFatal = (e: Error) => {
    logger.fatal({ err: e }, "the embedded chain cannot run; Notary stops");
    void close().finally(() => process.exit(1));
  };
  let chainParts: Awaited<ReturnType<typeof openChain>>;
  try {
    chainParts = await openChain(config, logger, onFatal, override);
  } catch (e) {
    await content.close();
    await store.close();
    await unlockDataDir();
    throw e;
  }
  const { provider, signer, node, url: chainUrl } = chainParts;
  try {
    const signerAddress = await signer.getAddress();
    const municipality = { name: config.MUNICIPALITY_NAME, ags: config.MUNICIPALITY_AGS };
    // Instances starting together take turns here: the first deploys what is missing, the others adopt it.
    const { registry, chainId, genesisHash, chain, onChainMunicipality, directory, trust } = await election.exclusive(async () => {
      const connected = await connectRegistry({
        store, probe: chainProbe(provider, signer), signer: signerAddress, municipality, configured: config.REGISTRY_ADDRESS, reanchor: config.REANCHOR, log: logger,
      });
      const chain = new EthersChain(provider, signer, connected.registry, connected.chainId, connected.genesisHash);
      const onChainMunicipality = await chain.municipality();
      const trusted = await connectTrust(config, {
        store, provider, signer, signerAddress, registry: connected.registry, municipality: onChainMunicipality, chainId: connected.chainId, genesisHash: connected.genesisHash, chainUrl, log: logger,
      });
      return { ...connected, chain, onChainMunicipality, ...trusted };
    });
    const ownReader = new CachingChainReader(new EthersChainReader(provider, chainId, chainUrl ?? "in-process"), systemClock);
    const chains = new TrustedChains({ reader: ownReader, genesisHash }, trust, systemClock);
    await writeTrustFile(config.dataDir, trust);
    const receiptExtras = async (batchId: number) => ({ directory: directory ? { chainId, address: directory } : null, coAnchors: await store.coAnchorsOf(batchId) });
    const tsaRoots = await loadTsaRoots(config);
    const timestamps = tokenVerifier(tsaRoots);
    const metrics = createMetrics(() => store.countUnbatched(), () => store.countAwaitingCoAnchor("rfc3161"));
    const verifier = new HashVerifier({ store, reader: ownReader, clock: systemClock, municipality: onChainMunicipality, trust, receiptExtras, timestamps });
    const timestamper =
      config.TSA_URL.length > 0
        ? new Timestamper({
            store, tsa: new TsaClient(config.TSA_URL, tsaRoots), clock: systemClock, log: logger,
            onResult: (ok) => metrics.tsaRequests.inc({ result: ok ? "ok" : "error" }),
          })
        : null;
    if (!config.FOUR_EYES) {
      const waiting = (await store.awaitingApproval(10_000)).length;
      if (waiting > 0) logger.warn({ waiting }, `${waiting} document(s) registered under FOUR_EYES still await approval and are not anchored: approve or reject them (clerk page, POST /api/v1/documents/{sha256}/approval)`);
    }
    const retention = new RetentionDuty({ store, content, clock: systemClock, log: logger, intervalMs: Math.max(config.BATCH_INTERVAL_MS, 100) });
    // The leader's duties send transactions only while its election holds (a deposed leader sends nothing more).
    const worker = new AnchoringWorker({
      store, chain: new FencedChain(chain, election), clock: systemClock, log: logger,
      confirmations: config.CONFIRMATIONS, batchIntervalMs: config.BATCH_INTERVAL_MS, batchMax: config.BATCH_MAX,
      auditCommitIntervalMs: config.AUDIT_COMMIT_INTERVAL_MS,
      onBatchConfirmed: (batch, createdAt) => {
        metrics.batchesAnchored.inc();
        metrics.documentsAnchored.inc(batch.leafCount);
        const now = systemClock.now();
        for (const t of createdAt) metrics.anchorLatency.observe((now - t) / 1000);
      },
    });
    const leadership = new Leadership({
      election, log: logger, duties: [worker, ...(timestamper ? [timestamper] : []), retention],
      onChange: (leading) => metrics.leader.set(leading ? 1 : 0),
    });
    const app = createApp({
      store, content, chain, clock: systemClock, verifier, worker, metrics, logger, chains, receiptExtras, timestamps, timestamper,
      registry: { chainId, genesisHash, address: registry, municipality: onChainMunicipality, version: await chain.version(), directory },
      maxUploadBytes: config.MAX_UPLOAD_BYTES, batchMax: config.BATCH_MAX, publicUrl: config.PUBLIC_URL,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE, trustProxy: config.TRUST_PROXY,
      retentionDays: config.RETENTION_DAYS, retention, fourEyes: config.FOUR_EYES, leadership, election,
      storeKind: config.DATABASE_URL ? "postgresql" : "sqlite",
    });
    const server = app.listen(config.PORT, config.HOST);
    await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
    server.requestTimeout = 30 * 60_000; // a 50 MiB upload on a slow line
    server.headersTimeout = 20_000; // slow-header clients (slowloris) are dropped
    server.maxHeadersCount = 100;
    server.on("clientError", answerClientError);
    // The first election runs now; with SQLite this instance always leads, on PostgreSQL one instance does.
    await leadership.start();
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
    if (!config.PUBLIC_URL && !isLoopbackHost(config.HOST)) {
      logger.warn(
        { host: config.HOST },
        "PUBLIC_URL IS NOT SET while this server is reachable beyond this machine: receipt links and the QR codes printed on PDF receipts will name whatever host a request used. Set PUBLIC_URL to the address citizens reach this server at (e.g. https://pruefung.musterstadt.de).",
      );
    }
    logger.info(
      { url, registry, chainId, chain: chainUrl ?? "in-process", dataDir: config.dataDir, store: config.DATABASE_URL ? "postgresql" : "sqlite", instance: election.instance, leading: leadership.leading },
      `Notary listening on ${url}`,
    );

    let closing: Promise<void> | undefined;
    close = () =>
      (closing ??= (async () => {
        logger.info("shutting down: draining requests");
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections become idle as their requests finish: close them as they do.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 30_000).unref();
        await drained;
        clearInterval(idle);
        clearTimeout(force);
        await leadership.stop();
        await content.close();
        await store.close();
        await node?.stop();
        await unlockDataDir();
        logger.info("stopped");
      })());
    return { url, app, registry, chainUrl, close };
  } catch (e) {
    await content.close();
    await store.close();
    await node?.stop();
    await unlockDataDir();
    throw e;
  }
}

async function main(): Promise<void> {
  let running: RunningServer;
  let config: Config;
  try {
    config = loadConfig();
    running = await startServer(config);
  } catch (e) {
    console.error(isNotaryError(e) ? `notary: ${e.message}` : e);
    process.exit(1);
  }
  // Every promise the server starts is awaited or caught; should one slip through (a bug), it is logged, and requests go on being served.
  process.on("unhandledRejection", (reason) => console.error("notary: unhandled promise rejection (please report this bug); the server keeps running:", reason));
  const dataDirOption = path.resolve(config.dataDir) === path.resolve("data") ? "" : ` --data-dir ${config.dataDir}`;
  // Never the URL itself: it holds the database password.
  const clerkAdd = config.DATABASE_URL ? `DATABASE_URL=<this server's DATABASE_URL> npx notary clerk add "<name>"` : `npx notary${dataDirOption} clerk add "<name>"`;
  console.error(`\n  Notary is running: ${running.url}\n  API: ${running.url}/openapi.json\n  Create a clerk key: ${clerkAdd}\n`);
  // A second signal while stopping (npm passes one on to the process group as well) must not cut the graceful stop short.
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      running.close().then(
        () => process.exit(0),
        (e) => {
          console.error(e);
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
