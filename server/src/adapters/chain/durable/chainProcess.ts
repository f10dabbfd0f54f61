/**
 * The durable local chain as a child process of the server (`npm start`):
 * `node chainProcess.js <dataDir> <port>`. It reports on stdout, one JSON
 * object a line (progress of the replay, then `ready` with its URL, or
 * `error`), and stops when its parent goes away (stdin closes), on SIGTERM,
 * or when a block cannot be journaled.
 */
import { isNotaryError } from "../../../errors.js";
import { startLocalChain } from "./localChainServer.js";

const [dataDir, port] = process.argv.slice(2);
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (!dataDir || !port) {
  say({ event: "error", message: "usage: chainProcess.js <dataDir> <port>" });
  process.exit(2);
}

/** Exit codes the parent acts on: 2 means starting again would not help (do not restart), 1 anything else. */
const REFUSED = 2;

try {
  const local = await startLocalChain({
    dataDir,
    port: Number(port),
    onEvent: say,
    onFatal: (e) => {
      say({ event: "error", message: e.message });
      process.exit(1);
    },
  });
  say({ event: "ready", url: local.url, chainId: local.chain.chainId, genesisHash: local.chain.genesisHash, blocks: local.chain.blocks, pid: process.pid });
  const stop = () => local.close().then(() => process.exit(0), () => process.exit(1));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // The parent holds our stdin: when it dies (even by kill -9) the pipe closes and the chain stops with it.
  process.stdin.on("end", stop).on("error", stop).resume();
} catch (e) {
  say({ event: "error", code: isNotaryError(e) ? e.code : undefined, message: (e as Error).message });
  // Restarting would not help with these: a journal that cannot be replayed, a folder or port someone else holds.
  const final = ["CHAIN_REPLAY_DIVERGED", "CHAIN_JOURNAL_CORRUPT", "CONFIG_INVALID", "LOCKED"] as const;
  process.exit(final.some((code) => isNotaryError(e, code)) ? REFUSED : 1);
}
