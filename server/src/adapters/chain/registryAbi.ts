/**
 * The NotaryRegistry ABI (contracts/INotaryRegistry.sol) in human-readable
 * form: all an independent verifier needs besides a JSON-RPC endpoint.
 */
export const REGISTRY_ABI = [
  "function anchor(bytes32 root, uint32 leafCount)",
  "function revoke(bytes32 root, bytes32 leaf, bytes32[] proof, uint8 reason)",
  "function anchorOf(bytes32 root) view returns (tuple(address issuer, uint64 timestamp, uint64 blockNumber, uint32 leafCount))",
  "function revocationOf(bytes32 leaf) view returns (tuple(address revoker, uint64 timestamp, uint8 reason))",
  "function verify(bytes32 leaf, bytes32[] proof, bytes32 root) view returns (uint8 status, uint64 anchoredAt)",
  "function municipality() view returns (string name, string ags)",
  "function version() pure returns (string)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "event Anchored(bytes32 indexed root, address indexed issuer, uint32 leafCount)",
  "event Revoked(bytes32 indexed root, bytes32 indexed leaf, address indexed revoker, uint8 reason)",
  "error NotaryRegistryZeroRoot()",
  "error NotaryRegistryZeroLeafCount(bytes32 root)",
  "error NotaryRegistryAlreadyAnchored(bytes32 root, uint64 anchoredAt)",
  "error NotaryRegistryUnknownRoot(bytes32 root)",
  "error NotaryRegistryInvalidProof(bytes32 root, bytes32 leaf)",
  "error NotaryRegistryAlreadyRevoked(bytes32 leaf, uint64 revokedAt)",
  "error NotaryRegistryInvalidReason(uint8 reason)",
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
] as const;
