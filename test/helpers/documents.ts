import { randomBytes } from "node:crypto";

import { newSalt } from "../../server/src/domain/documents/notariseDocument.js";
import type { NewDocument } from "../../server/src/domain/ports.js";

/** A hash-only document as the upload path would record it; override what a test needs. */
export const newDocument = (overrides: Partial<NewDocument> = {}): NewDocument => ({
  sha256: randomBytes(32).toString("hex"),
  salt: newSalt(),
  reference: null,
  title: null,
  public: false,
  size: null,
  mediaType: null,
  hasContent: false,
  cid: null,
  content: null,
  createdAt: 1,
  createdBy: "test",
  ...overrides,
});
