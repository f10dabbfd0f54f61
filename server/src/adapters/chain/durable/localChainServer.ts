import { type ChainEvent, DurableChain } from "./durableChain.js";
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
 * 127.0.0.1:`port` (0: any free port).
 */
export async function startLocalChain(opts: {
  dataDir: string;
  port: number;
  onEvent?: (e: ChainEvent) => void;
  onFatal?: (e: Error) => void;
  /** The wall clock (tests move it). */
  now?: () => Date;
}): Promise<LocalChain> {
  const chain = await DurableChain.open(opts.dataDir, { onEvent: opts.onEvent, onFatal: opts.onFatal, now: opts.now });
  let listening: Awaited<ReturnType<typeof listenJsonRpc>>;
  try {
    listening = await listenJsonRpc((method, params) => chain.request(method, params), opts.port);
  } catch (e) {
    await chain.close();
    throw (e as NodeJS.ErrnoException).code === "EADDRINUSE"
      ? new Error(`Port ${opts.port} on 127.0.0.1 is in use: stop what listens there or choose another port (CHAIN_PORT / --port)`)
      : e;
  }
  const { server, url } = listening;
  let closing: Promise<void> | undefined;
  return {
    url,
    chain,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise((r) => server.close(r));
        server.closeAllConnections();
        await closed;
        await chain.close();
      })()),
  };
}
