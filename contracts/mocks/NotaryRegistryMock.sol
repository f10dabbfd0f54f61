// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {NotaryRegistry} from "../NotaryRegistry.sol";

/// @title NotaryRegistryMock
/// @notice Test-only registry whose clock can be set, to test time handling
/// (e.g. a timestamp beyond the 32-bit range) without mining for decades.
contract NotaryRegistryMock is NotaryRegistry {
    uint64 private _fixedTime;

    constructor(address admin, string memory name_, string memory ags_) NotaryRegistry(admin, name_, ags_) {}

    /// @notice Fixes the registry's clock; zero returns to the block timestamp.
    function setTime(uint64 time) external {
        _fixedTime = time;
    }

    function _time() internal view override returns (uint64) {
        return _fixedTime == 0 ? super._time() : _fixedTime;
    }
}
