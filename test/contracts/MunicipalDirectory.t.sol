// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMunicipalDirectory} from "../../contracts/IMunicipalDirectory.sol";
import {MunicipalDirectory} from "../../contracts/MunicipalDirectory.sol";
import {NotaryRegistry} from "../../contracts/NotaryRegistry.sol";
import {VM} from "./utils/Vm.sol";

/// Fuzz tests of the directory's governance: a registrar lists only within its
/// prefix, only a registry's admin accepts, and only the registry's own AGS.
contract MunicipalDirectoryFuzzTest {
    MunicipalDirectory private directory;
    NotaryRegistry private registry;
    address private constant REGISTRAR = address(0x4e91);

    function setUp() public {
        directory = new MunicipalDirectory(address(this));
        directory.grantRegistrar(REGISTRAR, "05");
        registry = new NotaryRegistry(address(this), "Stadt Musterstadt", "05334002");
    }

    function _ags(uint32 seed) private pure returns (string memory) {
        bytes memory out = new bytes(8);
        uint32 n = seed % 100_000_000;
        for (uint256 i = 8; i > 0; --i) {
            out[i - 1] = bytes1(uint8(48 + (n % 10)));
            n /= 10;
        }
        return string(out);
    }

    function testFuzz_propose_revertsOutsideTheRegistrarsLand(uint32 seed) public {
        string memory ags = _ags(seed);
        VM.assume(bytes(ags)[0] != "0" || bytes(ags)[1] != "5");
        VM.prank(REGISTRAR);
        VM.expectRevert(abi.encodeWithSelector(IMunicipalDirectory.MunicipalDirectoryNotRegistrarFor.selector, REGISTRAR, ags));
        directory.propose(address(registry), ags, "Somewhere", "");
    }

    function testFuzz_accept_revertsUnlessRegistryAdmin(address caller) public {
        VM.assume(caller != address(this));
        VM.prank(REGISTRAR);
        directory.propose(address(registry), "05334002", "Stadt Musterstadt", "");
        VM.prank(caller);
        VM.expectRevert(abi.encodeWithSelector(IMunicipalDirectory.MunicipalDirectoryNotRegistryAdmin.selector, caller, address(registry)));
        directory.accept(address(registry));
        require(!directory.isActiveAt(address(registry), uint64(block.number)), "accepted by a stranger");
    }

    function testFuzz_accept_revertsForAnotherAgs(uint32 seed) public {
        string memory ags = string.concat("05", _slice(_ags(seed), 2));
        VM.assume(keccak256(bytes(ags)) != keccak256("05334002"));
        VM.prank(REGISTRAR);
        directory.propose(address(registry), ags, "Elsewhere", "");
        VM.expectRevert(abi.encodeWithSelector(IMunicipalDirectory.MunicipalDirectoryAgsMismatch.selector, address(registry), ags, "05334002"));
        directory.accept(address(registry));
    }

    function _slice(string memory s, uint256 from) private pure returns (string memory) {
        bytes memory b = bytes(s);
        bytes memory out = new bytes(b.length - from);
        for (uint256 i = from; i < b.length; ++i) out[i - from] = b[i];
        return string(out);
    }
}

/// Drives the directory with random proposals, acceptances, retirements,
/// revocations and block advances, and records what the rules forbid.
contract DirectoryHandler {
    MunicipalDirectory public immutable directory;
    NotaryRegistry[4] public registries;
    string[4] private agsOf = ["05334002", "05334036", "05513000", "09162000"];
    mapping(address registry => string) public acceptedAgs;
    mapping(address registry => uint64) public lowestUntil;
    mapping(address registry => uint64) public lowestRevokedFrom;
    uint256 public violations;

    constructor() {
        directory = new MunicipalDirectory(address(this));
        directory.grantRegistrar(address(this), "05");
        for (uint256 i = 0; i < 4; ++i) registries[i] = new NotaryRegistry(address(this), "Gemeinde", agsOf[i]);
    }

    function advance(uint8 blocks) external {
        VM.roll(block.number + blocks);
    }

    function propose(uint8 r, uint8 a) external {
        address registry = address(registries[r % 4]);
        string memory ags = agsOf[a % 4];
        bool wasAccepted = directory.listingOf(registry).activeFrom != 0;
        bool inLand = bytes(ags)[1] == "5";
        try directory.propose(registry, ags, "Gemeinde", "") {
            if (wasAccepted || !inLand) violations++;
        } catch {
            if (!wasAccepted && inLand) violations++;
        }
    }

    function accept(uint8 r) external {
        address registry = address(registries[r % 4]);
        IMunicipalDirectory.Listing memory before = directory.listingOf(registry);
        (, string memory declared) = registries[r % 4].municipality();
        bool shouldWork = bytes(before.ags).length != 0 && before.activeFrom == 0 && keccak256(bytes(declared)) == keccak256(bytes(before.ags));
        try directory.accept(registry) {
            if (!shouldWork) violations++;
            acceptedAgs[registry] = before.ags;
        } catch {
            if (shouldWork) violations++;
        }
    }

    function retire(uint8 r, uint8 ahead) external {
        address registry = address(registries[r % 4]);
        try directory.retire(registry, uint64(block.number) + ahead) {
            uint64 until = directory.listingOf(registry).activeUntil;
            if (lowestUntil[registry] != 0 && until >= lowestUntil[registry]) violations++;
            lowestUntil[registry] = until;
        } catch {}
    }

    function revoke(uint8 r, uint8 back) external {
        address registry = address(registries[r % 4]);
        uint64 from = uint64(block.number) > back ? uint64(block.number) - back : 1;
        try directory.revoke(registry, from) {
            uint64 revokedFrom = directory.listingOf(registry).revokedFrom;
            if (lowestRevokedFrom[registry] != 0 && revokedFrom >= lowestRevokedFrom[registry]) violations++;
            lowestRevokedFrom[registry] = revokedFrom;
        } catch {}
    }

    function registryAt(uint256 i) external view returns (address) {
        return address(registries[i]);
    }
}

/// Invariants of the directory over random call sequences.
contract MunicipalDirectoryInvariantTest {
    DirectoryHandler private handler;

    function setUp() public {
        handler = new DirectoryHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// No call ever succeeded where the rules forbid it, or the reverse; windows only ever shrank.
    function invariant_noRuleBroken() public view {
        require(handler.violations() == 0, "a rule was broken");
    }

    /// A registry is never active for two AGS: the listing's AGS is the one it was accepted with.
    function invariant_acceptedAgsNeverChanges() public view {
        MunicipalDirectory directory = handler.directory();
        for (uint256 i = 0; i < 4; ++i) {
            address registry = handler.registryAt(i);
            string memory accepted = handler.acceptedAgs(registry);
            if (bytes(accepted).length == 0) continue;
            require(keccak256(bytes(directory.listingOf(registry).ags)) == keccak256(bytes(accepted)), "the AGS of an accepted listing changed");
        }
    }

    /// The windows hold what was last set, and a revoked listing is never active at or after its revocation.
    function invariant_revokedNeverActiveAgain() public view {
        MunicipalDirectory directory = handler.directory();
        for (uint256 i = 0; i < 4; ++i) {
            address registry = handler.registryAt(i);
            IMunicipalDirectory.Listing memory listing = directory.listingOf(registry);
            require(listing.activeUntil == handler.lowestUntil(registry), "activeUntil moved");
            require(listing.revokedFrom == handler.lowestRevokedFrom(registry), "revokedFrom moved");
            if (listing.revokedFrom == 0) continue;
            require(!directory.isActiveAt(registry, listing.revokedFrom), "active at its revocation");
            require(!directory.isActiveAt(registry, uint64(block.number) + 1000), "active after its revocation");
        }
    }
}
