import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider, Network, Wallet, keccak256 } from "ethers";

import { deployRegistry } from "../../../../server/src/adapters/chain/deployRegistry.js";
import { BlockJournal } from "../../../../server/src/adapters/chain/durable/blockJournal.js";
import { DurableChain, createNetwork, readBlocks } from "../../../../server/src/adapters/chain/durable/durableChain.js";
import { type LocalChain, startLocalChain } from "../../../../server/src/adapters/chain/durable/localChainServer.js";
import { replayJournal } from "../../../../server/src/adapters/chain/durable/replay.js";
import { EthersChain } from "../../../../server/src/adapters/chain/ethersChain.js";
import { EMBEDDED_DEV_KEY } from "../../../../server/src/config.js";
import { isNotaryError } from "../../../../server/src/errors.js";
import { killGroup, startNotaryChain, untilGroupGone } from "../../../helpers/processes.js";
import { track } from "../../../helpers/teardown.js";

/** Hardhat dev account #1, unlocked on the chain: a client that lets the node sign (eth_sendTransaction). */
const OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const root = () => `0x${randomBytes(32).toString("hex")}`;

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return res.json() as Promise<{ result?: any; error?: { code: number; message: string } }>;
}

const hashesOf = async (url: string, upTo: number) => {
  const hashes: string[] = [];
  for (let n = 0; n <= upTo; n++) hashes.push((await rpc(url, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false])).result.hash);
  return hashes;
};

describe("durable local chain (block journal and replay)", function () {
  this.timeout(120_000);
  let dir: string;
  const open: LocalChain[] = [];

  async function start(opts: { now?: () => Date } = {}): Promise<LocalChain> {
    const local = await startLocalChain({ dataDir: dir, port: 0, ...opts });
    const untrack = track(`durable chain ${local.url}`, () => local.close());
    const tracked = { ...local, close: () => local.close().finally(untrack) };
    open.push(tracked);
    return tracked;
  }

  /** The registry and an EthersChain on it, through the chain's JSON-RPC as the server uses it. */
  async function registryOn(url: string) {
    const provider = new JsonRpcProvider(url, Network.from(31337), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
    const signer = new Wallet(EMBEDDED_DEV_KEY, provider);
    const { address } = await deployRegistry(signer, "Stadt Musterstadt", "05334002");
    return { provider, signer, address, chain: new EthersChain(provider, signer, address, 31337) };
  }

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-chain-"));
  });

  afterEach(async function () {
    for (const local of open.splice(0)) await local.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it("comes back after a restart with every block, transaction and receipt as it was", async function () {
    const first = await start();
    const { provider, chain, address } = await registryOn(first.url);
    const anchored: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = root();
      await chain.waitMined(await chain.sendAnchor(r, 4), 1);
      anchored.push(r);
    }
    // Another client lets the node sign for an unlocked dev account: journaled too.
    const other = await rpc(first.url, "eth_sendTransaction", [{ from: OTHER, to: OTHER, value: "0x1" }]);
    const latest = Number((await rpc(first.url, "eth_blockNumber")).result);
    const before = await hashesOf(first.url, latest);
    const receipt = (await rpc(first.url, "eth_getTransactionReceipt", [other.result])).result;
    provider.destroy();
    await first.close();

    const second = await start();
    expect(second.chain.genesisHash).to.equal(before[0]);
    expect(await hashesOf(second.url, latest)).to.deep.equal(before);
    expect((await rpc(second.url, "eth_getTransactionReceipt", [other.result])).result).to.deep.equal(receipt);
    const again = await registryOn(second.url).catch(() => null); // deploying again works on the same chain
    expect(again?.address).to.not.equal(address);
    const reader = new EthersChain(new JsonRpcProvider(second.url, Network.from(31337), { staticNetwork: true }), new Wallet(EMBEDDED_DEV_KEY), address, 31337);
    for (const r of anchored) expect((await reader.anchorOf(r))?.leafCount).to.equal(4);
    again?.provider.destroy();
  });

  it("has a block on disk before the answer that reveals it", async function () {
    const local = await start();
    const sent = await rpc(local.url, "eth_sendTransaction", [{ from: OTHER, to: OTHER, value: "0x2" }]);
    const mined = (await rpc(local.url, "eth_getTransactionReceipt", [sent.result])).result;
    const onDisk = (await BlockJournal.open(path.join(dir, "blocks.journal")))!;
    await onDisk.journal.close();
    const journaled = onDisk.blocks.find((b) => b.number === Number(mined.blockNumber))!;
    expect(journaled.hash).to.equal(mined.blockHash);
    expect(journaled.transactions).to.have.length(1);
  });

  it("keeps time going from the wall clock after a restart, not from the last replayed block", async function () {
    const local = await start();
    await rpc(local.url, "eth_sendTransaction", [{ from: OTHER, to: OTHER, value: "0x1" }]);
    await local.close();
    const later = new Date(Date.now() + 3 * 86_400_000);
    const again = await start({ now: () => later });
    await rpc(again.url, "eth_sendTransaction", [{ from: OTHER, to: OTHER, value: "0x1" }]);
    const block = (await rpc(again.url, "eth_getBlockByNumber", ["latest", false])).result;
    expect(Number(block.timestamp)).to.be.within(later.getTime() / 1000 - 2, later.getTime() / 1000 + 5);
  });

  it("refuses the methods whose effects the journal could not replay, and the chain stays as it was", async function () {
    const local = await start();
    const height = (await rpc(local.url, "eth_blockNumber")).result;
    for (const [method, params] of [
      ["evm_snapshot", []],
      ["evm_revert", ["0x1"]],
      ["hardhat_setBalance", [OTHER, "0x0"]],
      ["hardhat_impersonateAccount", [OTHER]],
      ["evm_setAutomine", [false]],
      ["hardhat_mine", ["0x10"]],
      ["hardhat_reset", []],
    ] as const) {
      const { error } = await rpc(local.url, method, [...params]);
      expect(error?.code, method).to.equal(-32601);
      expect(error?.message).to.include("could not be replayed");
    }
    expect((await rpc(local.url, "eth_blockNumber")).result).to.equal(height);
  });

  it("passes reverts on with their data, so the server still maps the registry's custom errors", async function () {
    const local = await start();
    const { chain, provider } = await registryOn(local.url);
    const r = root();
    await chain.waitMined(await chain.sendAnchor(r, 1), 1);
    let error: unknown;
    await chain.sendAnchor(r, 1).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "ALREADY_ANCHORED"), String(error)).to.equal(true);
    provider.destroy();
  });

  it("answers JSON-RPC batches, and malformed requests with JSON-RPC errors", async function () {
    const local = await start();
    const post = (body: string) => fetch(local.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const batch = await (await post(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "eth_chainId" }, { jsonrpc: "2.0", id: 2, method: "nope_nope" }, 7, { jsonrpc: "2.0", method: "eth_chainId" }]))).json();
    expect(batch).to.have.length(3); // the notification (no id) gets no answer
    expect(batch[0]).to.deep.equal({ jsonrpc: "2.0", id: 1, result: "0x7a69" });
    expect(batch[1].error).to.deep.include({ code: -32601, message: "nope_nope is not supported by the durable local chain" });
    expect(batch[2].error.code).to.equal(-32600);
    expect((await (await post("{")).json()).error.code).to.equal(-32700);
    expect((await (await post("[]")).json()).error.code).to.equal(-32600);
    const huge = JSON.stringify(Array.from({ length: 1001 }, (_, id) => ({ jsonrpc: "2.0", id, method: "eth_chainId" })));
    expect((await (await post(huge)).json()).error.message).to.include("1 to 1000");
    expect((await fetch(local.url)).status).to.equal(405);
  });

  it("replays a reverted transaction's block, and a block of several transactions", async function () {
    // A reverted transaction is mined (and journaled) like any other.
    const local = await start();
    const { address, signer, provider } = await registryOn(local.url);
    const registry = new Contract(address, ["function anchor(bytes32 root, uint32 leafCount)"], signer);
    const data = registry.interface.encodeFunctionData("anchor", [`0x${"00".repeat(32)}`, 1]);
    const raw = await signer.signTransaction({ to: address, data, gasLimit: 100_000, nonce: await signer.getNonce(), chainId: 31337, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n });
    await rpc(local.url, "eth_sendRawTransaction", [raw]);
    const height = Number((await rpc(local.url, "eth_blockNumber")).result);
    const mined = (await rpc(local.url, "eth_getTransactionReceipt", [keccak256(raw)])).result;
    expect(mined).to.include({ status: "0x0", blockNumber: `0x${height.toString(16)}` });
    const hashes = await hashesOf(local.url, height);
    provider.destroy();
    await local.close();
    const again = await start();
    expect(await hashesOf(again.url, height)).to.deep.equal(hashes);
    await again.close();

    // Several transactions in one block (mined with automine off, which the chain itself never does).
    const opened = (await BlockJournal.open(path.join(dir, "blocks.journal")))!;
    await opened.journal.close();
    const source = await createNetwork(opened.header.genesis);
    const wallet = new Wallet(EMBEDDED_DEV_KEY);
    await source.provider.request({ method: "evm_setAutomine", params: [false] });
    for (let nonce = 0; nonce < 3; nonce++) {
      const tx = await wallet.signTransaction({ to: OTHER, value: 1n, nonce, gasLimit: 21_000, chainId: 31337, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n });
      await source.provider.request({ method: "eth_sendRawTransaction", params: [tx] });
    }
    await source.provider.request({ method: "evm_mine", params: [] });
    const blocks = await readBlocks(source.provider, 1, 1);
    expect(blocks[0]!.transactions).to.have.length(3);
    const target = await createNetwork(opened.header.genesis);
    await replayJournal(target.provider, opened.header, blocks, () => {});
    expect((await readBlocks(target.provider, 1, 1))[0]!.hash).to.equal(blocks[0]!.hash);
    await source.close();
    await target.close();
  });

  it("stops with CHAIN_REPLAY_DIVERGED naming the first block that does not come out the same, and changes nothing", async function () {
    const local = await start();
    for (let i = 0; i < 5; i++) await rpc(local.url, "eth_sendTransaction", [{ from: OTHER, to: OTHER, value: "0x1" }]);
    await local.close();
    const file = path.join(dir, "blocks.journal");
    const opened = (await BlockJournal.open(file))!;
    await opened.journal.close();
    // Block 3 recorded with another timestamp: replayed at that time, it gets another hash (as with a journal edited by hand).
    await rm(file);
    const edited = await BlockJournal.create(file, opened.header);
    await edited.append(opened.blocks.map((b) => (b.number === 3 ? { ...b, timestamp: b.timestamp + 1000 } : b)));
    await edited.close();
    const bytes = await readFile(file);

    let error: unknown;
    await DurableChain.open(dir).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "CHAIN_REPLAY_DIVERGED"), String(error)).to.equal(true);
    expect((error as { details: { block: number } }).details.block).to.equal(3);
    expect((error as Error).message).to.match(/diverged at block 3: its hash differs.*Way out/);
    expect(await readFile(file)).to.deep.equal(bytes);
  });

  it("stops at block 0 when the genesis the journal names cannot be created again", async function () {
    const local = await start();
    await local.close();
    const file = path.join(dir, "blocks.journal");
    const opened = (await BlockJournal.open(file))!;
    await opened.journal.close();
    await rm(file);
    const edited = await BlockJournal.create(file, { ...opened.header, genesis: { ...opened.header.genesis, initialDate: "2020-01-01T00:00:00.000Z" } });
    await edited.close();
    let error: unknown;
    await DurableChain.open(dir).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "CHAIN_REPLAY_DIVERGED"), String(error)).to.equal(true);
    expect((error as { details: { block: number } }).details.block).to.equal(0);
  });

  it("lets one process at a time use a chain folder, and takes over at once after one that was killed with SIGKILL", async function () {
    const local = await start();
    let error: unknown;
    await DurableChain.open(dir, { lockWaitMs: 200 }).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "LOCKED"), String(error)).to.equal(true);
    expect((error as Error).message).to.match(new RegExp(`Another process \\(pid ${process.pid}\\) is using`));
    await local.close();
    // A chain process killed with SIGKILL leaves its pid file behind; the lock itself died with it.
    const other = await startNotaryChain(dir);
    await killGroup(other.process.pid!, "SIGKILL");
    await untilGroupGone(other.process.pid!);
    const again = await DurableChain.open(dir, { lockWaitMs: 200 });
    await again.close();
  });

  it("refuses requests a web page could send, or for another host name: the dev keys must stay out of reach of browsers", async function () {
    const local = await start();
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [{ from: OTHER, to: OTHER, value: "0x1" }] });
    const height = (await rpc(local.url, "eth_blockNumber")).result;
    const attempts: RequestInit[] = [
      { method: "POST", headers: { "content-type": "text/plain" }, body }, // a "simple" cross-site request: no CORS preflight
      { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example" }, body },
    ];
    for (const init of attempts) {
      const res = await fetch(local.url, init);
      expect(res.status).to.equal(403);
      expect((await res.json()).error.message).to.match(/web pages|Content-Type/);
    }
    // DNS rebinding: the name resolves to 127.0.0.1, but the Host header is the attacker's.
    const { request } = await import("node:http");
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(local.url, { method: "POST", headers: { "content-type": "application/json", host: "evil.example" } }, (res) => resolve(res.statusCode!));
      req.on("error", reject);
      req.end(body);
    });
    expect(rebound).to.equal(403);
    expect((await rpc(local.url, "eth_blockNumber")).result).to.equal(height);
  });

  it("journals a transaction of every type: legacy, access list, EIP-1559 and EIP-7702 (sent raw), and replays them", async function () {
    const local = await start();
    const provider = new JsonRpcProvider(local.url, Network.from(31337), { staticNetwork: true, cacheTimeout: -1 });
    const wallet = new Wallet(EMBEDDED_DEV_KEY, provider);
    const delegate = Wallet.createRandom();
    let nonce = await wallet.getNonce();
    const fees = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n };
    const auth = await delegate.authorize({ address: OTHER, nonce: 0, chainId: 31337 });
    for (const tx of [
      { type: 0, gasPrice: 10n ** 10n },
      { type: 1, gasPrice: 10n ** 10n, accessList: [{ address: OTHER, storageKeys: [] }] },
      { type: 2, ...fees },
      { type: 4, ...fees, authorizationList: [auth] },
    ]) {
      const raw = await wallet.signTransaction({ to: OTHER, value: 1n, gasLimit: 100_000, chainId: 31337, nonce: nonce++, ...tx });
      const sent = await rpc(local.url, "eth_sendRawTransaction", [raw]);
      expect(sent.error, `type ${tx.type}`).to.equal(undefined);
    }
    const height = Number((await rpc(local.url, "eth_blockNumber")).result);
    const hashes = await hashesOf(local.url, height);
    provider.destroy();
    await local.close();
    const again = await start();
    expect(await hashesOf(again.url, height)).to.deep.equal(hashes);
  });
});
