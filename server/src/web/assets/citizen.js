// The citizen page: verify a file (hashed here, never uploaded), a hash, a
// receipt, or the hash in a receipt's QR link (#sha256=…).
import { el, facts, problemText, showMunicipality } from "./common.js";
import { sha256File } from "./hash.js";
import { formatTime, language, onLanguageChange, setupLanguage, t } from "./i18n.js";

const SHA256 = /^[0-9a-f]{64}$/;
const $ = (id) => document.getElementById(id);

/** The hash the reader came with (QR link or receipt), to compare a chosen file with. */
let expected = null;
/** The last result, re-rendered when the language changes. */
let shown = null;
/** Increments with every new check, so a late answer or retry of an old one is dropped. */
let generation = 0;

/**
 * How a result looks: success styling only for a file that matched a
 * document a confirmed municipality registered and that may be relied on;
 * never for a bare fingerprint, an unconfirmed issuer, a revoked, expired or
 * foreign document.
 */
function toneOf(view) {
  if (view.status === "checking") return "info";
  if (["anchored", "expired", "not-yet-valid"].includes(view.status)) {
    if (view.identity?.status !== "confirmed" || view.status !== "anchored") return "warn";
    return view.fileMatched ? "ok" : "info";
  }
  if (view.status === "pending") return "warn";
  if (view.status === "other-chain" || view.status === "unavailable" || view.status === "error") return "info";
  return "bad";
}

/** Who issued it, as the verifier's trust configuration says, in plain language. */
function identityParts(view) {
  const id = view.identity;
  if (!id) return [];
  const values = { name: id.municipality.name, ags: id.municipality.ags, directory: id.directory?.name ?? "" };
  if (id.status === "confirmed") {
    return [el("p", { class: "note" }, t(id.directory?.local ? "identity.confirmedLocal" : "identity.confirmed", values))];
  }
  if (id.status === "conflict") return [el("p", { class: "warning" }, t("identity.conflict", values))];
  return [el("p", { class: "warning", role: "alert" }, t("identity.unconfirmed", values))];
}

/** The check details, in the page's language (German from the code and values, English as the server wrote it). */
const checkText = (c) => (language() === "en" ? c.detail : t(`msg.${c.code}`, c.values));

function render(view) {
  shown = view;
  const result = $("result");
  const body = $("result-body");
  result.hidden = false;
  result.dataset.status = view.status;
  result.dataset.tone = toneOf(view);
  result.dataset.file = view.fileMatched ? "matched" : "unchecked";
  if (view.status === "checking") {
    body.replaceChildren(el("p", {}, t("result.checking")));
    return;
  }
  const municipality = view.identity?.municipality?.name ?? view.municipality?.name ?? "";
  const rows = [[t("field.sha256"), el("code", {}, view.sha256)]];
  const parts = [];
  if (view.note === "result.mismatch") parts.push(el("p", { class: "warning" }, t(view.note)));
  const a = view.anchor;
  switch (view.status) {
    case "anchored":
    case "revoked":
    case "expired":
    case "not-yet-valid": {
      const date = formatTime(a.timestamp);
      if (view.status === "revoked") {
        const reason = t(`reason.${view.revocation.reason}`);
        // Reason 3: replaced by a newer document (which one, only the municipality knows and says).
        const superseded = view.revocation.reason === 3;
        parts.push(
          el("p", { class: "verdict" }, t(superseded ? "result.superseded" : "result.revoked")),
          el("p", {}, t(superseded ? "result.supersededText" : "result.revokedText", { municipality, date: formatTime(view.revocation.timestamp), reason })),
        );
        rows.push([t("field.revokedAt"), formatTime(view.revocation.timestamp)], [t("field.reason"), reason]);
      } else if (view.status === "expired") {
        parts.push(el("p", { class: "verdict" }, t("result.expired", { until: formatTime(view.validity.validUntil) })));
      } else if (view.status === "not-yet-valid") {
        parts.push(el("p", { class: "verdict" }, t("result.notYetValid", { from: formatTime(view.validity.validFrom) })));
      } else if (view.fileMatched) {
        parts.push(el("p", { class: "verdict" }, t("result.unchanged")), el("p", {}, t("result.unchangedText", { municipality, date })));
      } else {
        parts.push(el("p", { class: "verdict" }, t(view.fromReceipt ? "result.receiptGenuine" : "result.registered")), el("p", {}, t("result.registeredText", { municipality, date })));
        parts.push(el("p", { class: "ask-file" }, t("result.askFile")));
      }
      parts.push(...identityParts(view));
      for (const ts of view.timestamps ?? []) {
        if (ts.ok && ts.genTime) parts.push(el("p", {}, t("time.confirmed", { tsa: ts.tsa ?? "", time: formatTime(Date.parse(ts.genTime) / 1000) })));
      }
      if (!(view.timestamps ?? []).some((ts) => ts.ok && ts.genTime)) parts.push(el("p", { class: "hint" }, t("time.blockOnly")));
      rows.push(
        [t("field.municipality"), `${municipality} (${view.identity?.municipality?.ags ?? view.municipality?.ags ?? ""})${view.identity?.status === "confirmed" ? "" : ` · ${t("field.selfDeclared")}`}`],
        [t("field.anchoredAt"), date],
      );
      if (view.validity && (view.validity.validFrom || view.validity.validUntil)) {
        rows.push([t("field.validity"), t("field.validityRange", { from: view.validity.validFrom ? formatTime(view.validity.validFrom) : "–", until: view.validity.validUntil ? formatTime(view.validity.validUntil) : "–" })]);
      }
      rows.push(
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
    case "other-chain":
      parts.push(el("p", { class: "verdict" }, t("result.otherChain")), el("p", {}, t("result.otherChainText", { chainId: view.chain?.chainId ?? "", genesis: view.chain?.genesisHash ?? "–" })));
      break;
    case "invalid":
      parts.push(
        el("p", { class: "verdict" }, t("result.invalid")),
        el("p", {}, t("result.invalidText")),
        el("ul", {}, (view.checks ?? []).filter((c) => !c.ok && !c.skipped).map((c) => el("li", {}, `${t(`check.${c.check}`)}: ${checkText(c)}`))),
      );
      break;
    case "unavailable":
      parts.push(el("p", { class: "verdict" }, t("result.error")), el("p", {}, t("result.unavailableText")));
      break;
    default:
      parts.push(el("p", { class: "verdict" }, t("result.error")), el("p", {}, view.detail ?? ""));
  }
  body.replaceChildren(...parts, view.status === "error" ? "" : facts(rows));
  if (view.checks?.length) {
    body.append(
      el("details", { class: "checks" }, el("summary", {}, t("result.checksSummary")), el("ul", {}, view.checks.map((c) => el("li", {}, `${c.skipped ? "–" : c.ok ? "✓" : "✗"} ${t(`check.${c.check}`)}: ${checkText(c)}`)))),
    );
  }
}

/** Forgets the result on screen (a new check begins, or the input was invalid). */
function clearResult() {
  generation++;
  shown = null;
  $("result").hidden = true;
  $("result-body").replaceChildren();
}

async function verifyHash(sha256, note = null, fileMatched = false) {
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
    render({ ...verdict, note, fileMatched });
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
  render({ ...verdict, anchor: receipt.anchor, fromReceipt: true, fileMatched: false });
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
  // The file was hashed here: what is checked now is this very file.
  const note = expected === null || expected === sha256 ? null : "result.mismatch";
  await verifyHash(sha256, note, true);
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
    clearResult();
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
    clearResult();
    showError("receipt-error", "receipt.invalidJson");
    return;
  }
  showError("receipt-error", null);
  void verifyReceipt(receipt);
});

window.addEventListener("hashchange", fromFragment);
fromFragment();
