import type { ChainReader, Listing } from "../ports.js";
import type { Municipality } from "../types.js";
import type { MessageCode, MessageValues } from "./messages.js";

/**
 * A directory a verifier trusts (DESIGN.md "Trust configuration"): where it is
 * and how to read its chain. Only these directories decide who an issuer is.
 */
export interface TrustedDirectory {
  name: string;
  chainId: number;
  genesisHash: string;
  rpcUrls: string[];
  directory: string;
  /** The trial directory `npm start` deploys on its own local chain. */
  local?: boolean;
}

export type IdentityStatus = "confirmed" | "unconfirmed" | "conflict";

/** Who issued a receipt, as the verifier's trust configuration says (never as the receipt says). */
export interface Identity {
  status: IdentityStatus;
  /** The directory's name and AGS when confirmed; else the registry's own claim, marked as such. */
  municipality: { name: string; ags: string; domain?: string; source: "directory" | "registry" };
  directory: { name: string; chainId: number; address: string; local: boolean } | null;
  code: MessageCode;
  values: MessageValues;
}

const activeAt = (l: Listing, block: number) =>
  l.activeFrom !== 0 && block >= l.activeFrom && (l.activeUntil === 0 || block < l.activeUntil) && (l.revokedFrom === 0 || block < l.revokedFrom);

/**
 * Looks the registry up in every trusted directory on its chain: confirmed
 * when one lists it as active at the anchor's block for the AGS it claims;
 * conflict when one lists it for another AGS, or retired or revoked it by that
 * block; unconfirmed otherwise (the registry's name is then only its claim).
 */
export async function resolveIdentity(
  reader: ChainReader,
  directories: TrustedDirectory[],
  registry: string,
  blockNumber: number,
  declared: Municipality,
): Promise<Identity> {
  const self = { name: declared.name, ags: declared.ags, source: "registry" as const };
  let notActive: Identity | null = null;
  let confirmed: Identity | null = null;
  for (const d of directories) {
    const listing = await reader.listingOf(d.directory, registry);
    if (!listing) continue;
    const directory = { name: d.name, chainId: d.chainId, address: d.directory, local: d.local ?? false };
    const base = { directory: d.name, blockNumber };
    if (listing.ags !== declared.ags) {
      return { status: "conflict", municipality: self, directory, code: "identity.agsMismatch", values: { ...base, listed: listing.ags, declared: declared.ags } };
    }
    if (listing.revokedFrom !== 0 && blockNumber >= listing.revokedFrom) {
      return { status: "conflict", municipality: self, directory, code: "identity.revoked", values: { ...base, revokedFrom: listing.revokedFrom } };
    }
    if (listing.activeUntil !== 0 && blockNumber >= listing.activeUntil) {
      return { status: "conflict", municipality: self, directory, code: "identity.retired", values: { ...base, activeUntil: listing.activeUntil } };
    }
    if (activeAt(listing, blockNumber)) {
      confirmed ??= {
        status: "confirmed",
        municipality: { name: listing.name, ags: listing.ags, ...(listing.domain ? { domain: listing.domain } : {}), source: "directory" },
        directory,
        code: "identity.confirmed",
        values: { ...base, name: listing.name, ags: listing.ags },
      };
    } else {
      notActive ??= { status: "unconfirmed", municipality: self, directory, code: "identity.notActive", values: { ...base, name: listing.name, ags: listing.ags } };
    }
  }
  return confirmed ?? notActive ?? { status: "unconfirmed", municipality: self, directory: null, code: "identity.unconfirmed", values: { name: declared.name, ags: declared.ags } };
}
