// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title INotaryRegistry
/// @notice A municipality's registry of notarised documents. Each anchor is the
/// root of a Merkle tree (OpenZeppelin `StandardMerkleTree`, leaf encoding
/// `["bytes32","bytes32"]`) whose leaves are `[sha256(document), salt]`. Only
/// roots and salted leaves ever reach the chain: nobody can confirm or guess a
/// document without its receipt.
/// @dev Leaves are double-hashed: `keccak256(bytes.concat(keccak256(abi.encode(sha256, salt))))`.
interface INotaryRegistry {
    /// @notice Who anchored a root, and when.
    /// @param issuer The account that anchored the root; zero when the root is unknown.
    /// @param timestamp The block timestamp of the anchoring transaction (seconds since the epoch).
    /// @param blockNumber The number of the block that holds the anchoring transaction.
    /// @param leafCount How many documents the batch behind the root holds.
    struct Anchor {
        address issuer;
        uint64 timestamp;
        uint64 blockNumber;
        uint32 leafCount;
    }

    /// @notice Who revoked a leaf, when, and why.
    /// @param revoker The account that revoked the leaf; zero when the leaf is not revoked.
    /// @param timestamp The block timestamp of the revocation.
    /// @param reason 1 withdrawn, 2 issued in error, 3 superseded, 4 expired, 255 other.
    struct Revocation {
        address revoker;
        uint64 timestamp;
        uint8 reason;
    }

    /// @notice What the registry knows about a leaf under a root.
    enum Status {
        Unknown,
        Anchored,
        Revoked
    }

    /// @notice Emitted when a batch root is anchored.
    /// @param root The Merkle root of the batch.
    /// @param issuer The account that anchored it.
    /// @param leafCount How many documents the batch holds.
    event Anchored(bytes32 indexed root, address indexed issuer, uint32 leafCount);

    /// @notice Emitted when a document's leaf is revoked.
    /// @param root The anchored root the leaf was proven under.
    /// @param leaf The revoked leaf.
    /// @param revoker The account that revoked it.
    /// @param reason The revocation reason code.
    event Revoked(bytes32 indexed root, bytes32 indexed leaf, address indexed revoker, uint8 reason);

    /// @notice Thrown when the admin given to the constructor is the zero address.
    error NotaryRegistryZeroAdmin();

    /// @notice Thrown when the municipality's name is empty.
    error NotaryRegistryEmptyName();

    /// @notice Thrown when the AGS is not exactly eight ASCII digits.
    /// @param ags The rejected Amtlicher Gemeindeschlüssel.
    error NotaryRegistryInvalidAgs(string ags);

    /// @notice Thrown when the zero root is anchored.
    error NotaryRegistryZeroRoot();

    /// @notice Thrown when a root is anchored with a leaf count of zero.
    /// @param root The root that was to be anchored.
    error NotaryRegistryZeroLeafCount(bytes32 root);

    /// @notice Thrown when a root is anchored a second time.
    /// @param root The root that is already anchored.
    /// @param anchoredAt When it was first anchored.
    error NotaryRegistryAlreadyAnchored(bytes32 root, uint64 anchoredAt);

    /// @notice Thrown when a revocation names a root that was never anchored.
    /// @param root The unknown root.
    error NotaryRegistryUnknownRoot(bytes32 root);

    /// @notice Thrown when a revocation's proof does not lead from the leaf to the root.
    /// @param root The anchored root.
    /// @param leaf The leaf whose proof failed.
    error NotaryRegistryInvalidProof(bytes32 root, bytes32 leaf);

    /// @notice Thrown when a leaf is revoked a second time.
    /// @param leaf The leaf that is already revoked.
    /// @param revokedAt When it was first revoked.
    error NotaryRegistryAlreadyRevoked(bytes32 leaf, uint64 revokedAt);

    /// @notice Thrown when a revocation's reason code is zero.
    /// @param reason The rejected reason.
    error NotaryRegistryInvalidReason(uint8 reason);

    /// @notice Anchors the Merkle root of a batch of salted document hashes.
    /// @dev Requires `ISSUER_ROLE`. Reverts on a zero root, a zero count, or a root already anchored.
    /// @param root The Merkle root of the batch.
    /// @param leafCount How many documents the batch holds.
    function anchor(bytes32 root, uint32 leafCount) external;

    /// @notice Revokes one document of an anchored batch; the other documents stay valid.
    /// @dev Requires `REVOKER_ROLE`. The root must be anchored, the proof valid, the leaf not yet revoked.
    /// @param root The anchored root the leaf belongs to.
    /// @param leaf The document's leaf.
    /// @param proof The Merkle proof from `leaf` to `root`.
    /// @param reason 1 withdrawn, 2 issued in error, 3 superseded, 4 expired, 255 other (never 0).
    function revoke(bytes32 root, bytes32 leaf, bytes32[] calldata proof, uint8 reason) external;

    /// @notice Who anchored `root` and when.
    /// @param root A batch root.
    /// @return The anchor; its `issuer` is zero when the root is unknown.
    function anchorOf(bytes32 root) external view returns (Anchor memory);

    /// @notice Who revoked `leaf`, when, and why.
    /// @param leaf A document's leaf.
    /// @return The revocation; its `revoker` is zero when the leaf is not revoked.
    function revocationOf(bytes32 leaf) external view returns (Revocation memory);

    /// @notice Checks a document's leaf and proof against an anchored root.
    /// @param leaf The document's leaf.
    /// @param proof The Merkle proof from `leaf` to `root`.
    /// @param root The batch root.
    /// @return status `Unknown` when the root is not anchored or the proof fails, else `Anchored` or `Revoked`.
    /// @return anchoredAt The root's anchoring time, zero when `Unknown`.
    function verify(
        bytes32 leaf,
        bytes32[] calldata proof,
        bytes32 root
    ) external view returns (Status status, uint64 anchoredAt);

    /// @notice The municipality that runs this registry.
    /// @return name The municipality's name, e.g. "Stadt Musterstadt".
    /// @return ags Its eight-digit Amtlicher Gemeindeschlüssel, e.g. "05334002".
    function municipality() external view returns (string memory name, string memory ags);

    /// @notice The version of this registry's code.
    /// @return A semantic version string.
    function version() external pure returns (string memory);
}
