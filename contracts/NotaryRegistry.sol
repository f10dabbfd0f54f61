// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INotaryRegistry} from "./INotaryRegistry.sol";

/// @title NotaryRegistry
/// @notice One municipality's registry of Merkle roots of notarised documents.
/// @dev An anchor is packed into one storage slot (issuer 160 bits, timestamp,
/// block number and leaf count 32 bits each), so anchoring a batch costs one
/// SSTORE whatever its size. The 32-bit fields hold until the year 2106 and
/// block 4,294,967,295; past that `anchor` reverts rather than truncate.
contract NotaryRegistry is INotaryRegistry, AccessControl {
    /// @notice May anchor roots.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice May revoke leaves.
    bytes32 public constant REVOKER_ROLE = keccak256("REVOKER_ROLE");

    struct PackedAnchor {
        address issuer;
        uint32 timestamp;
        uint32 blockNumber;
        uint32 leafCount;
    }

    string private _name;
    string private _ags;
    mapping(bytes32 root => PackedAnchor) private _anchors;
    mapping(bytes32 leaf => Revocation) private _revocations;

    /// @param admin Receives `DEFAULT_ADMIN_ROLE` and grants the other roles.
    /// @param name_ The municipality's name; not empty.
    /// @param ags_ Its Amtlicher Gemeindeschlüssel: exactly eight digits.
    constructor(address admin, string memory name_, string memory ags_) {
        if (admin == address(0)) revert NotaryRegistryZeroAdmin();
        if (bytes(name_).length == 0) revert NotaryRegistryEmptyName();
        if (!_isAgs(ags_)) revert NotaryRegistryInvalidAgs(ags_);
        _name = name_;
        _ags = ags_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc INotaryRegistry
    function anchor(bytes32 root, uint32 leafCount) external onlyRole(ISSUER_ROLE) {
        _anchor(root, leafCount);
    }

    /// @inheritdoc INotaryRegistry
    function revoke(
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof,
        uint8 reason
    ) external onlyRole(REVOKER_ROLE) {
        _revoke(root, leaf, proof, reason);
    }

    /// @inheritdoc INotaryRegistry
    function anchorOf(bytes32 root) external view returns (Anchor memory) {
        PackedAnchor memory packed = _anchors[root];
        return Anchor(packed.issuer, packed.timestamp, packed.blockNumber, packed.leafCount);
    }

    /// @inheritdoc INotaryRegistry
    function revocationOf(bytes32 leaf) external view returns (Revocation memory) {
        return _revocations[leaf];
    }

    /// @inheritdoc INotaryRegistry
    function verify(
        bytes32 leaf,
        bytes32[] calldata proof,
        bytes32 root
    ) external view returns (Status status, uint64 anchoredAt) {
        PackedAnchor memory packed = _anchors[root];
        if (packed.issuer == address(0) || !MerkleProof.verifyCalldata(proof, root, leaf)) {
            return (Status.Unknown, 0);
        }
        status = _revocations[leaf].revoker == address(0) ? Status.Anchored : Status.Revoked;
        return (status, packed.timestamp);
    }

    /// @inheritdoc INotaryRegistry
    function municipality() external view returns (string memory name, string memory ags) {
        return (_name, _ags);
    }

    /// @inheritdoc INotaryRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(INotaryRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The current time; overridden in tests by `contracts/mocks/NotaryRegistryMock.sol`.
    function _time() internal view virtual returns (uint64) {
        return uint64(block.timestamp);
    }

    function _anchor(bytes32 root, uint32 leafCount) private {
        if (root == bytes32(0)) revert NotaryRegistryZeroRoot();
        if (leafCount == 0) revert NotaryRegistryZeroLeafCount(root);
        PackedAnchor storage slot = _anchors[root];
        if (slot.issuer != address(0)) revert NotaryRegistryAlreadyAnchored(root, slot.timestamp);
        _anchors[root] = PackedAnchor(
            msg.sender,
            SafeCast.toUint32(_time()),
            SafeCast.toUint32(block.number),
            leafCount
        );
        emit Anchored(root, msg.sender, leafCount);
    }

    function _revoke(bytes32 root, bytes32 leaf, bytes32[] calldata proof, uint8 reason) private {
        if (reason == 0) revert NotaryRegistryInvalidReason(reason);
        if (_anchors[root].issuer == address(0)) revert NotaryRegistryUnknownRoot(root);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert NotaryRegistryInvalidProof(root, leaf);
        Revocation storage existing = _revocations[leaf];
        if (existing.revoker != address(0)) revert NotaryRegistryAlreadyRevoked(leaf, existing.timestamp);
        _revocations[leaf] = Revocation(msg.sender, _time(), reason);
        emit Revoked(root, leaf, msg.sender, reason);
    }

    function _isAgs(string memory ags_) private pure returns (bool) {
        bytes memory digits = bytes(ags_);
        if (digits.length != 8) return false;
        for (uint256 i = 0; i < 8; ++i) {
            if (digits[i] < "0" || digits[i] > "9") return false;
        }
        return true;
    }
}
