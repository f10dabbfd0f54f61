/**
 * Verifies a receipt the way an independent verifier would: with
 * @openzeppelin/merkle-tree, ethers and one registry, and no code of this
 * server (README "Verifying a receipt without this server" is the same code).
 * If this passes, receipts are self-contained.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, Contract, type Provider, keccak256 } from "ethers";

const ABI = [
  "function anchorOf(bytes32 root) view returns (tuple(address issuer, uint64 timestamp, uint64 blockNumber, uint32 leafCount))",
  "function revocationOf(bytes32 leaf) view returns (tuple(address revoker, uint64 timestamp, uint8 reason))",
];

export async function verifyIndependently(receipt: any, provider: Provider): Promise<"anchored" | "revoked" | string> {
  const { sha256, salt, validFrom, validUntil } = receipt.document;
  // Version 2 receipts name their leaf encoding; version 1 leaves are [sha256, salt].
  const encoding: string[] = receipt.version === 2 ? receipt.leafEncoding : ["bytes32", "bytes32"];
  const value = receipt.version === 2 ? ["0x" + sha256, salt, validFrom, validUntil] : ["0x" + sha256, salt];
  const leaf = keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(encoding, value)));
  if (leaf !== receipt.leaf) return "invalid: leaf";
  if (!StandardMerkleTree.verify(receipt.root, encoding, value, receipt.proof)) return "invalid: proof";
  if (receipt.version === 2 && (await provider.getBlock(0))?.hash !== receipt.anchor.genesisHash) return "another chain";
  const registry = new Contract(receipt.anchor.registry, ABI, provider);
  const anchor = await registry.getFunction("anchorOf")(receipt.root);
  if (anchor.issuer.toLowerCase() !== receipt.anchor.issuer.toLowerCase()) return "invalid: issuer";
  if (Number(anchor.timestamp) !== receipt.anchor.timestamp) return "invalid: timestamp";
  const block = await provider.getBlock(receipt.anchor.blockNumber);
  if (block?.hash !== receipt.anchor.blockHash) return "invalid: block hash";
  const revocation = await registry.getFunction("revocationOf")(receipt.leaf);
  return revocation.revoker === "0x0000000000000000000000000000000000000000" ? "anchored" : "revoked";
}
