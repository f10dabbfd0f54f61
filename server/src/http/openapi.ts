/**
 * OpenAPI 3.1 description of HTTP API v1 (DESIGN.md "HTTP API"). A test
 * checks that every route of the app is here and every path here is a route.
 */
const problem = { $ref: "#/components/responses/Problem" };
const sha256Param = { name: "sha256", in: "path", required: true, schema: { $ref: "#/components/schemas/Sha256" } };
const clerk = [{ clerkKey: [] }];
const json = (schema: object) => ({ "application/json": { schema } });
const ok = (description: string, schema: object = { type: "object" }) => ({ description, content: json(schema) });
/** The end of an original's retention period. */
const RETAIN_UNTIL = {
  type: "string",
  description: "keep the original until this day (until 24:00 in Europe/Berlin) or date-time with offset, then erase it (crypto-shredding; the receipt stays valid); default: RETENTION_DAYS after upload, or kept until erased",
  examples: ["2036-12-31"],
};
/** The earlier document a new one replaces. */
const SUPERSEDES = {
  type: "string",
  description: "the SHA-256 of an earlier document of this server that this one replaces: once this one is anchored, the earlier one is revoked on chain with reason 3 (superseded)",
};
/** One end of a validity period on upload. */
const VALIDITY_END = {
  type: "string",
  description: "an ISO 8601 date (that whole day in Europe/Berlin: from 0:00 for validFrom, until 24:00 for validUntil) or a date-time with offset; committed in the leaf",
  examples: ["2026-12-31", "2026-12-01T08:00:00+01:00"],
};

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Notary API",
    version: "1.0.0",
    description: "Notarise documents of a municipality on a blockchain, and verify them. Errors are application/problem+json (RFC 9457).",
  },
  components: {
    securitySchemes: { clerkKey: { type: "http", scheme: "bearer", description: "A clerk key from `npx notary clerk add <name>`" } },
    schemas: {
      Sha256: { type: "string", pattern: "^[0-9a-f]{64}$", description: "SHA-256 as sha256sum prints it: lowercase hex, no 0x" },
      Problem: {
        type: "object",
        required: ["type", "title", "status", "detail", "code"],
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          code: { type: "string" },
          problems: { type: "array", items: { type: "string" } },
          errorId: { type: "string" },
        },
      },
      Anchor: {
        type: "object",
        properties: {
          chainId: { type: "integer" },
          genesisHash: { type: "string", description: "version 2: the chain's genesis block hash (names the chain with chainId)" },
          registry: { type: "string" },
          transactionHash: { type: "string" },
          blockNumber: { type: "integer" },
          blockHash: { type: "string" },
          timestamp: { type: "integer", description: "seconds since the epoch" },
          issuer: { type: "string" },
        },
      },
      Municipality: { type: "object", properties: { name: { type: "string" }, ags: { type: "string", pattern: "^[0-9]{8}$" } } },
      Receipt: {
        type: "object",
        required: ["type", "version", "document", "leaf", "proof", "root", "anchor", "municipality"],
        properties: {
          type: { const: "NotaryReceipt" },
          version: { enum: [1, 2] },
          document: {
            type: "object",
            properties: {
              sha256: { $ref: "#/components/schemas/Sha256" },
              salt: { type: "string" },
              validFrom: { type: "integer", description: "version 2: unix seconds, 0 = unbounded; committed in the leaf" },
              validUntil: { type: "integer", description: "version 2: unix seconds, 0 = unbounded; committed in the leaf" },
            },
          },
          leafEncoding: { type: "array", items: { type: "string" }, description: 'version 2: ["bytes32","bytes32","uint64","uint64"]' },
          leaf: { type: "string" },
          proof: { type: "array", items: { type: "string" } },
          root: { type: "string" },
          anchor: { $ref: "#/components/schemas/Anchor" },
          municipality: { $ref: "#/components/schemas/Municipality" },
          directory: { type: "object", description: "version 2: the directory the registry is listed in (a hint only)" },
          coAnchors: { type: "array", items: { type: "object" }, description: "version 2: RFC 3161 timestamp tokens of the root" },
        },
        additionalProperties: true,
      },
      Document: {
        type: "object",
        properties: {
          sha256: { $ref: "#/components/schemas/Sha256" },
          status: { enum: ["pending", "anchored", "revoked"] },
          reference: { type: ["string", "null"] },
          title: { type: ["string", "null"] },
          validFrom: { type: ["string", "null"], format: "date-time" },
          validUntil: { type: ["string", "null"], format: "date-time" },
          supersedes: { type: ["string", "null"], description: "the SHA-256 of the earlier document this one replaces" },
          supersededBy: { type: ["string", "null"], description: "the SHA-256 of the document that replaces this one (clerks only)" },
          retainUntil: { type: ["string", "null"], format: "date-time", description: "when the original is erased by itself; null: kept until a clerk erases it" },
          approval: {
            type: ["object", "null"],
            description: "four-eyes issuance: null when none was needed",
            properties: { state: { enum: ["awaiting", "approved", "rejected"] }, by: { type: ["string", "null"] }, at: { type: ["string", "null"] }, reason: { type: ["string", "null"] } },
          },
          public: { type: "boolean" },
          cid: { type: ["string", "null"] },
          batch: { type: ["object", "null"] },
          revocation: { type: ["object", "null"] },
          receiptUrl: { type: "string" },
        },
      },
      Verdict: {
        type: "object",
        properties: {
          sha256: { $ref: "#/components/schemas/Sha256" },
          status: { enum: ["anchored", "revoked", "expired", "not-yet-valid", "invalid", "other-chain", "unavailable", "pending", "unknown"] },
          authentic: { type: "boolean", description: "every fact the receipt states was checked on its chain and holds" },
          reliable: { type: "boolean", description: "authentic, issuer confirmed by a trusted directory, not revoked, within its validity" },
          identity: { type: ["object", "null"], description: "who issued it per the trust configuration: status confirmed | unconfirmed | conflict" },
          timestamps: { type: "array", items: { type: "object" }, description: "RFC 3161 co-anchors as checked" },
          checks: { type: "array", items: { type: "object", properties: { check: { type: "string" }, ok: { type: "boolean" }, code: { type: "string" }, values: { type: "object" }, detail: { type: "string" } } } },
          anchor: { $ref: "#/components/schemas/Anchor" },
          revocation: { type: ["object", "null"] },
          validity: { type: ["object", "null"] },
          municipality: { $ref: "#/components/schemas/Municipality" },
        },
      },
    },
    responses: {
      Problem: { description: "An error", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
    },
  },
  paths: {
    "/api/v1/documents": {
      post: {
        summary: "Notarise a document (multipart file) or a hash (JSON)",
        security: clerk,
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file"],
                properties: { file: { type: "string", format: "binary" }, reference: { type: "string" }, title: { type: "string" }, public: { type: "boolean" }, validFrom: VALIDITY_END, validUntil: VALIDITY_END, supersedes: SUPERSEDES, retainUntil: RETAIN_UNTIL },
              },
            },
            "application/json": {
              schema: { type: "object", required: ["sha256"], properties: { sha256: { $ref: "#/components/schemas/Sha256" }, reference: { type: "string" }, title: { type: "string" }, validFrom: VALIDITY_END, validUntil: VALIDITY_END, supersedes: SUPERSEDES, retainUntil: RETAIN_UNTIL } },
            },
          },
        },
        responses: {
          "202": ok("Accepted and durable; anchored with the next batch"),
          "200": ok("Already notarised: the existing record", { $ref: "#/components/schemas/Document" }),
          "400": problem, "401": problem, "413": problem, "415": problem,
        },
      },
      get: {
        summary: "List documents, newest first",
        security: clerk,
        parameters: [
          { name: "status", in: "query", schema: { enum: ["pending", "anchored", "revoked", "awaiting-approval", "rejected"] } },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        responses: { "200": ok("A page of documents and the next cursor"), "400": problem, "401": problem },
      },
    },
    "/api/v1/documents/{sha256}": {
      get: { summary: "A document's record", security: clerk, parameters: [sha256Param], responses: { "200": ok("The record", { $ref: "#/components/schemas/Document" }), "400": problem, "401": problem, "404": problem } },
    },
    "/api/v1/documents/{sha256}/revocation": {
      post: {
        summary: "Revoke a document on chain",
        security: clerk,
        parameters: [sha256Param],
        requestBody: { required: true, content: json({ type: "object", required: ["reason"], properties: { reason: { type: "integer", minimum: 1, maximum: 255 }, note: { type: "string" } } }) },
        responses: { "202": ok("Revocation recorded; sent on chain by the anchoring worker"), "400": problem, "401": problem, "404": problem, "409": problem },
      },
    },
    "/api/v1/documents/{sha256}/approval": {
      post: {
        summary: "Four-eyes issuance: approve a document awaiting approval (it is then batched) or reject it with a reason (never anchored)",
        description: "Only clerks with the approver or admin role, never the clerk who registered the document; decided once.",
        security: clerk,
        parameters: [sha256Param],
        requestBody: {
          required: true,
          content: json({ type: "object", required: ["decision"], properties: { decision: { enum: ["approve", "reject"] }, reason: { type: "string", maxLength: 500, description: "required to reject" } } }),
        },
        responses: { "200": ok("The decision is recorded; the document record"), "400": problem, "401": problem, "403": problem, "404": problem, "409": problem },
      },
    },
    "/api/v1/clerk": {
      get: {
        summary: "Who this key belongs to: name, role (clerk, approver, admin), and whether four-eyes issuance is on",
        security: clerk,
        responses: { "200": ok("The clerk", { type: "object", properties: { name: { type: "string" }, role: { enum: ["clerk", "approver", "admin"] }, fourEyes: { type: "boolean" } } }), "401": problem },
      },
    },
    "/api/v1/documents/{sha256}/content": {
      get: {
        summary: "The original, checked against its hash",
        security: clerk,
        parameters: [sha256Param],
        responses: { "200": { description: "The original", content: { "application/octet-stream": {} } }, "401": problem, "404": problem, "500": problem },
      },
      delete: {
        summary: "Erase the original (GDPR Art. 17): unpinned, blocks removed, document key destroyed; the anchor and receipt stay valid",
        security: clerk,
        parameters: [sha256Param],
        responses: { "200": ok("The record, without content", { $ref: "#/components/schemas/Document" }), "401": problem, "404": problem },
      },
    },
    "/api/v1/audit": {
      get: {
        summary: "The audit log: which clerk notarised, revoked or read what, newest first",
        security: clerk,
        parameters: [{ name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 10000, default: 100 } }],
        responses: { "200": ok("Audit entries"), "401": problem },
      },
    },
    "/api/v1/audit/export": {
      get: {
        summary:
          "The tamper-evident audit export: hash-chained entries and the receipts of the batches that anchored their head (JSON, checked by `npx notary audit verify`), or CSV for a spreadsheet",
        security: clerk,
        parameters: [
          { name: "from", in: "query", description: "first day (2026-01-01, Europe/Berlin) or date-time with offset; default: the first entry", schema: { type: "string" } },
          { name: "to", in: "query", description: "last day or date-time with offset; default: the newest entry", schema: { type: "string" } },
          { name: "format", in: "query", schema: { type: "string", enum: ["json", "csv"], default: "json" } },
        ],
        responses: {
          "200": { description: "NotaryAuditExport (JSON) or CSV", content: { ...json({ type: "object" }), "text/csv": {} } },
          "400": problem,
          "401": problem,
        },
      },
    },
    "/api/v1/receipts/{sha256}": {
      get: {
        summary: "The receipt of an anchored document",
        parameters: [sha256Param],
        responses: { "200": ok("Receipt v1", { $ref: "#/components/schemas/Receipt" }), "202": ok("Pending: not anchored yet"), "400": problem, "404": problem },
      },
    },
    "/api/v1/receipts/{sha256}.pdf": {
      get: {
        summary: "The printable receipt: facts of the anchor, a QR code that opens the citizen page and verifies the document, and receipt.json attached",
        parameters: [sha256Param],
        responses: {
          "200": { description: "PDF (A4)", content: { "application/pdf": {} } },
          "202": ok("Pending: not anchored yet"),
          "400": problem,
          "404": problem,
        },
      },
    },
    "/api/v1/verify/{sha256}": {
      get: { summary: "Verify a hash, checked against the chain now", parameters: [sha256Param], responses: { "200": ok("The verdict", { $ref: "#/components/schemas/Verdict" }), "400": problem } },
    },
    "/api/v1/verify": {
      post: {
        summary: "Verify a receipt against the chain alone, or a file (hashed, never stored)",
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/Receipt" } },
            "multipart/form-data": { schema: { type: "object", required: ["file"], properties: { file: { type: "string", format: "binary" } } } },
          },
        },
        responses: { "200": ok("The verdict with a report per check"), "400": problem, "413": problem, "415": problem },
      },
    },
    "/api/v1/registry": {
      get: { summary: "The registry: chain, address, municipality, version", responses: { "200": ok("Registry facts") } },
    },
    "/": { get: { summary: "Citizen page: verify a file (hashed in the browser), a hash or a receipt", responses: { "200": { description: "HTML", content: { "text/html": {} } } } } },
    "/clerk": { get: { summary: "Clerk page: notarise, list, revoke, erase, print receipts", responses: { "200": { description: "HTML", content: { "text/html": {} } } } } },
    "/healthz": { get: { summary: "Liveness", responses: { "200": ok("Alive") } } },
    "/readyz": { get: { summary: "Readiness: store (sqlite or postgresql), chain, anchoring, IPFS, TSA, retention, and which instance leads (checks.leader)", responses: { "200": ok("Ready"), "503": problem } } },
    "/metrics": { get: { summary: "Prometheus metrics", responses: { "200": { description: "Metrics", content: { "text/plain": {} } } } } },
    "/openapi.json": { get: { summary: "This document", responses: { "200": ok("OpenAPI 3.1") } } },
  },
} as const;
