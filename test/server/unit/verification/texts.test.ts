import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { expect } from "chai";
import { Interface } from "ethers";

import { DIRECTORY_ABI } from "../../../../server/src/adapters/chain/directoryAbi.js";
import { REGISTRY_ABI } from "../../../../server/src/adapters/chain/registryAbi.js";
import { MESSAGES } from "../../../../server/src/domain/verification/messages.js";
import { RECEIPT_CHECKS } from "../../../../server/src/domain/verification/receiptChecks.js";
import { ROOT } from "../../../helpers/processes.js";

const i18n = readFileSync(`${ROOT}/server/src/web/assets/i18n.js`, "utf8");
const block = (lang: "de" | "en") => {
  const start = i18n.indexOf(`  ${lang}: {`);
  const end = lang === "de" ? i18n.indexOf("  en: {") : i18n.indexOf("\n};", start);
  return i18n.slice(start, end);
};
const keys = (text: string, prefix: string) => [...text.matchAll(new RegExp(`"${prefix}\\.([\\w.]+)":`, "g"))].map((m) => m[1]!).sort();

describe("verification texts and ABIs stay in step", function () {
  it("the German page has a text for every verification message code, and no stale one", function () {
    expect(keys(block("de"), "msg")).to.deep.equal(Object.keys(MESSAGES).sort());
  });

  it("both languages name every check", function () {
    const ids = RECEIPT_CHECKS.map((c) => c.id).sort();
    expect(keys(block("de"), "check")).to.deep.equal(ids);
    expect(keys(block("en"), "check")).to.deep.equal(ids);
  });

  it("every German message uses exactly the placeholders of its English original", function () {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [code, english] of Object.entries(MESSAGES)) {
      const german = block("de").match(new RegExp(`"msg\\.${code.replace(/\./g, "\\.")}":\\s*"((?:[^"\\\\]|\\\\.)*)"`))?.[1] ?? "";
      expect(placeholders(german), code).to.deep.equal(placeholders(english));
    }
  });

  for (const [name, abi] of [["NotaryRegistry", REGISTRY_ABI], ["MunicipalDirectory", DIRECTORY_ABI]] as const) {
    it(`the hand-written ${name} ABI matches the compiled contract`, function () {
      const artifact = createRequire(import.meta.url)(`${ROOT}/artifacts/contracts/${name}.sol/${name}.json`) as { abi: object[] };
      const compiled = new Interface(artifact.abi);
      new Interface(abi as unknown as string[]).forEachFunction((f) => expect(compiled.getFunction(f.format("sighash"))?.format("full"), f.name).to.equal(f.format("full")));
      new Interface(abi as unknown as string[]).forEachEvent((e) => expect(compiled.getEvent(e.format("sighash"))?.format("full"), e.name).to.equal(e.format("full")));
      new Interface(abi as unknown as string[]).forEachError((e) => expect(compiled.getError(e.format("sighash"))?.format("full"), e.name).to.equal(e.format("full")));
    });
  }
});
