/**
 * What verification says, as a code with values: every surface (API, CLI,
 * the German and English pages) renders the same code in its language. This
 * is the English text; server/src/web/assets/i18n.js has German and English
 * for the pages. A test keeps the two lists of codes equal.
 */
export const MESSAGES = {
  "skipped.earlier": "not checked: an earlier check failed",
  "skipped.otherChain": "not checked: the receipt belongs to another chain",
  "skipped.unavailable": "not checked: the chain could not be read",
  "check.unavailable": "could not be checked: the chain could not be read ({reason})",
  "leaf.ok": "the leaf is H(H({fields}))",
  "leaf.mismatch": "the leaf should be {expected}",
  "leaf.audit": "this leaf commits the municipality's audit log, not a document: it is no receipt of any document",
  "leaf.notAudit": "this leaf is a document's, not a commitment of the audit log",
  "proof.ok": "the proof leads from the leaf to the root",
  "proof.fail": "the proof does not lead from the leaf to the root",
  "chain.ok": "chain {chainId}, genesis {genesisHash}, read from {source}",
  "chain.v1": "chain {chainId}, read from {source} (a version 1 receipt does not name its chain's genesis)",
  "chain.other":
    "the receipt belongs to chain {chainId} with genesis {genesisHash}; this verifier reads chain {ourChainId} with genesis {ourGenesisHash}: verify it against that chain, or on its municipality's page",
  "chain.notTrusted":
    "the receipt belongs to chain {chainId} (genesis {genesisHash}), which this verifier has no endpoint for: verify it against that chain, or on its municipality's page",
  "chain.v1Other":
    "transaction {transactionHash} and block {blockNumber} are not on chain {chainId} as read from {source}: a version 1 receipt does not name its genesis, so it most likely belongs to another chain with the same id (or it was altered)",
  "transaction.ok": "transaction {transactionHash} succeeded in block {blockNumber}, called the registry and emitted Anchored for the root",
  "transaction.missing": "there is no transaction {transactionHash} on this chain",
  "transaction.failed": "transaction {transactionHash} failed",
  "transaction.block": "transaction {transactionHash} is in block {actualBlock} ({actualHash}), not in block {blockNumber} ({blockHash})",
  "transaction.target": "transaction {transactionHash} called {to}, not the registry {registry}",
  "transaction.noEvent": "transaction {transactionHash} did not anchor the root {root} in the registry",
  "anchor.ok": "anchored by {issuer} at {time}",
  "anchor.missing": "the root is not anchored in the registry {registry}",
  "anchor.issuer": "anchored by {actual}, not by {expected}",
  "anchor.timestamp": "anchored at {actual}, not at {expected}",
  "anchor.block": "anchored in block {actual}, not in block {expected}",
  "block.ok": "block {blockNumber} has the receipt's hash",
  "block.mismatch": "block {blockNumber} has the hash {actual}, not {expected}",
  "municipality.ok": "the registry calls itself {name} ({ags}), as the receipt says",
  "municipality.mismatch": "the receipt says {claimed}, but the registry calls itself {actual}",
  "municipality.noRegistry": "there is no registry at {registry}",
  "identity.confirmed": "{name} ({ags}): the directory {directory} lists this registry for it, active at block {blockNumber}",
  "identity.unconfirmed": "no trusted directory lists this registry: {name} ({ags}) is the registry's own, unchecked claim",
  "identity.notActive": "the directory {directory} lists this registry for {name} ({ags}), but not as active at block {blockNumber}: the name is unconfirmed",
  "identity.retired": "the directory {directory} retired this registry from block {activeUntil}: anchors from then on do not count (anchored in block {blockNumber})",
  "identity.revoked": "the directory {directory} revoked this registry from block {revokedFrom} after a compromise: anchors from then on are rejected (anchored in block {blockNumber})",
  "identity.agsMismatch": "the directory {directory} lists this registry for AGS {listed}, but the registry claims {declared}",
  "timestamp.none": "no RFC 3161 timestamp yet: the time rests on the chain's block time alone",
  "timestamp.ok": "time confirmed by {tsa} at {genTime}",
  "timestamp.invalid": "an RFC 3161 timestamp does not verify: {reason}",
  "timestamp.unknownType": "a co-anchor of type {type} that this verifier does not know was not checked",
  "timestamp.unverified": "the RFC 3161 timestamp was not checked: this verifier trusts no TSA roots (TSA_CA_FILE, verify --tsa-ca)",
  "timestamp.skipped": "a co-anchor was not checked: a verifier checks the first {max} of a receipt",
  "timestamp.untrusted": "the RFC 3161 timestamp of {tsa} was not confirmed: {reason}",
  "revocation.none": "not revoked",
  "revocation.revoked": "revoked ({reason}) at {time}",
  "validity.unbounded": "valid without a time limit",
  "validity.within": "valid from {validFrom} until {validUntil}",
  "validity.expired": "expired at {validUntil}",
  "validity.notYet": "valid only from {validFrom}",
} as const;

export type MessageCode = keyof typeof MESSAGES;
export type MessageValues = Record<string, string | number>;

/** The English text of a code with its values. */
export function render(code: MessageCode, values: MessageValues = {}): string {
  return MESSAGES[code].replace(/\{(\w+)\}/g, (_m, k: string) => (values[k] === undefined ? `{${k}}` : String(values[k])));
}

/** An ISO time from unix seconds; "unbounded" for 0. */
export const isoTime = (seconds: number): string => (seconds === 0 ? "unbounded" : new Date(seconds * 1000).toISOString().replace(".000Z", "Z"));

/**
 * Outcomes of checks that ran and passed, but report something the reader
 * must not take for a success: printed with "!" rather than "✓" (the CLI),
 * so that "revoked" or "expired" never looks like a green result.
 */
export const CAUTION_CODES: ReadonlySet<MessageCode> = new Set<MessageCode>([
  "revocation.revoked",
  "validity.expired",
  "validity.notYet",
  "identity.unconfirmed",
  "timestamp.unverified",
  "timestamp.untrusted",
  "timestamp.skipped",
  "timestamp.unknownType",
]);
