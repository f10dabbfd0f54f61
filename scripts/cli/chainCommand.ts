import path from "node:path";

import type { Command } from "commander";

import type { ChainEvent } from "../../server/src/adapters/chain/durable/durableChain.js";
import { CliError, printer } from "./output.js";

interface ChainOptions {
  port: string;
}

/** One line a progress event, for a terminal. */
function describe(e: ChainEvent): string {
  switch (e.event) {
    case "created":
      return `New chain created (genesis ${e.genesisHash}); every block is journaled to ${e.journal}`;
    case "replaying":
      return `Replaying the journal: block ${e.done.toLocaleString("en")} of ${e.total.toLocaleString("en")}`;
    case "replayed":
      return `Replayed ${e.blocks.toLocaleString("en")} blocks in ${(e.ms / 1000).toFixed(1)} s (${e.blocksPerSecond.toLocaleString("en")} blocks/s); every block hash as journaled`;
    case "torn-record-dropped":
      return `The journal ended in a torn record (${e.bytes} bytes, a crash while writing it): dropped; its block had never been handed out`;
    case "hardhat-version-changed":
      return `Warning: the journal was written by Hardhat ${e.journal}, this is ${e.running}; every replayed block hash is checked`;
  }
}

/**
 * `notary chain`: the durable local chain of `npm start` as a command of its
 * own, for a partner municipality that deploys its registry on a local chain
 * and points its server at it with RPC_URL.
 */
export function chainCommand(program: Command): void {
  program
    .command("chain")
    .description("run a local Hardhat chain on 127.0.0.1 that keeps its history (a block journal, replayed on start)")
    .option("--port <port>", "the JSON-RPC port on 127.0.0.1", "8545")
    .addHelpText(
      "after",
      "\nIts folder is --data-dir (default here: ./chain, a folder of its own), which holds the block journal. The chain unlocks Hardhat's public development accounts: it listens on 127.0.0.1 only. Stop it with Ctrl-C; start it again with the same folder and every block, transaction and receipt is back.",
    )
    .action(async (opts: ChainOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError("--port must be a port number 1..65535");
      // The global --data-dir names the chain's folder when given; otherwise a folder of its own, not the server's ./data.
      const dir = path.resolve(program.getOptionValueSource("dataDir") === "cli" ? program.opts<{ dataDir: string }>().dataDir : "chain");
      const json = Boolean(program.opts().json);
      const say = printer(json);
      // Loaded only here: Hardhat is needed for the local chain, not for the other commands.
      const { startLocalChain } = await import("../../server/src/adapters/chain/durable/localChainServer.js");
      const local = await startLocalChain({
        dataDir: dir,
        port,
        onEvent: (e) => say(e, describe(e)),
        onFatal: (e) => {
          console.error(`notary: the chain stops: ${e.message}`);
          process.exit(3);
        },
      });
      say(
        { event: "ready", url: local.url, chainId: local.chain.chainId, genesisHash: local.chain.genesisHash, blocks: local.chain.blocks, chainDir: dir },
        [
          `Durable local chain on ${local.url}: chain id ${local.chain.chainId}, genesis ${local.chain.genesisHash}, ${local.chain.blocks} blocks`,
          `Journal: ${path.join(dir, "blocks.journal")} (back it up with the chain's receipts; never delete it while they are in use)`,
          `Accounts: Hardhat's development accounts (their keys are public: this chain is for trials and development)`,
          `Deploy a registry: npx notary deploy --rpc ${local.url} --name "<municipality>" --ags <AGS> --operator <service account>`,
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
      });
      await local.close();
      if (!json) console.log("Chain stopped; its journal is on disk.");
    });
}
