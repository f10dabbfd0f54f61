import { expect } from "chai";

import { isSha256, parseSha256, sha256Hex } from "../../../../server/src/domain/documents/sha256.js";
import { isNotaryError } from "../../../../server/src/errors.js";

describe("parseSha256", function () {
  it("accepts what sha256sum prints", function () {
    const hash = sha256Hex("hello world\n");
    expect(hash).to.equal("a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447");
    expect(parseSha256(hash)).to.equal(hash);
  });

  it("accepts uppercase hex (as PowerShell's Get-FileHash prints it) and answers it in lowercase", function () {
    const hash = sha256Hex("hello world\n");
    expect(parseSha256(hash.toUpperCase())).to.equal(hash);
  });

  for (const [value, why] of [
    ["0x" + "a".repeat(64), /must not start with 0x/],
    ["a".repeat(63), /must be 64 hex digits \(got 63\)/],
    ["z".repeat(64), /only hex digits/],
    [undefined, /missing/],
    [42, /missing or not a string/],
  ] as const) {
    it(`rejects ${JSON.stringify(value)} saying why`, function () {
      expect(isSha256(value)).to.equal(false);
      try {
        parseSha256(value);
        expect.fail("should have thrown");
      } catch (e) {
        expect(isNotaryError(e, "INVALID_HASH")).to.equal(true);
        expect((e as Error).message).to.match(why);
      }
    });
  }
});
