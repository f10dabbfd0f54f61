// autocannon setupRequest for worker threads (they `require` it): every
// request carries a fresh, distinct 100 kB document as multipart/form-data.
const { randomBytes } = require("node:crypto");

const BOUNDARY = "benchboundary";
const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="doc.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

module.exports = (request) => ({ ...request, body: Buffer.concat([head, randomBytes(100_000), tail]) });
