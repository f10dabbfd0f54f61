// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title OneHashPerTxRegistry
/// @notice Bench-only baseline: the typical notarisation design, one
/// transaction and one storage slot per document hash (issuer and time).
contract OneHashPerTxRegistry {
    struct Entry {
        address issuer;
        uint64 timestamp;
    }

    mapping(bytes32 hash => Entry) private _entries;

    /// @notice Emitted when a hash is registered.
    event Registered(bytes32 indexed hash, address indexed issuer);

    /// @notice Thrown when a hash is registered twice.
    error OneHashPerTxRegistryAlreadyRegistered(bytes32 hash);

    /// @notice Registers one document hash.
    function register(bytes32 hash) external {
        if (_entries[hash].issuer != address(0)) revert OneHashPerTxRegistryAlreadyRegistered(hash);
        _entries[hash] = Entry(msg.sender, uint64(block.timestamp));
        emit Registered(hash, msg.sender);
    }

    /// @notice Who registered `hash`, and when.
    function entryOf(bytes32 hash) external view returns (Entry memory) {
        return _entries[hash];
    }
}
