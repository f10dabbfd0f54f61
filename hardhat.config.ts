import { createRequire } from "node:module";

import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";
import { task, type HardhatUserConfig } from "hardhat/config";

// Hardhat cannot download compilers on these machines: compile with the solc
// package's WebAssembly build. Its version must equal `version` below.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.37";

const deployRegistry = task("deploy-registry", "Deploy a municipality's NotaryRegistry and grant roles to its service key")
  .addOption({ name: "name", description: 'The municipality\'s name, e.g. "Stadt Musterstadt"', defaultValue: "" })
  .addOption({ name: "ags", description: "Its 8-digit Amtlicher Gemeindeschlüssel, e.g. 05334002", defaultValue: "" })
  .addOption({
    name: "operator",
    description: "Address that gets ISSUER_ROLE and REVOKER_ROLE (default: the deploying account)",
    defaultValue: "",
  })
  .addOption({ name: "outDir", description: "Where <chainId>.json is written", defaultValue: "deployments" })
  .setAction(() => import("./scripts/deploy-registry.js"))
  .build();

const config: HardhatUserConfig = {
  tasks: [deployRegistry],
  plugins: [
    hardhatEthers,
    hardhatEthersChaiMatchers,
    hardhatMocha,
    hardhatNetworkHelpers,
    hardhatIgnitionEthers,
    hardhatTypechain,
  ],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
    },
  },
  test: {
    mocha: {
      // Stop what suites left running and never hang at the end (test/helpers/rootHooks.ts).
      rootHooks: {
        async beforeAll() {
          (await import("./test/helpers/rootHooks.js")).watchUnhandledRejections();
        },
        async afterAll(this: Mocha.Context) {
          this.timeout(120_000);
          await (await import("./test/helpers/rootHooks.js")).endOfRun.call(this);
        },
      },
    },
    solidity: {
      fuzz: { runs: 1000 },
      invariant: { runs: 1000, depth: 20 },
    },
  },
  paths: {
    tests: { mocha: "test", solidity: "test/contracts" },
  },
  networks: {
    // A `npx hardhat node` on this machine; partner municipalities can add
    // their own chain here or pass --network with an http URL.
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.RPC_URL ?? "http://127.0.0.1:8545",
    },
  },
};

export default config;
