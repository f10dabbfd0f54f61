/**
 * Gas per document: our anchor against EAS (timestamp, multiTimestamp,
 * attest, multiAttest) and a one-hash-per-transaction registry, all on the
 * same in-process chain in the same run. Gas is deterministic, so one run
 * per figure is enough.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { AbiCoder, ContractFactory, type ContractTransactionResponse, ZeroAddress, ZeroHash, getBytes, id } from "ethers";

import { makeBatch, randomBytes32 } from "../test/helpers/merkle.js";

const require = createRequire(import.meta.url);
const easArtifact = (name: string) =>
  JSON.parse(readFileSync(require.resolve(`@ethereum-attestation-service/eas-contracts/artifacts/contracts/${name}.sol/${name}.json`), "utf8"));

export const BATCH_SIZES = [1, 16, 256, 1024, 4096];
/** Hardhat 3's chain caps a transaction at 16,777,216 gas (EIP-7825): EAS batches are split. */
const TIMESTAMPS_PER_TX = 512;
const ATTESTATIONS_PER_TX = 96;

const gasOf = async (tx: Promise<ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);

/** The lower bound for a transaction that writes one new storage slot with this calldata. */
function oneSlotMinimum(data: string): number {
  const bytes = getBytes(data);
  const calldata = bytes.reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
  return 21_000 + calldata + 22_100;
}

export interface GasRow {
  design: string;
  batchSize: number;
  transactions: number;
  gasPerDocument: number;
}

export async function gasBenchmark(ethers: HardhatEthers) {
  const [admin] = await ethers.getSigners();
  const registry = await ethers.deployContract("NotaryRegistry", [admin!.address, "Stadt Musterstadt", "05334002"]);
  await (await registry.grantRole(id("ISSUER_ROLE"), admin!.address)).wait();
  await (await registry.grantRole(id("REVOKER_ROLE"), admin!.address)).wait();
  const oneHash = await ethers.deployContract("OneHashPerTxRegistry");

  const sr = easArtifact("SchemaRegistry");
  const schemaRegistry = await new ContractFactory(sr.abi, sr.bytecode, admin).deploy();
  const easA = easArtifact("EAS");
  const eas = await new ContractFactory(easA.abi, easA.bytecode, admin).deploy(await schemaRegistry.getAddress());
  const registerTx = await schemaRegistry.getFunction("register")("bytes32 documentHash", ZeroAddress, true);
  const schemaUid = (await registerTx.wait())!.logs[0]!.topics[1]!;

  const rows: GasRow[] = [];
  let revokeGas = 0;
  let anchorMinimumRatio = 0;
  const attestation = (hash: string) => ({
    recipient: ZeroAddress, expirationTime: 0n, revocable: true, refUID: ZeroHash, data: AbiCoder.defaultAbiCoder().encode(["bytes32"], [hash]), value: 0n,
  });

  for (const n of BATCH_SIZES) {
    const batch = makeBatch(n);
    const tx = await registry.anchor(batch.root, n);
    const anchorGas = Number((await tx.wait())!.gasUsed);
    rows.push({ design: "Notary anchor (one root)", batchSize: n, transactions: 1, gasPerDocument: anchorGas / n });
    anchorMinimumRatio = anchorGas / oneSlotMinimum(tx.data);
    if (n === 1024) revokeGas = await gasOf(registry.revoke(batch.root, batch.leafOf(600), batch.tree.getProof(600), 1));

    const hashes = Array.from({ length: n }, randomBytes32);
    let gas = 0;
    let txs = 0;
    for (let i = 0; i < n; i += TIMESTAMPS_PER_TX, txs++) gas += await gasOf(eas.getFunction("multiTimestamp")(hashes.slice(i, i + TIMESTAMPS_PER_TX)));
    rows.push({ design: "EAS multiTimestamp", batchSize: n, transactions: txs, gasPerDocument: gas / n });

    gas = 0;
    txs = 0;
    for (let i = 0; i < n; i += ATTESTATIONS_PER_TX, txs++) {
      const data = hashes.slice(i, i + ATTESTATIONS_PER_TX).map(attestation);
      gas += await gasOf(eas.getFunction("multiAttest")([{ schema: schemaUid, data }]));
    }
    rows.push({ design: "EAS multiAttest", batchSize: n, transactions: txs, gasPerDocument: gas / n });
  }

  // Designs whose cost per document does not depend on the batch: measured over 16 documents.
  const per = async (label: string, send: (h: string) => Promise<ContractTransactionResponse>) => {
    let gas = 0;
    for (let i = 0; i < 16; i++) gas += await gasOf(send(randomBytes32()));
    for (const n of BATCH_SIZES) rows.push({ design: label, batchSize: n, transactions: n, gasPerDocument: gas / 16 });
  };
  await per("EAS timestamp (one tx per document)", (h) => eas.getFunction("timestamp")(h));
  await per("EAS attest (one tx per document)", (h) => eas.getFunction("attest")({ schema: schemaUid, data: attestation(h) }));
  await per("One hash per transaction (typical design)", (h) => oneHash.getFunction("register")(h));

  return { rows, revokeGas, anchorMinimumRatio };
}
