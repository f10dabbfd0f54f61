import { expect } from "chai";
import { BrowserProvider, JsonRpcProvider, Network, Wallet } from "ethers";
import { network } from "hardhat";

import { EthersChain } from "../../../../server/src/adapters/chain/ethersChain.js";
import { EMBEDDED_DEV_KEY } from "../../../../server/src/config.js";
import { freePort } from "../../../helpers/processes.js";

/**
 * The registry adapter over JSON-RPC when the node is gone. The RPC outage
 * test found this: ethers' waitForTransaction, called while the node is
 * unreachable, rejects a promise nobody holds, and Node ends the server with
 * an unhandled rejection in the middle of an outage it should ride out.
 */
describe("EthersChain", function () {
  this.timeout(30_000);

  it("waitMined while the node is unreachable: CHAIN_UNAVAILABLE for the caller, and no unhandled rejection", async function () {
    const unhandled: unknown[] = [];
    const record = (e: unknown) => unhandled.push(e);
    // Mocha reports unhandled rejections as failures of whatever runs; this listener sees them first.
    process.prependListener("unhandledRejection", record);
    const provider = new JsonRpcProvider(`http://127.0.0.1:${await freePort()}`, Network.from(31337), { staticNetwork: true });
    try {
      const chain = new EthersChain(provider, new Wallet(EMBEDDED_DEV_KEY), "0x" + "11".repeat(20), 31337);
      const error = await chain.waitMined("0x" + "22".repeat(32), 1).then(() => null, (e: unknown) => e);
      expect(error).to.have.property("code", "CHAIN_UNAVAILABLE");
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.removeListener("unhandledRejection", record);
      provider.destroy();
    }
  });

  it("waitMined waits for the confirmations asked for, counting the transaction's own block", async function () {
    const { provider: eip1193 } = await network.create();
    const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1, pollingInterval: 20 });
    const signer = await provider.getSigner(0);
    const chain = new EthersChain(provider, signer, "0x" + "11".repeat(20), 31337, "", 20);
    const sent = await signer.sendTransaction({ to: signer.address, value: 1n });
    const mined = await chain.waitMined(sent.hash, 1);
    expect(mined).to.include({ transactionHash: sent.hash, blockNumber: (await sent.wait())!.blockNumber });
    let confirmed = false;
    const waiting = chain.waitMined(sent.hash, 3).then((m) => ((confirmed = true), m));
    await new Promise((r) => setTimeout(r, 200));
    expect(confirmed, "one block is not three").to.equal(false);
    for (let i = 0; i < 2; i++) await provider.send("evm_mine", []);
    expect((await waiting).blockNumber).to.equal(mined.blockNumber);
  });
});
