import { AbiCoder, keccak256 } from "ethers";

/** A document's leaf: `keccak256(bytes.concat(keccak256(abi.encode(sha256, salt))))`, as StandardMerkleTree hashes it. */
export function leafOf(sha256: string, salt: string): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], ["0x" + sha256, salt])));
}
