// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMunicipalDirectory} from "./IMunicipalDirectory.sol";
import {INotaryRegistry} from "./INotaryRegistry.sol";

/// @title MunicipalDirectory
/// @notice A federation's directory of which registry speaks for which municipality.
/// @dev The consortium holds `DEFAULT_ADMIN_ROLE` (a multisig in production);
/// registrars are granted AGS prefixes; see `IMunicipalDirectory` for the table
/// of who may do what.
contract MunicipalDirectory is IMunicipalDirectory, AccessControl {
    mapping(address registrar => mapping(bytes32 prefixHash => bool)) private _prefixes;
    mapping(address registry => Listing) private _listings;
    mapping(bytes32 agsHash => address[]) private _registriesByAgs;

    /// @param consortium Receives `DEFAULT_ADMIN_ROLE`: grants and withdraws registrars.
    constructor(address consortium) {
        if (consortium == address(0)) revert MunicipalDirectoryZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, consortium);
    }

    /// @inheritdoc IMunicipalDirectory
    function grantRegistrar(address registrar, string calldata agsPrefix) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_isDigits(agsPrefix, 1, 8)) revert MunicipalDirectoryInvalidPrefix(agsPrefix);
        _prefixes[registrar][keccak256(bytes(agsPrefix))] = true;
        emit RegistrarGranted(registrar, agsPrefix);
    }

    /// @inheritdoc IMunicipalDirectory
    function revokeRegistrar(address registrar, string calldata agsPrefix) external onlyRole(DEFAULT_ADMIN_ROLE) {
        delete _prefixes[registrar][keccak256(bytes(agsPrefix))];
        emit RegistrarRevoked(registrar, agsPrefix);
    }

    /// @inheritdoc IMunicipalDirectory
    function propose(address registry, string calldata ags, string calldata name, string calldata domain) external {
        if (registry == address(0)) revert MunicipalDirectoryZeroRegistry();
        if (!_isDigits(ags, 8, 8)) revert MunicipalDirectoryInvalidAgs(ags);
        if (bytes(name).length == 0) revert MunicipalDirectoryEmptyName();
        if (!_isRegistrarFor(msg.sender, ags)) revert MunicipalDirectoryNotRegistrarFor(msg.sender, ags);
        Listing storage existing = _listings[registry];
        if (existing.activeFrom != 0) revert MunicipalDirectoryAlreadyListed(registry, existing.ags);
        _listings[registry] = Listing(ags, name, domain, 0, 0, 0);
        _registriesByAgs[keccak256(bytes(ags))].push(registry);
        emit ListingProposed(registry, ags, name, domain, msg.sender);
    }

    /// @inheritdoc IMunicipalDirectory
    function accept(address registry) external {
        Listing storage listing = _listings[registry];
        if (bytes(listing.ags).length == 0) revert MunicipalDirectoryNotListed(registry);
        if (listing.activeFrom != 0) revert MunicipalDirectoryAlreadyAccepted(registry, listing.activeFrom);
        if (!IAccessControl(registry).hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert MunicipalDirectoryNotRegistryAdmin(msg.sender, registry);
        }
        (, string memory declared) = INotaryRegistry(registry).municipality();
        if (keccak256(bytes(declared)) != keccak256(bytes(listing.ags))) {
            revert MunicipalDirectoryAgsMismatch(registry, listing.ags, declared);
        }
        listing.activeFrom = SafeCast.toUint64(block.number);
        emit ListingAccepted(registry, listing.ags, listing.activeFrom, msg.sender);
    }

    /// @inheritdoc IMunicipalDirectory
    function retire(address registry, uint64 activeUntil) external {
        Listing storage listing = _accepted(registry);
        bool allowed = IAccessControl(registry).hasRole(DEFAULT_ADMIN_ROLE, msg.sender) || _governs(msg.sender, listing.ags);
        if (!allowed) revert MunicipalDirectoryNotAllowed(msg.sender, registry);
        if (activeUntil < block.number) revert MunicipalDirectoryRetirementInPast(registry, activeUntil, SafeCast.toUint64(block.number));
        if (listing.activeUntil != 0 && activeUntil >= listing.activeUntil) {
            revert MunicipalDirectoryWindowCannotGrow(registry, listing.activeUntil, activeUntil);
        }
        listing.activeUntil = activeUntil;
        emit ListingRetired(registry, activeUntil, msg.sender);
    }

    /// @inheritdoc IMunicipalDirectory
    function revoke(address registry, uint64 revokedFrom) external {
        Listing storage listing = _accepted(registry);
        if (!_governs(msg.sender, listing.ags)) revert MunicipalDirectoryNotAllowed(msg.sender, registry);
        if (revokedFrom < listing.activeFrom) revert MunicipalDirectoryBeforeActive(registry, revokedFrom, listing.activeFrom);
        if (listing.revokedFrom != 0 && revokedFrom >= listing.revokedFrom) {
            revert MunicipalDirectoryWindowCannotGrow(registry, listing.revokedFrom, revokedFrom);
        }
        listing.revokedFrom = revokedFrom;
        emit ListingRevoked(registry, revokedFrom, msg.sender);
    }

    /// @inheritdoc IMunicipalDirectory
    function listingOf(address registry) external view returns (Listing memory) {
        return _listings[registry];
    }

    /// @inheritdoc IMunicipalDirectory
    function registriesOf(string calldata ags) external view returns (address[] memory) {
        return _registriesByAgs[keccak256(bytes(ags))];
    }

    /// @inheritdoc IMunicipalDirectory
    function isActiveAt(address registry, uint64 blockNumber) external view returns (bool) {
        Listing storage listing = _listings[registry];
        return
            listing.activeFrom != 0 &&
            blockNumber >= listing.activeFrom &&
            (listing.activeUntil == 0 || blockNumber < listing.activeUntil) &&
            (listing.revokedFrom == 0 || blockNumber < listing.revokedFrom);
    }

    /// @inheritdoc IMunicipalDirectory
    function isRegistrarFor(address account, string calldata ags) external view returns (bool) {
        return _isRegistrarFor(account, ags);
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IMunicipalDirectory).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Whether one of the account's granted prefixes starts the AGS (one lookup per prefix length).
    function _isRegistrarFor(address account, string memory ags) private view returns (bool) {
        bytes memory digits = bytes(ags);
        for (uint256 length = 1; length <= digits.length && length <= 8; ++length) {
            bytes memory prefix = new bytes(length);
            for (uint256 i = 0; i < length; ++i) prefix[i] = digits[i];
            if (_prefixes[account][keccak256(prefix)]) return true;
        }
        return false;
    }

    /// @dev The consortium, or a registrar for the AGS.
    function _governs(address account, string memory ags) private view returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account) || _isRegistrarFor(account, ags);
    }

    function _accepted(address registry) private view returns (Listing storage listing) {
        listing = _listings[registry];
        if (listing.activeFrom == 0) revert MunicipalDirectoryNotListed(registry);
    }

    function _isDigits(string calldata value, uint256 minLength, uint256 maxLength) private pure returns (bool) {
        bytes calldata digits = bytes(value);
        if (digits.length < minLength || digits.length > maxLength) return false;
        for (uint256 i = 0; i < digits.length; ++i) {
            if (digits[i] < "0" || digits[i] > "9") return false;
        }
        return true;
    }
}
