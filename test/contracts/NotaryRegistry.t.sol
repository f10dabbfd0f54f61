// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {INotaryRegistry} from "../../contracts/INotaryRegistry.sol";
import {NotaryRegistry} from "../../contracts/NotaryRegistry.sol";
import {VM} from "./utils/Vm.sol";

/// Fuzz tests of the registry's invariants: a root is never anchored twice,
/// only ISSUER anchors, and only a leaf proven under an anchored root can be revoked.
contract NotaryRegistryFuzzTest {
    NotaryRegistry private registry;
    bytes32 private constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    bytes32 private constant REVOKER_ROLE = keccak256("REVOKER_ROLE");
    address private constant ISSUER = address(0x1551);
    address private constant REVOKER = address(0x4e40);

    function setUp() public {
        registry = new NotaryRegistry(address(this), "Stadt Musterstadt", "05334002");
        registry.grantRole(ISSUER_ROLE, ISSUER);
        registry.grantRole(REVOKER_ROLE, REVOKER);
    }

    function testFuzz_anchor_revertsIfAlreadyAnchored(bytes32 root, uint32 count, uint32 secondCount) public {
        VM.assume(root != bytes32(0) && count != 0 && secondCount != 0);
        VM.prank(ISSUER);
        registry.anchor(root, count);
        INotaryRegistry.Anchor memory first = registry.anchorOf(root);

        VM.prank(ISSUER);
        VM.expectRevert(
            abi.encodeWithSelector(INotaryRegistry.NotaryRegistryAlreadyAnchored.selector, root, first.timestamp)
        );
        registry.anchor(root, secondCount);

        INotaryRegistry.Anchor memory after_ = registry.anchorOf(root);
        require(after_.issuer == ISSUER && after_.leafCount == count, "anchor changed");
    }

    function testFuzz_anchor_revertsUnlessIssuer(address caller, bytes32 root) public {
        VM.assume(caller != ISSUER && root != bytes32(0));
        VM.prank(caller);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                ISSUER_ROLE
            )
        );
        registry.anchor(root, 1);
        require(registry.anchorOf(root).issuer == address(0), "stranger anchored");
    }

    function testFuzz_revoke_revertsUnderUnknownRoot(bytes32 root, bytes32 leaf, bytes32[] calldata proof) public {
        VM.prank(REVOKER);
        VM.expectRevert(abi.encodeWithSelector(INotaryRegistry.NotaryRegistryUnknownRoot.selector, root));
        registry.revoke(root, leaf, proof, 1);
    }

    function testFuzz_revoke_revertsWithoutValidProof(bytes32 a, bytes32 b, bytes32 leaf, bytes32 sibling) public {
        bytes32 root = Hashes.commutativeKeccak256(a, b);
        VM.assume(leaf != a && leaf != b && root != bytes32(0));
        VM.prank(ISSUER);
        registry.anchor(root, 2);

        bytes32[] memory proof = new bytes32[](1);
        proof[0] = sibling;
        VM.assume(Hashes.commutativeKeccak256(leaf, sibling) != root);
        VM.prank(REVOKER);
        VM.expectRevert(abi.encodeWithSelector(INotaryRegistry.NotaryRegistryInvalidProof.selector, root, leaf));
        registry.revoke(root, leaf, proof, 1);
        require(registry.revocationOf(leaf).revoker == address(0), "unproven leaf revoked");
    }

    function testFuzz_revoke_onlyRevokerRevokesAProvenLeaf(bytes32 a, bytes32 b, address caller, uint8 reason) public {
        VM.assume(reason != 0 && caller != REVOKER && a != b);
        bytes32 root = Hashes.commutativeKeccak256(a, b);
        VM.prank(ISSUER);
        registry.anchor(root, 2);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = b;

        VM.prank(caller);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                REVOKER_ROLE
            )
        );
        registry.revoke(root, a, proof, reason);

        VM.prank(REVOKER);
        registry.revoke(root, a, proof, reason);
        (INotaryRegistry.Status status, ) = registry.verify(a, proof, root);
        require(status == INotaryRegistry.Status.Revoked, "not revoked");
        proof[0] = a;
        (status, ) = registry.verify(b, proof, root);
        require(status == INotaryRegistry.Status.Anchored, "neighbour affected");
    }
}
