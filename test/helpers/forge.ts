/**
 * The attacker's tools: a look-alike registry deployed by anyone, and a
 * well-formed receipt (v1 or v2) for a document anchored in it. Such a
 * receipt is authentic as far as the chain goes; only the issuer's identity
 * (a trusted directory) can tell it apart from the real municipality's.
 */
import { createHash, randomBytes } from "node:crypto";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { Contract, ContractFactory, type Signer, id } from "ethers";

import { loadArtifact } from "../../server/src/adapters/chain/deployRegistry.js";

/** A NotaryRegistry with any name and AGS, its deployer holding every role. */
export async function lookAlikeRegistry(signer: Signer, name: string, ags: string): Promise<Contract> {
  const artifact = await loadArtifact("NotaryRegistry");
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(await signer.getAddress(), name, ags);
  await contract.waitForDeployment();
  const registry = new Contract(await contract.getAddress(), artifact.abi, signer);
  await (await registry.getFunction("grantRole")(id("ISSUER_ROLE"), await signer.getAddress())).wait();
  return registry;
}

/**
 * Anchors `content` alone in `registry` and writes the receipt the server would have written, in `version`;
 * `leaf` overrides what the leaf commits to (e.g. an audit head: its hash, the audit marker, an empty period).
 */
export async function forgedReceipt(
  registry: Contract,
  content: string | Uint8Array,
  version: 1 | 2 = 2,
  leaf: { sha256?: string; salt?: string; validFrom?: number; validUntil?: number } = {},
) {
  const sha256 = leaf.sha256 ?? createHash("sha256").update(content).digest("hex");
  const salt = leaf.salt ?? "0x" + randomBytes(32).toString("hex");
  const [validFrom, validUntil] = [leaf.validFrom ?? 0, leaf.validUntil ?? 0];
  const encoding = version === 2 ? ["bytes32", "bytes32", "uint64", "uint64"] : ["bytes32", "bytes32"];
  const value = version === 2 ? ["0x" + sha256, salt, validFrom, validUntil] : ["0x" + sha256, salt];
  const tree = StandardMerkleTree.of([value], encoding);
  const mined = await (await registry.getFunction("anchor")(tree.root, 1)).wait();
  const provider = registry.runner!.provider!;
  const block = await provider.getBlock(mined.blockNumber);
  const [name, ags] = await registry.getFunction("municipality")();
  const anchor = {
    chainId: Number((await provider.getNetwork()).chainId),
    ...(version === 2 ? { genesisHash: (await provider.getBlock(0))!.hash } : {}),
    registry: await registry.getAddress(),
    transactionHash: mined.hash,
    blockNumber: mined.blockNumber,
    blockHash: block!.hash,
    timestamp: block!.timestamp,
    issuer: await (registry.runner as Signer).getAddress(),
  };
  return {
    type: "NotaryReceipt",
    version,
    document: version === 2 ? { sha256, salt, validFrom, validUntil } : { sha256, salt },
    ...(version === 2 ? { leafEncoding: encoding } : {}),
    leaf: tree.leafHash(value),
    proof: tree.getProof(0),
    root: tree.root,
    anchor,
    municipality: { name, ags },
    ...(version === 2 ? { coAnchors: [] } : {}),
  };
}
