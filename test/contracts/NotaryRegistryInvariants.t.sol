// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {INotaryRegistry} from "../../contracts/INotaryRegistry.sol";
import {NotaryRegistry} from "../../contracts/NotaryRegistry.sol";

/// Drives the registry with random sequences of anchor, revoke, grant and
/// renounce calls, and records every outcome that breaks a rule.
contract RegistryHandler {
    NotaryRegistry public immutable registry;
    bytes32 private constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    bytes32 private constant REVOKER_ROLE = keccak256("REVOKER_ROLE");

    bytes32[] public roots;
    mapping(bytes32 root => INotaryRegistry.Anchor) public firstAnchor;
    mapping(bytes32 root => bytes32[2]) public leavesOf;
    uint256 public violations;
    uint256 public anchors;
    uint256 public revocations;

    constructor() {
        registry = new NotaryRegistry(address(this), "Stadt Musterstadt", "05334002");
    }

    function anchor(bytes32 a, bytes32 b) external {
        bytes32 root = Hashes.commutativeKeccak256(a, b);
        bool mayIssue = registry.hasRole(ISSUER_ROLE, address(this));
        bool fresh = registry.anchorOf(root).issuer == address(0);
        try registry.anchor(root, 2) {
            if (!mayIssue || !fresh) violations++; // anchored without the role, or a second time
            roots.push(root);
            firstAnchor[root] = registry.anchorOf(root);
            leavesOf[root] = [a, b];
            anchors++;
        } catch {
            if (mayIssue && fresh && root != bytes32(0)) violations++; // a legitimate anchor was refused
        }
    }

    function revoke(uint256 rootSeed, bool first, bytes32 strangerLeaf, bool useStranger, uint8 reason) external {
        if (roots.length == 0) return;
        bytes32 root = roots[rootSeed % roots.length];
        bytes32[2] memory pair = leavesOf[root];
        bytes32 leaf = useStranger ? strangerLeaf : (first ? pair[0] : pair[1]);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = first ? pair[1] : pair[0];
        bool proven = leaf == pair[0] || leaf == pair[1];
        bool mayRevoke = registry.hasRole(REVOKER_ROLE, address(this));
        bool fresh = registry.revocationOf(leaf).revoker == address(0);
        try registry.revoke(root, leaf, proof, reason) {
            if (!mayRevoke || !proven || !fresh || reason == 0) violations++;
            revocations++;
        } catch {}
    }

    function grant(bool issuer) external {
        registry.grantRole(issuer ? ISSUER_ROLE : REVOKER_ROLE, address(this));
    }

    function renounce(bool issuer) external {
        registry.renounceRole(issuer ? ISSUER_ROLE : REVOKER_ROLE, address(this));
    }

    function rootCount() external view returns (uint256) {
        return roots.length;
    }
}

/// Invariants over random call sequences (Hardhat's invariant testing).
contract NotaryRegistryInvariantTest {
    RegistryHandler private handler;

    function setUp() public {
        handler = new RegistryHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// No call ever succeeded where it should have failed, or the reverse.
    function invariant_noRuleBroken() public view {
        require(handler.violations() == 0, "a rule was broken");
    }

    /// Anchors never change once written, and no root is anchored twice.
    function invariant_anchorsAreImmutable() public view {
        NotaryRegistry registry = handler.registry();
        uint256 n = handler.rootCount();
        for (uint256 i = 0; i < n; ++i) {
            bytes32 root = handler.roots(i);
            INotaryRegistry.Anchor memory now_ = registry.anchorOf(root);
            (address issuer, uint64 timestamp, uint64 blockNumber, uint32 leafCount) = handler.firstAnchor(root);
            require(
                now_.issuer == issuer && now_.timestamp == timestamp && now_.blockNumber == blockNumber && now_.leafCount == leafCount,
                "an anchor changed"
            );
        }
    }
}
