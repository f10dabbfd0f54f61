import { createHash, randomBytes, webcrypto } from "node:crypto";

import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/**
 * RFC 3161 time-stamps with pkijs: the request, the reply, and the checks a
 * token must pass before anyone relies on its time. pkijs verifies the CMS
 * signature and the certificate chain (only with `checkChain`: without it,
 * any CA passes); the timeStamping extended key usage and the ESSCertID(v2)
 * binding of the signer's certificate are not checked by pkijs and are
 * checked here (DESIGN.md "Environment facts").
 */

pkijs.setEngine("node", new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as unknown as Crypto }));

const OID = {
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  extKeyUsage: "2.5.29.37",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  commonName: "2.5.4.3",
} as const;

/** The hash algorithms an ESSCertID(v2) may name, by OID, as node:crypto calls them. */
const CERT_HASHES: Record<string, string> = { [OID.sha1]: "sha1", [OID.sha256]: "sha256", [OID.sha384]: "sha384", [OID.sha512]: "sha512" };

/**
 * Bounds on what a token may carry. A real token with its TSA's chain is a
 * few kB and holds two to four certificates; anything a client sends for
 * checking stays within these (and the chain is built here, not by pkijs,
 * whose path building never ends on certificates that sign each other).
 */
const MAX_TOKEN_BYTES = 64 * 1024;
const MAX_CERTIFICATES = 10;
const MAX_CHAIN = 6;

const view = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

/** One DER value with nothing after it. */
function derValue(der: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(view(der));
  if (parsed.offset === -1) throw new Error(`${what} is not DER (${parsed.result.error})`);
  if (parsed.offset !== der.byteLength) throw new Error(`${what} has ${der.byteLength - parsed.offset} bytes after its end`);
  return parsed.result;
}

/** A batch root's 32 raw bytes: the data a token is over (`openssl ts -verify -data root.bin`). */
export const rootBytes = (root: string): Buffer => Buffer.from(root.slice(2), "hex");

/** The SHA-256 of a root's bytes: the message imprint a request carries. */
export const rootImprint = (root: string): Buffer => createHash("sha256").update(rootBytes(root)).digest();

/** A TimeStampReq over `imprint` (SHA-256), with a fresh nonce and the TSA's certificates requested. */
export function timestampQuery(imprint: Uint8Array): { der: Buffer; nonce: string } {
  const nonce = randomBytes(8);
  // A positive INTEGER in minimal DER: no sign bit, and no leading zero byte (openssl refuses "00 xx" as a bad request).
  nonce[0] = (nonce[0]! & 0x7f) || 0x01;
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: view(imprint) }),
    }),
    nonce: new asn1js.Integer({ valueHex: view(nonce) }),
    certReq: true,
  });
  return { der: Buffer.from(req.toSchema().toBER()), nonce: nonce.toString("hex") };
}

/** The token of a TimeStampResp, byte for byte as the TSA sent it; throws with the TSA's status text when it granted none. */
export function tokenOfReply(der: Uint8Array): Buffer {
  const value = derValue(der, "the reply");
  const resp = new pkijs.TimeStampResp({ schema: value });
  const status = resp.status.status;
  if ((status !== 0 && status !== 1) || !resp.timeStampToken) {
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join("; ");
    throw new Error(`the TSA refused the request (PKIStatus ${status}${text ? `: ${text}` : ""})`);
  }
  // TimeStampResp ::= SEQUENCE { status, timeStampToken }: its second element as received, not re-encoded.
  const token = (value as asn1js.Sequence).valueBlock.value[1]!;
  return Buffer.from(token.valueBeforeDecodeView);
}

/**
 * What a verified token proves, or why it does not. `untrusted`: the token
 * is sound in itself but its certificate leads to no root this verifier
 * trusts (another TSA, or an attacker's CA): its time is not confirmed, and
 * nothing is proven forged either.
 */
export type TokenCheck =
  | { ok: true; genTime: Date; policy: string; tsa: string; serial: string; accuracySeconds: number | null; certificates: Buffer[] }
  | { ok: false; untrusted?: boolean; reason: string; genTime?: Date; tsa?: string };

const commonNameOf = (cert: pkijs.Certificate): string =>
  (cert.subject.typesAndValues.find((t) => t.type === OID.commonName)?.value.valueBlock.value as string | undefined) ?? "(unnamed TSA)";

/** The ESSCertID(v2) hash a signed attribute binds the signer's certificate to, with its algorithm's OID; null when absent. */
function essCertHash(signerInfo: pkijs.SignerInfo): { algorithm: string; hash: string } | null {
  const attributes = signerInfo.signedAttrs?.attributes ?? [];
  const v2 = attributes.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attributes.find((a) => a.type === OID.signingCertificate);
  const attribute = v2 ?? v1;
  if (!attribute) return null;
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), … }; ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, … }
  const certs = (attribute.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const first = (certs.valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
  if (!v2) return { algorithm: OID.sha1, hash: hex((first[0] as asn1js.OctetString).valueBlock.valueHexView) };
  const explicit = first[0] instanceof asn1js.Sequence ? new pkijs.AlgorithmIdentifier({ schema: first[0] }).algorithmId : null;
  const hash = (explicit ? first[1] : first[0]) as asn1js.OctetString;
  return { algorithm: explicit ?? OID.sha256, hash: hex(hash.valueBlock.valueHexView) };
}

/** The signer certificate carries the critical extended key usage timeStamping, and only that (RFC 3161 § 2.3). */
function hasTimeStampingEku(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === OID.extKeyUsage);
  const usages = (ext?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  return ext?.critical === true && usages.length === 1 && usages[0] === OID.timeStamping;
}

const derHex = (cert: pkijs.Certificate) => hex(cert.toSchema().toBER());

/**
 * The path from the signer's certificate up to a trusted root, through the
 * token's own certificates: by issuer name, each certificate at most once,
 * at most MAX_CHAIN long. Null when it reaches no trusted root. The path's
 * signatures and dates are checked afterwards by pkijs.
 */
function pathToRoot(signer: pkijs.Certificate, pool: pkijs.Certificate[], roots: pkijs.Certificate[]): pkijs.Certificate[] | null {
  const path = [signer];
  const used = new Set([derHex(signer)]);
  for (let current = signer; path.length <= MAX_CHAIN; ) {
    if (roots.some((r) => current.issuer.isEqual(r.subject))) return path;
    const next = pool.find((c) => !used.has(derHex(c)) && current.issuer.isEqual(c.subject));
    if (!next) return null;
    used.add(derHex(next));
    path.push(next);
    current = next;
  }
  return null;
}

/**
 * Checks a TimeStampToken over `data` (a batch root's 32 raw bytes): its
 * message imprint is the SHA-256 of the data, its CMS signature is valid, the signer's certificate chains to one of `roots`
 * and was valid at genTime, it carries the critical timeStamping EKU and is
 * the one the ESSCertID(v2) attribute names; and, when given, the nonce is the
 * request's. Never throws: whatever a token holds, the answer is a TokenCheck.
 */
export async function checkToken(tokenDer: Uint8Array, opts: { data: Uint8Array; roots: Uint8Array[]; nonce?: string }): Promise<TokenCheck> {
  try {
    return await check(tokenDer, opts);
  } catch (e) {
    return { ok: false, reason: `the token cannot be checked (${(e as Error).message})` };
  }
}

async function check(tokenDer: Uint8Array, opts: { data: Uint8Array; roots: Uint8Array[]; nonce?: string }): Promise<TokenCheck> {
  if (tokenDer.byteLength > MAX_TOKEN_BYTES) return { ok: false, reason: `the token is larger than ${MAX_TOKEN_BYTES} bytes` };
  const expected = createHash("sha256").update(opts.data).digest();
  let signed: pkijs.SignedData;
  let tst: pkijs.TSTInfo;
  try {
    const content = new pkijs.ContentInfo({ schema: derValue(tokenDer, "the token") });
    if (content.contentType !== OID.signedData) return { ok: false, reason: "the token is not CMS SignedData" };
    signed = new pkijs.SignedData({ schema: content.content });
    if (signed.encapContentInfo.eContentType !== OID.tstInfo || !signed.encapContentInfo.eContent) return { ok: false, reason: "the token does not carry a TSTInfo" };
    tst = new pkijs.TSTInfo({ schema: derValue(new Uint8Array(signed.encapContentInfo.eContent.getValue()), "the TSTInfo") });
  } catch (e) {
    return { ok: false, reason: `the token cannot be read (${(e as Error).message})` };
  }
  const genTime = tst.genTime;
  const imprint = tst.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256 || hex(imprint.hashedMessage.valueBlock.valueHexView) !== hex(expected)) {
    return { ok: false, reason: "the token is for other data: its message imprint is not the SHA-256 of this root", genTime };
  }
  const nonce = tst.nonce ? BigInt(`0x${hex(tst.nonce.valueBlock.valueHexView) || "0"}`) : null;
  if (opts.nonce !== undefined && nonce !== BigInt(`0x${opts.nonce}`)) {
    return { ok: false, reason: "the token's nonce is not the request's", genTime };
  }
  if (signed.signerInfos.length !== 1) return { ok: false, reason: `a token has one signer, this one ${signed.signerInfos.length}`, genTime };
  const pool = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  if (pool.length > MAX_CERTIFICATES) return { ok: false, reason: `the token carries more than ${MAX_CERTIFICATES} certificates`, genTime };

  // The signature over the signed attributes, by the certificate the signer info names (the chain follows).
  let signer: pkijs.Certificate | undefined;
  try {
    const result = await signed.verify({ signer: 0, data: view(opts.data), checkChain: false, extendedMode: true });
    if (result.signatureVerified) signer = result.signerCertificate ?? undefined;
  } catch (e) {
    const r = e as Partial<pkijs.SignedDataVerifyErrorParams>;
    return { ok: false, reason: r.signatureVerified === false ? "its signature does not verify" : `its signature cannot be checked (${r.message ?? String(e)})`, genTime };
  }
  if (!signer) return { ok: false, reason: "its signature does not verify", genTime };
  const tsa = commonNameOf(signer);

  if (!hasTimeStampingEku(signer)) return { ok: false, reason: "the signer's certificate lacks the critical timeStamping extended key usage", genTime, tsa };
  const bound = essCertHash(signed.signerInfos[0]!);
  const algorithm = bound ? CERT_HASHES[bound.algorithm] : undefined;
  if (!bound || !algorithm) return { ok: false, reason: bound ? `the ESSCertID(v2) attribute uses an unknown hash algorithm (${bound.algorithm})` : "the token has no ESSCertID(v2) attribute naming its signer's certificate", genTime, tsa };
  if (bound.hash !== createHash(algorithm).update(new Uint8Array(signer.toSchema().toBER())).digest("hex")) {
    return { ok: false, reason: "the ESSCertID(v2) attribute does not name the signer's certificate", genTime, tsa };
  }

  const roots = opts.roots.map((r) => pkijs.Certificate.fromBER(view(r)));
  const chain = pathToRoot(signer, pool, roots);
  if (!chain) return { ok: false, untrusted: true, reason: `${tsa}'s certificate does not lead to a TSA root this verifier trusts`, genTime, tsa };
  const validation = await new pkijs.CertificateChainValidationEngine({ trustedCerts: roots, certs: chain, checkDate: genTime }).verify();
  if (!validation.result) {
    return { ok: false, reason: `its certificate chain does not verify at ${genTime.toISOString()} (${validation.resultMessage})`, genTime, tsa };
  }
  const acc = tst.accuracy;
  return {
    ok: true,
    genTime,
    policy: tst.policy,
    tsa,
    serial: hex(tst.serialNumber.valueBlock.valueHexView),
    accuracySeconds: acc ? (acc.seconds ?? 0) + (acc.millis ?? 0) / 1e3 + (acc.micros ?? 0) / 1e6 : null,
    certificates: pool.map((c) => Buffer.from(c.toSchema().toBER())),
  };
}

/** PEM certificates (a TSA_CA_FILE) as DER. */
export function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
}
