// SHA-256 of a local file, in the browser, in chunks (so large files neither
// freeze the page nor need to fit in memory), with progress.

const CHUNK = 4 * 1024 * 1024;

/**
 * @param {Blob} file
 * @param {(done: number, total: number) => void} onProgress
 * @returns {Promise<string>} lowercase hex, as sha256sum prints it
 */
export async function sha256File(file, onProgress = () => {}) {
  const hasher = await globalThis.hashwasm.createSHA256();
  hasher.init();
  for (let offset = 0; offset < file.size; offset += CHUNK) {
    const chunk = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
    hasher.update(chunk);
    onProgress(Math.min(offset + CHUNK, file.size), file.size);
  }
  onProgress(file.size, file.size);
  return hasher.digest("hex");
}
