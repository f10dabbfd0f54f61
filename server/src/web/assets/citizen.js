// The citizen page: verify a file (hashed here, never uploaded), a hash, a
// receipt, or the hash in a receipt's QR link (#sha256=…).
import { el, facts, problemText, showMunicipality } from "./common.js";
import { sha256File } from "./hash.js";
import { formatTime, onLanguageChange, setupLanguage, t } from "./i18n.js";

const SHA256 = /^[0-9a-f]{64}$/;
const $ = (id) => document.getElementById(id);

/** The hash the reader came with (QR link or receipt), to compare a chosen file with. */
let expected = null;
/** The last result, re-rendered when the language changes. */
let shown = null;
/** Increments with every new check, so a late answer or retry of an old one is dropped. */
let generation = 0;

function render(view) {
  shown = view;
  const result = $("result");
  const body = $("result-body");
  result.hidden = false;
  result.dataset.status = view.status;
  if (view.status === "checking") {
    body.replaceChildren(el("p", {}, t("result.checking")));
    return;
  }
  const municipality = view.municipality?.name ?? "";
  const rows = [[t("field.sha256"), el("code", {}, view.sha256)]];
  const parts = [];
  if (view.note) parts.push(el("p", { class: view.note === "result.match" ? "note" : "warning" }, t(view.note)));
  switch (view.status) {
    case "anchored":
    case "revoked": {
      const a = view.anchor;
      const revoked = view.status === "revoked";
      parts.push(el("p", { class: "verdict" }, t(revoked ? "result.revoked" : "result.anchored")));
      if (revoked) {
        const reason = t(`reason.${view.revocation.reason}`);
        parts.push(el("p", {}, t("result.revokedText", { municipality, date: formatTime(view.revocation.timestamp), reason })));
        rows.push([t("field.revokedAt"), formatTime(view.revocation.timestamp)], [t("field.reason"), reason]);
      } else {
        parts.push(el("p", {}, t("result.anchoredText", { municipality, date: formatTime(a.timestamp) })));
      }
      rows.push(
        [t("field.municipality"), `${municipality} (${view.municipality?.ags ?? ""})`],
        [t("field.anchoredAt"), formatTime(a.timestamp)],
        [t("field.block"), String(a.blockNumber)],
        [t("field.transaction"), el("code", {}, a.transactionHash)],
        [t("field.registry"), el("code", {}, a.registry)],
        [t("field.chain"), String(a.chainId)],
      );
      break;
    }
    case "pending":
      parts.push(el("p", { class: "verdict" }, t("result.pending")), el("p", {}, t("result.pendingText")));
      break;
    case "unknown":
      parts.push(el("p", { class: "verdict" }, t("result.unknown")), el("p", {}, t("result.unknownText")));
      break;
    case "invalid":
      parts.push(
        el("p", { class: "verdict" }, t("result.invalid")),
        el("p", {}, t("result.invalidText")),
        el("ul", {}, view.checks.filter((c) => !c.ok).map((c) => el("li", {}, `${c.check}: ${c.detail}`))),
      );
      break;
    default:
      parts.push(el("p", { class: "verdict" }, t("result.error")), el("p", {}, view.detail ?? ""));
  }
  body.replaceChildren(...parts, view.status === "error" ? "" : facts(rows));
}

async function verifyHash(sha256, note = null) {
  const mine = ++generation;
  render({ status: "checking" });
  for (let attempt = 0; mine === generation; attempt++) {
    const response = await fetch(`/api/v1/verify/${sha256}`).catch(() => null);
    if (mine !== generation) return;
    if (!response?.ok) {
      render({ status: "error", sha256, detail: response ? await problemText(response) : "" });
      return;
    }
    const verdict = await response.json();
    render({ ...verdict, note });
    if (verdict.status !== "pending" || attempt >= 40) return;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

async function verifyReceipt(receipt) {
  const mine = ++generation;
  render({ status: "checking" });
  const response = await fetch("/api/v1/verify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(receipt),
  }).catch(() => null);
  if (mine !== generation) return;
  if (!response?.ok) {
    render({ status: "error", sha256: receipt?.document?.sha256 ?? "", detail: response ? await problemText(response) : "" });
    return;
  }
  const verdict = await response.json();
  expected = verdict.sha256;
  render({
    status: verdict.status,
    sha256: verdict.sha256,
    anchor: receipt.anchor,
    revocation: verdict.revocation,
    municipality: verdict.municipality ?? receipt.municipality,
    checks: verdict.checks,
  });
}

async function checkFile(file) {
  if (!file) return;
  const status = $("hash-status");
  const progress = $("hash-progress");
  status.hidden = false;
  $("file-hash").hidden = true;
  progress.value = 0;
  const sha256 = await sha256File(file, (done, total) => {
    progress.value = total === 0 ? 1 : done / total;
  });
  status.hidden = true;
  $("file-hash-value").textContent = sha256;
  $("file-hash").hidden = false;
  const note = expected === null ? null : expected === sha256 ? "result.match" : "result.mismatch";
  await verifyHash(sha256, note);
}

function showError(id, key) {
  const node = $(id);
  node.hidden = key === null;
  node.textContent = key === null ? "" : t(key);
}

function fromFragment() {
  const sha256 = new URLSearchParams(location.hash.slice(1)).get("sha256")?.toLowerCase();
  if (!sha256 || !SHA256.test(sha256)) return;
  expected = sha256;
  $("hash").value = sha256;
  void verifyHash(sha256);
}

setupLanguage();
onLanguageChange(() => shown && render(shown));
void showMunicipality();

$("file").addEventListener("change", (e) => void checkFile(e.target.files[0]));
const zone = $("drop-zone");
zone.addEventListener("dragover", (e) => {
  e.preventDefault();
  zone.classList.add("dragging");
});
zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
zone.addEventListener("drop", (e) => {
  e.preventDefault();
  zone.classList.remove("dragging");
  void checkFile(e.dataTransfer.files[0]);
});

$("hash-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const sha256 = $("hash").value.trim().toLowerCase().replace(/^0x/, "");
  if (!SHA256.test(sha256)) {
    showError("hash-error", "hash.invalid");
    $("hash").setAttribute("aria-invalid", "true");
    return;
  }
  showError("hash-error", null);
  $("hash").removeAttribute("aria-invalid");
  void verifyHash(sha256);
});

$("receipt-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) $("receipt-text").value = await file.text();
});

$("receipt-form").addEventListener("submit", (e) => {
  e.preventDefault();
  let receipt;
  try {
    receipt = JSON.parse($("receipt-text").value);
  } catch {
    showError("receipt-error", "receipt.invalidJson");
    return;
  }
  showError("receipt-error", null);
  void verifyReceipt(receipt);
});

window.addEventListener("hashchange", fromFragment);
fromFragment();
