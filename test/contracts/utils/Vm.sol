// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The few Foundry cheatcodes the Solidity tests use (Hardhat 3 runs
/// them natively; forge-std is not installable from the npm registry).
interface Vm {
    function assume(bool condition) external pure;
    function prank(address sender) external;
    function expectRevert(bytes calldata revertData) external;
    function roll(uint256 blockNumber) external;
}

Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
