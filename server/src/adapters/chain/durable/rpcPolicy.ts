/**
 * Which JSON-RPC methods the durable local chain serves. Everything that
 * changes the chain must be replayable from the journal (raw signed
 * transactions and block timestamps), so methods that rewrite state or
 * history outside transactions (snapshots, `hardhat_set*`, impersonation,
 * manual mining modes) are refused. The public read-only set is what other
 * municipalities' verifiers need (DESIGN.md "The local chain keeps its history").
 */

/** Reads that any verifier needs: chain id, blocks, transactions, receipts, logs, code, calls. */
export const PUBLIC_READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
  "eth_getCode",
  "eth_call",
]);

/** Further reads for local clients (wallets, Hardhat Ignition, ethers): nothing here changes the chain. */
const LOCAL_READ_METHODS = new Set([
  ...PUBLIC_READ_METHODS,
  "eth_accounts",
  "eth_coinbase",
  "eth_estimateGas",
  "eth_createAccessList",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_blobBaseFee",
  "eth_getBalance",
  "eth_getStorageAt",
  "eth_getProof",
  "eth_getTransactionCount",
  "eth_getBlockReceipts",
  "eth_getBlockTransactionCountByHash",
  "eth_getBlockTransactionCountByNumber",
  "eth_getTransactionByBlockHashAndIndex",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_getUncleByBlockHashAndIndex",
  "eth_getUncleByBlockNumberAndIndex",
  "eth_getUncleCountByBlockHash",
  "eth_getUncleCountByBlockNumber",
  "eth_newFilter",
  "eth_newBlockFilter",
  "eth_newPendingTransactionFilter",
  "eth_getFilterChanges",
  "eth_getFilterLogs",
  "eth_uninstallFilter",
  "eth_mining",
  "eth_hashrate",
  "eth_syncing",
  "eth_protocolVersion",
  "eth_sign",
  "personal_sign",
  "eth_signTypedData_v4",
  "net_listening",
  "net_peerCount",
  "web3_clientVersion",
  "web3_sha3",
  "hardhat_metadata",
  "hardhat_getAutomine",
  "debug_traceTransaction",
  "debug_traceCall",
]);

/** Methods that mine blocks (automining is always on): the new blocks are journaled before the answer. */
const MINING_METHODS = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine"]);

/** Methods that only move the clock of future blocks, whose timestamps the journal records. */
const CLOCK_METHODS = new Set(["evm_setNextBlockTimestamp", "evm_increaseTime"]);

/** Methods that would change the chain outside transactions: the journal could not replay them. */
const UNREPLAYABLE = /^(hardhat_|evm_|anvil_)/;

export type MethodClass = "read" | "mines" | "clock" | "unreplayable" | "unsupported";

/** How the durable chain treats a method. */
export function classify(method: string): MethodClass {
  if (LOCAL_READ_METHODS.has(method)) return "read";
  if (MINING_METHODS.has(method)) return "mines";
  if (CLOCK_METHODS.has(method)) return "clock";
  return UNREPLAYABLE.test(method) ? "unreplayable" : "unsupported";
}
