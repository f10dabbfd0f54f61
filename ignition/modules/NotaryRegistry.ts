import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";

/**
 * One municipality's registry. The deploying account becomes its admin and
 * grants ISSUER and REVOKER to `operator` (the Notary server's service key).
 *
 * Parameters (module "NotaryRegistry"): `name`, `ags`, `operator`.
 */
export default buildModule("NotaryRegistry", (m) => {
  const admin = m.getAccount(0);
  const name = m.getParameter<string>("name");
  const ags = m.getParameter<string>("ags");
  const operator = m.getParameter<string>("operator");

  const registry = m.contract("NotaryRegistry", [admin, name, ags], { from: admin });
  m.call(registry, "grantRole", [id("ISSUER_ROLE"), operator], { id: "grantIssuer", from: admin });
  m.call(registry, "grantRole", [id("REVOKER_ROLE"), operator], { id: "grantRevoker", from: admin });

  return { registry };
});
