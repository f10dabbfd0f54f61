// The clerk page: sign in with a clerk key (kept only in this tab), notarise
// files with progress, watch their status, get receipts, revoke, erase.
import { el, problemText, showMunicipality } from "./common.js";
import { sha256File } from "./hash.js";
import { formatTime, onLanguageChange, setupLanguage, t } from "./i18n.js";

const KEY = "notary.clerkKey";
const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);

let documents = [];
let awaiting = [];
let listed = "";
/** Who is signed in: { name, role, fourEyes } from GET /api/v1/clerk. */
let me = null;
let pollTimer = null;

const key = () => sessionStorage.getItem(KEY);

function api(path, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key()}`);
  return fetch(path, { ...init, headers });
}

function showError(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text ?? "";
}

function statusText(doc) {
  if (doc.approval?.state === "awaiting") return t("status.awaiting");
  if (doc.approval?.state === "rejected") return t("status.rejected");
  if (doc.revocation && doc.revocation.state !== "confirmed") return t("status.revoking");
  return t(`status.${doc.status}`);
}

function row(doc) {
  const anchored = doc.status === "anchored" || doc.status === "revoked";
  const name = doc.title ?? doc.reference ?? "–";
  const actions = [
    anchored && el("a", { href: `/api/v1/receipts/${doc.sha256}`, download: `${doc.sha256.slice(0, 12)}.receipt.json` }, t("action.json")),
    anchored && el("a", { href: `/api/v1/receipts/${doc.sha256}.pdf`, download: `${doc.sha256.slice(0, 12)}.receipt.pdf` }, t("action.pdf")),
    !doc.revocation && !doc.supersededBy && el("button", { type: "button", onclick: () => replaceWith(doc) }, t("action.replace")),
    !doc.revocation && el("button", { type: "button", onclick: () => askRevoke(doc) }, t("action.revoke")),
    doc.hasContent && el("button", { type: "button", onclick: () => askErase(doc) }, t("action.erase")),
  ].filter(Boolean);
  return el(
    "tr",
    { "data-sha256": doc.sha256, "data-status": doc.status },
    el("td", {}, name, doc.reference && doc.title ? el("br") : null, doc.reference && doc.title ? el("small", {}, doc.reference) : null),
    el("td", {}, el("code", { title: doc.sha256 }, `${doc.sha256.slice(0, 12)}…`)),
    el(
      "td",
      { class: `status ${doc.status}` },
      statusText(doc),
      doc.erasure ? el("br") : null,
      doc.erasure ? el("small", {}, t("status.erased")) : null,
      doc.supersededBy ? el("br") : null,
      doc.supersededBy ? el("small", { title: doc.supersededBy }, t("clerk.supersededBy", { sha: `${doc.supersededBy.slice(0, 12)}…` })) : null,
    ),
    el("td", {}, formatTime(Date.parse(doc.createdAt) / 1000)),
    el("td", { class: "actions" }, actions),
  );
}

/** Prepares the form for a successor of `doc`: its hash in "replaces", focus on the file field. */
function replaceWith(doc) {
  $("supersedes").value = doc.sha256;
  $("files").focus();
}

function renderList() {
  $("documents").tBodies[0].replaceChildren(...documents.map(row));
  $("no-documents").hidden = documents.length > 0;
  renderApprovals();
}

/** Four-eyes issuance: approves or rejects (with a reason) another clerk's document. */
async function decide(doc, decision, reason) {
  const response = await api(`/api/v1/documents/${doc.sha256}/approval`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(decision === "reject" ? { decision, reason } : { decision }),
  }).catch(() => null);
  showError("approval-error", response?.ok ? null : response ? await problemText(response) : t("clerk.failed"));
  listed = "";
  await refresh();
}

/** The approval queue: documents awaiting a second clerk; an approver decides others' documents, never their own. */
function renderApprovals() {
  $("approvals-card").hidden = !me?.fourEyes && awaiting.length === 0;
  $("no-approvals").hidden = awaiting.length > 0;
  const mayDecide = me && me.role !== "clerk";
  $("approvals").replaceChildren(
    ...awaiting.map((doc) => {
      const name = doc.title ?? doc.reference ?? `${doc.sha256.slice(0, 12)}…`;
      const item = el("li", { "data-sha256": doc.sha256 }, el("strong", {}, name), " ", el("small", {}, t("clerk.uploadedBy", { name: doc.createdBy ?? "?" })));
      const own = doc.createdBy === me?.name;
      if (own || !mayDecide) {
        item.append(el("p", { class: "hint" }, t(own ? "clerk.ownDocument" : "clerk.notApprover")));
        return item;
      }
      const reasonId = `reject-reason-${doc.sha256.slice(0, 12)}`;
      const reason = el("input", { type: "text", id: reasonId, maxlength: "500", autocomplete: "off" });
      item.append(
        el("div", { class: "row" },
          el("button", { type: "button", onclick: () => decide(doc, "approve") }, t("action.approve")),
          el("label", { for: reasonId, class: "inline" }, t("clerk.rejectReason")),
          reason,
          el("button", {
            type: "button",
            class: "danger",
            onclick: () => (reason.value.trim() ? decide(doc, "reject", reason.value.trim()) : showError("approval-error", t("clerk.rejectNeedsReason"))),
          }, t("action.reject")),
        ),
      );
      return item;
    }),
  );
}

/** Reloads the list; re-renders only when something changed (keeps focus on the page steady). */
async function refresh() {
  const queue = await api("/api/v1/documents?status=awaiting-approval&limit=100").catch(() => null);
  const queued = queue?.ok ? (await queue.json()).items : awaiting;
  const changedQueue = JSON.stringify(queued) !== JSON.stringify(awaiting);
  awaiting = queued;
  if (changedQueue) renderApprovals();
  const response = await api("/api/v1/documents?limit=50").catch(() => null);
  if (!response) return;
  if (response.status === 401) {
    signOut(t("clerk.badKey"));
    return;
  }
  if (!response.ok) {
    showError("list-error", await problemText(response));
    return;
  }
  showError("list-error", null);
  const text = await response.text();
  if (text === listed) return;
  listed = text;
  documents = JSON.parse(text).items;
  renderList();
}

function poll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    if (!key()) return;
    if (document.visibilityState === "visible") await refresh();
    poll();
  }, POLL_MS);
}

async function signIn(value) {
  sessionStorage.setItem(KEY, value);
  const response = await api("/api/v1/clerk").catch(() => null);
  if (!response || !response.ok) {
    signOut(response ? t("clerk.badKey") : "");
    return;
  }
  me = await response.json();
  showError("key-error", null);
  $("login").hidden = true;
  $("work").hidden = false;
  $("logout").hidden = false;
  listed = "";
  await refresh();
  poll();
}

function signOut(message = null) {
  sessionStorage.removeItem(KEY);
  me = null;
  awaiting = [];
  clearTimeout(pollTimer);
  $("login").hidden = false;
  $("work").hidden = true;
  $("logout").hidden = true;
  $("key").value = "";
  showError("key-error", message);
}

/**
 * A second registration of a registered document, in plain words: when and by
 * whom it was registered, which new fields were not applied (a document is
 * registered once), and a warning if it is revoked.
 */
function duplicateText(record) {
  const d = record.duplicate ?? { ignored: [], contentAdded: false, revoked: false };
  const parts = [t("clerk.duplicateAt", { date: formatTime(Date.parse(record.createdAt) / 1000), by: record.createdBy ?? "–" })];
  if (d.ignored.length > 0) parts.push(t("clerk.ignored", { fields: d.ignored.map((f) => t(`clerk.field.${f}`)).join(", ") }));
  if (d.contentAdded) parts.push(t("clerk.contentAdded"));
  if (d.revoked) parts.push(t("clerk.revokedAgain"));
  return `${parts.join(" · ")} · ${record.sha256.slice(0, 12)}…`;
}

/** Uploads one file with a progress bar; resolves with the line's final text. */
function upload(file, fields) {
  const progress = el("progress", { max: 1, value: 0, "aria-label": file.name });
  const state = el("span", { class: "state" });
  const item = el("li", {}, el("span", { class: "name" }, file.name), progress, state);
  $("uploads").prepend(item);
  const form = new FormData();
  if (fields.reference) form.append("reference", fields.reference);
  form.append("title", fields.title || file.name);
  form.append("public", String(fields.public));
  if (fields.validFrom) form.append("validFrom", fields.validFrom);
  if (fields.validUntil) form.append("validUntil", fields.validUntil);
  if (fields.supersedes) form.append("supersedes", fields.supersedes);
  if (fields.retainUntil) form.append("retainUntil", fields.retainUntil);
  form.append("file", file);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/documents");
    xhr.setRequestHeader("authorization", `Bearer ${key()}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progress.value = e.loaded / e.total;
    };
    const done = (cls, text) => {
      progress.value = 1;
      item.className = cls;
      state.textContent = text;
      resolve();
    };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status === 202) done("ok", `${t("clerk.uploaded")} · ${body.sha256.slice(0, 12)}…`);
      else if (xhr.status === 200) done(body.duplicate?.revoked ? "warn" : "ok", duplicateText(body));
      else done("failed", `${t("clerk.failed")}: ${body.detail ?? xhr.status}`);
    };
    xhr.onerror = () => done("failed", t("clerk.failed"));
    xhr.send(form);
  });
}

/** Notarises only the file's SHA-256, computed here; the file itself is never sent. */
async function notariseHash(file, fields) {
  const progress = el("progress", { max: 1, value: 0, "aria-label": file.name });
  const state = el("span", { class: "state" }, t("clerk.hashing"));
  const item = el("li", {}, el("span", { class: "name" }, file.name), progress, state);
  $("uploads").prepend(item);
  const sha256 = await sha256File(file, (done, total) => (progress.value = total === 0 ? 1 : done / total));
  const body = {
    sha256,
    title: fields.title || file.name,
    ...(fields.reference ? { reference: fields.reference } : {}),
    ...(fields.validFrom ? { validFrom: fields.validFrom } : {}),
    ...(fields.validUntil ? { validUntil: fields.validUntil } : {}),
    ...(fields.supersedes ? { supersedes: fields.supersedes } : {}),
  };
  const response = await api("/api/v1/documents", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).catch(() => null);
  progress.value = 1;
  if (response?.status === 202) {
    item.className = "ok";
    state.textContent = `${t("clerk.uploaded")} · ${sha256.slice(0, 12)}…`;
  } else if (response?.status === 200) {
    const existing = await response.json();
    item.className = existing.duplicate?.revoked ? "warn" : "ok";
    state.textContent = duplicateText(existing);
  } else {
    item.className = "failed";
    state.textContent = `${t("clerk.failed")}: ${response ? await problemText(response) : ""}`;
  }
}

let current = null;

function askRevoke(doc) {
  current = doc;
  $("revoke-sha256").textContent = doc.sha256;
  $("revoke-note").value = "";
  $("revoke-dialog").showModal();
}

function askErase(doc) {
  current = doc;
  $("erase-sha256").textContent = doc.sha256;
  $("erase-dialog").showModal();
}

async function act(response) {
  if (!response.ok) showError("list-error", await problemText(response));
  await refresh();
}

$("revoke-dialog").addEventListener("close", async () => {
  if ($("revoke-dialog").returnValue !== "confirm" || !current) return;
  const note = $("revoke-note").value.trim();
  const body = { reason: Number($("revoke-reason").value), ...(note ? { note } : {}) };
  await act(
    await api(`/api/v1/documents/${current.sha256}/revocation`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
});

$("erase-dialog").addEventListener("close", async () => {
  if ($("erase-dialog").returnValue !== "confirm" || !current) return;
  await act(await api(`/api/v1/documents/${current.sha256}/content`, { method: "DELETE" }));
});

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = $("key").value.trim();
  if (value) void signIn(value);
});

$("logout").addEventListener("click", () => signOut());

$("upload-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const files = [...$("files").files];
  if (files.length === 0) {
    showError("upload-error", t("clerk.noFiles"));
    return;
  }
  showError("upload-error", null);
  const fields = {
    reference: $("reference").value.trim(),
    title: $("title").value.trim(),
    public: $("public").checked,
    validFrom: $("valid-from").value,
    validUntil: $("valid-until").value,
    supersedes: $("supersedes").value.trim(),
    retainUntil: $("retain-until").value,
  };
  if (fields.supersedes && files.length > 1) {
    showError("upload-error", t("clerk.supersedesOne"));
    return;
  }
  if (fields.validFrom && fields.validUntil && fields.validUntil < fields.validFrom) {
    showError("upload-error", t("clerk.validityOrder"));
    return;
  }
  const hashOnly = $("hash-only").checked;
  for (const file of files) {
    await (hashOnly ? notariseHash(file, fields) : upload(file, fields));
    await refresh();
  }
  $("upload-form").reset();
});

setupLanguage();
onLanguageChange(() => documents.length > 0 && renderList());
void showMunicipality();
if (key()) void signIn(key());
