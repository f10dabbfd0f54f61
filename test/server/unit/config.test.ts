import path from "node:path";

import { expect } from "chai";

import { isLoopbackHost, loadConfig } from "../../../server/src/config.js";
import { isNotaryError } from "../../../server/src/errors.js";

describe("loadConfig", function () {
  it("defaults to the embedded setup on loopback", function () {
    const c = loadConfig({});
    expect(c).to.include({ PORT: 8080, HOST: "127.0.0.1", CHAIN_PORT: 8545, CONFIRMATIONS: 1, BATCH_INTERVAL_MS: 2000, BATCH_MAX: 1024, MAX_UPLOAD_BYTES: 50 * 1024 ** 2 });
    expect(c.RPC_URL).to.equal(undefined);
    expect(c.dataDir).to.equal(path.resolve("./data"));
  });

  it("refuses RPC_URL without SIGNER_KEY and lists every problem", function () {
    try {
      loadConfig({ RPC_URL: "http://127.0.0.1:8545", PORT: "99999", MUNICIPALITY_AGS: "123" });
      expect.fail("should have thrown");
    } catch (e) {
      expect(isNotaryError(e, "CONFIG_INVALID")).to.equal(true);
      const problems = (e as { details: { problems: string[] } }).details.problems.join("\n");
      expect(problems).to.match(/SIGNER_KEY: required when RPC_URL is set/);
      expect(problems).to.match(/PORT/);
      expect(problems).to.match(/MUNICIPALITY_AGS: 8 digits/);
    }
  });

  it("accepts a chain configuration with a signer key and treats empty values as unset", function () {
    const c = loadConfig({ RPC_URL: "http://127.0.0.1:8545", SIGNER_KEY: "0x" + "1".repeat(64), REGISTRY_ADDRESS: "", CONFIRMATIONS: "3" });
    expect(c).to.include({ RPC_URL: "http://127.0.0.1:8545", CONFIRMATIONS: 3 });
    expect(c.REGISTRY_ADDRESS).to.equal(undefined);
  });

  it("tells loopback hosts (where PUBLIC_URL may stay unset) from those reachable beyond this machine", function () {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) expect(isLoopbackHost(host), host).to.equal(true);
    for (const host of ["0.0.0.0", "::", "10.1.2.3", "notary.musterstadt.de", "127.0.0.1.evil.example"]) expect(isLoopbackHost(host), host).to.equal(false);
  });

  it("refuses a malformed signer key without echoing it", function () {
    try {
      loadConfig({ RPC_URL: "http://127.0.0.1:8545", SIGNER_KEY: "0xsecret-but-malformed" });
      expect.fail("should have thrown");
    } catch (e) {
      expect((e as Error).message).to.match(/SIGNER_KEY/);
      expect((e as Error).message).to.not.include("secret-but-malformed");
    }
  });
});
