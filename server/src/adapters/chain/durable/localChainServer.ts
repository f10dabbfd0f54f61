import { NotaryError } from "../../../errors.js";
import { type ChainEvent, DurableChain, RpcError } from "./durableChain.js";
import { listenJsonRpc } from "./rpcServer.js";

export interface LocalChain {
  url: string;
  chain: DurableChain;
  /** Stops answering, waits for the request in progress, closes the journal. */
  close(): Promise<void>;
}

/**
 * The durable local chain of `npm start` and `npx notary chain`: the chain in
 * `dataDir` (replayed from its journal), served as JSON-RPC on
 * 127.0.0.1:`port` (0: any free port). The port is taken first, so a port in
 * use is reported before a long replay; while the replay runs, requests are
 * answered with an error that says how far it got.
 */
export async function startLocalChain(opts: {
  dataDir: string;
  port: number;
  onEvent?: (e: ChainEvent) => void;
  onFatal?: (e: Error) => void;
  /** The wall clock (tests move it). */
  now?: () => Date;
}): Promise<LocalChain> {
  let chain: DurableChain | null = null;
  let progress = { done: 0, total: 0 };
  let listening: Awaited<ReturnType<typeof listenJsonRpc>>;
  try {
    listening = await listenJsonRpc(async (method, params) => {
      if (!chain) throw new RpcError(-32000, `the chain is replaying its journal (block ${progress.done} of ${progress.total}); try again in a moment`);
      return chain.request(method, params);
    }, opts.port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    throw new NotaryError("CONFIG_INVALID", `Port ${opts.port} on 127.0.0.1 is in use: stop what listens there, or choose another port (CHAIN_PORT, --port)`, { port: opts.port });
  }
  const { server, url } = listening;
  const stopListening = () => {
    const closed = new Promise((r) => server.close(r));
    server.closeAllConnections();
    return closed;
  };
  try {
    chain = await DurableChain.open(opts.dataDir, {
      onFatal: opts.onFatal,
      now: opts.now,
      onEvent: (e) => {
        if (e.event === "replaying") progress = { done: e.done, total: e.total };
        opts.onEvent?.(e);
      },
    });
  } catch (e) {
    await stopListening();
    throw e;
  }
  const opened = chain;
  let closing: Promise<void> | undefined;
  return {
    url,
    chain: opened,
    close: () =>
      (closing ??= (async () => {
        await stopListening();
        await opened.close();
      })()),
  };
}
