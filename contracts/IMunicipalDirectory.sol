// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IMunicipalDirectory
/// @notice A federation's directory of which `NotaryRegistry` speaks for which
/// municipality (by its eight-digit Amtlicher Gemeindeschlüssel, AGS), from
/// which block and until which block. A registry's own name and AGS are
/// self-declared; a verifier trusts only the directories in its trust
/// configuration and reports an issuer as confirmed only when such a
/// directory lists the registry as active at the anchor's block.
///
/// Governance (who may do what):
///
/// | action                 | who                                                                 |
/// |------------------------|---------------------------------------------------------------------|
/// | `grantRegistrar`       | the consortium (`DEFAULT_ADMIN_ROLE`)                               |
/// | `revokeRegistrar`      | the consortium                                                      |
/// | `propose`              | a registrar granted the AGS's prefix (its Land, e.g. "05" for NRW)  |
/// | `accept`               | an account holding `DEFAULT_ADMIN_ROLE` on the registry itself, and only if the registry's own `municipality()` AGS equals the listing's |
/// | `retire` (rotation)    | the registry's admin, a registrar for the AGS, or the consortium    |
/// | `revoke` (compromise)  | a registrar for the AGS, or the consortium                          |
///
/// A listing's AGS never changes once it is accepted, its windows only ever
/// shrink (`activeUntil` and `revokedFrom` can only move earlier), and a
/// revoked listing never becomes active again.
interface IMunicipalDirectory {
    /// @notice What the directory says about one registry.
    /// @param ags The 8-digit AGS the registry speaks for; empty when the registry is not listed.
    /// @param name The municipality's official name, as the registrar entered it (not the registry's own claim).
    /// @param domain The municipality's web domain, e.g. "aachen.de"; may be empty.
    /// @param activeFrom The first block whose anchors count; 0 while the listing awaits acceptance.
    /// @param activeUntil 0 = open; after a rotation, anchors from this block on do not count.
    /// @param revokedFrom 0 = never; after a compromise, anchors from this block on are rejected.
    struct Listing {
        string ags;
        string name;
        string domain;
        uint64 activeFrom;
        uint64 activeUntil;
        uint64 revokedFrom;
    }

    /// @notice Emitted when the consortium lets `registrar` list registries for AGS starting with `agsPrefix`.
    /// @param registrar The registrar's account.
    /// @param agsPrefix The AGS prefix (the Land's two digits).
    event RegistrarGranted(address indexed registrar, string agsPrefix);

    /// @notice Emitted when the consortium withdraws a registrar's prefix.
    /// @param registrar The registrar's account.
    /// @param agsPrefix The AGS prefix withdrawn.
    event RegistrarRevoked(address indexed registrar, string agsPrefix);

    /// @notice Emitted when a registrar proposes a listing (it is not active until accepted).
    /// @param registry The registry proposed.
    /// @param ags The AGS it is to speak for.
    /// @param name The municipality's official name.
    /// @param domain The municipality's web domain (may be empty).
    /// @param registrar Who proposed it.
    event ListingProposed(address indexed registry, string ags, string name, string domain, address indexed registrar);

    /// @notice Emitted when a registry's admin accepts its listing: anchors from `activeFrom` on count.
    /// @param registry The registry.
    /// @param ags The AGS it speaks for.
    /// @param activeFrom The first block whose anchors count.
    /// @param by The registry admin that accepted.
    event ListingAccepted(address indexed registry, string ags, uint64 activeFrom, address indexed by);

    /// @notice Emitted when a listing is retired (a key or registry rotation).
    /// @param registry The registry.
    /// @param activeUntil Anchors from this block on no longer count.
    /// @param by Who retired it.
    event ListingRetired(address indexed registry, uint64 activeUntil, address indexed by);

    /// @notice Emitted when a listing is revoked (a compromise).
    /// @param registry The registry.
    /// @param revokedFrom Anchors from this block on are rejected.
    /// @param by Who revoked it.
    event ListingRevoked(address indexed registry, uint64 revokedFrom, address indexed by);

    /// @notice Thrown when the consortium given to the constructor is the zero address.
    error MunicipalDirectoryZeroAdmin();

    /// @notice Thrown when an AGS is not exactly eight ASCII digits.
    /// @param ags The rejected AGS.
    error MunicipalDirectoryInvalidAgs(string ags);

    /// @notice Thrown when an AGS prefix is not one to eight ASCII digits.
    /// @param agsPrefix The rejected prefix.
    error MunicipalDirectoryInvalidPrefix(string agsPrefix);

    /// @notice Thrown when a listing has an empty name.
    error MunicipalDirectoryEmptyName();

    /// @notice Thrown when the zero address is proposed as a registry.
    error MunicipalDirectoryZeroRegistry();

    /// @notice Thrown when an account lists a registry for an AGS outside the prefixes it was granted.
    /// @param account The account.
    /// @param ags The AGS it tried to act for.
    error MunicipalDirectoryNotRegistrarFor(address account, string ags);

    /// @notice Thrown when a registry that is already accepted is proposed again.
    /// @param registry The registry.
    /// @param ags The AGS it is listed for.
    error MunicipalDirectoryAlreadyListed(address registry, string ags);

    /// @notice Thrown when a registry without a listing is accepted, retired or revoked.
    /// @param registry The registry.
    error MunicipalDirectoryNotListed(address registry);

    /// @notice Thrown when a listing that is already accepted is accepted again.
    /// @param registry The registry.
    /// @param activeFrom The block it has been active from.
    error MunicipalDirectoryAlreadyAccepted(address registry, uint64 activeFrom);

    /// @notice Thrown when an account that is not an admin of the registry accepts its listing.
    /// @param account The account.
    /// @param registry The registry.
    error MunicipalDirectoryNotRegistryAdmin(address account, address registry);

    /// @notice Thrown when the registry's own AGS differs from the listing's.
    /// @param registry The registry.
    /// @param listed The AGS of the listing.
    /// @param declared The AGS the registry declares.
    error MunicipalDirectoryAgsMismatch(address registry, string listed, string declared);

    /// @notice Thrown when a listing is retired or revoked by an account not allowed to.
    /// @param account The account.
    /// @param registry The registry.
    error MunicipalDirectoryNotAllowed(address account, address registry);

    /// @notice Thrown when a window would grow: `activeUntil` or `revokedFrom` may only move earlier.
    /// @param registry The registry.
    /// @param current The block now set.
    /// @param requested The block requested.
    error MunicipalDirectoryWindowCannotGrow(address registry, uint64 current, uint64 requested);

    /// @notice Thrown when a retirement is set in the past (a rotation takes effect now or later; use `revoke` after a compromise).
    /// @param registry The registry.
    /// @param requested The block requested.
    /// @param current The current block.
    error MunicipalDirectoryRetirementInPast(address registry, uint64 requested, uint64 current);

    /// @notice Thrown when a window is set before the listing became active.
    /// @param registry The registry.
    /// @param requested The block requested.
    /// @param activeFrom The block the listing is active from.
    error MunicipalDirectoryBeforeActive(address registry, uint64 requested, uint64 activeFrom);

    /// @notice Lets `registrar` propose listings for every AGS that starts with `agsPrefix`.
    /// @dev Requires `DEFAULT_ADMIN_ROLE` (the consortium).
    /// @param registrar The registrar's account.
    /// @param agsPrefix One to eight digits; a Land's two digits in practice.
    function grantRegistrar(address registrar, string calldata agsPrefix) external;

    /// @notice Withdraws a prefix from a registrar; listings it made stay as they are.
    /// @dev Requires `DEFAULT_ADMIN_ROLE`.
    /// @param registrar The registrar's account.
    /// @param agsPrefix The prefix to withdraw.
    function revokeRegistrar(address registrar, string calldata agsPrefix) external;

    /// @notice Proposes `registry` as the voice of the municipality `ags`; inactive until the registry's admin accepts.
    /// @dev Requires a registrar for the AGS. A pending proposal may be replaced; an accepted one may not.
    /// @param registry The registry's address.
    /// @param ags The municipality's 8-digit AGS.
    /// @param name The municipality's official name.
    /// @param domain The municipality's web domain, or "".
    function propose(address registry, string calldata ags, string calldata name, string calldata domain) external;

    /// @notice Accepts the pending listing of `registry`: its anchors count from this block on.
    /// @dev The caller must hold `DEFAULT_ADMIN_ROLE` on the registry, and the registry's
    /// `municipality()` AGS must equal the listing's.
    /// @param registry The registry.
    function accept(address registry) external;

    /// @notice Retires a listing after a rotation: anchors from `activeUntil` on no longer count.
    /// @dev The registry's admin, a registrar for its AGS, or the consortium. Not in the past; only earlier than a retirement already set.
    /// @param registry The registry.
    /// @param activeUntil The first block whose anchors no longer count (>= the current block).
    function retire(address registry, uint64 activeUntil) external;

    /// @notice Revokes a listing after a compromise: anchors from `revokedFrom` on are rejected.
    /// @dev A registrar for its AGS, or the consortium. May lie in the past (not before `activeFrom`); only earlier than a revocation already set.
    /// @param registry The registry.
    /// @param revokedFrom The first block whose anchors are rejected.
    function revoke(address registry, uint64 revokedFrom) external;

    /// @notice The listing of a registry.
    /// @param registry The registry.
    /// @return The listing; its `ags` is empty when the registry is not listed.
    function listingOf(address registry) external view returns (Listing memory);

    /// @notice Every registry ever proposed for an AGS, in the order proposed.
    /// @param ags An 8-digit AGS.
    /// @return The registries (accepted, pending, retired and revoked alike).
    function registriesOf(string calldata ags) external view returns (address[] memory);

    /// @notice Whether anchors of `registry` in block `blockNumber` count.
    /// @param registry The registry.
    /// @param blockNumber The anchor's block.
    /// @return True when accepted by then and neither retired nor revoked by then.
    function isActiveAt(address registry, uint64 blockNumber) external view returns (bool);

    /// @notice Whether `account` may propose listings for `ags`.
    /// @param account The account.
    /// @param ags An 8-digit AGS.
    /// @return True when one of its granted prefixes starts the AGS.
    function isRegistrarFor(address account, string calldata ags) external view returns (bool);
}
