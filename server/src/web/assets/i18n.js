// German by default, English when the browser prefers it or the reader switches.
// Texts live here, keyed; elements carry data-i18n="key" (text) or
// data-i18n-label="key" (aria-label). The choice is remembered per browser.

const TEXTS = {
  de: {
    "lang.switch": "English",
    "lang.switchLabel": "Switch to English",
    "skip": "Zum Inhalt springen",
    "citizen.title": "Dokument prüfen",
    "citizen.intro":
      "Prüfen Sie, ob ein Dokument echt ist und von der Verwaltung notariell erfasst wurde. Ihre Datei wird nur in diesem Browser verarbeitet und verlässt Ihr Gerät nicht.",
    "file.legend": "Datei prüfen",
    "file.label": "Dokument auswählen",
    "file.drop": "…oder die Datei hierher ziehen.",
    "file.hashing": "Fingerabdruck wird berechnet …",
    "file.hash": "Fingerabdruck (SHA-256) Ihrer Datei:",
    "hash.legend": "Fingerabdruck (SHA-256) prüfen",
    "hash.label": "SHA-256 (64 Hex-Zeichen)",
    "hash.button": "Prüfen",
    "hash.invalid": "Ein SHA-256 besteht aus 64 Zeichen 0–9 und a–f.",
    "receipt.legend": "Beleg prüfen",
    "receipt.textLabel": "Beleg (JSON) einfügen",
    "receipt.fileLabel": "oder Belegdatei (receipt.json) wählen",
    "receipt.button": "Beleg prüfen",
    "receipt.invalidJson": "Das ist kein gültiges JSON. Bitte den vollständigen Beleg einfügen.",
    "result.heading": "Ergebnis",
    "result.checking": "Wird geprüft …",
    "result.anchored": "Echt: Dieses Dokument wurde notariell erfasst.",
    "result.anchoredText": "{municipality} hat den Fingerabdruck dieses Dokuments am {date} in der Blockchain verankert. Das Dokument ist seitdem unverändert.",
    "result.pending": "Angenommen, noch nicht verankert.",
    "result.pendingText": "Die Verwaltung hat das Dokument angenommen; die Verankerung in der Blockchain folgt in wenigen Sekunden. Diese Seite prüft automatisch erneut.",
    "result.revoked": "Widerrufen: Dieses Dokument ist nicht mehr gültig.",
    "result.revokedText": "{municipality} hat das Dokument am {date} widerrufen. Grund: {reason}.",
    "result.unknown": "Unbekannt: Zu diesem Dokument gibt es keinen Eintrag.",
    "result.unknownText":
      "Es wurde hier nicht notariell erfasst, oder die Datei wurde verändert: schon ein geändertes Zeichen ergibt einen anderen Fingerabdruck. Prüfen Sie, ob Sie die richtige Datei gewählt haben.",
    "result.invalid": "Ungültiger Beleg.",
    "result.invalidText": "Der Beleg passt nicht zur Blockchain. Folgende Prüfungen sind fehlgeschlagen:",
    "result.error": "Die Prüfung ist gerade nicht möglich.",
    "result.match": "Die gewählte Datei passt zum Fingerabdruck aus dem Link bzw. Beleg.",
    "result.mismatch": "Achtung: Die gewählte Datei hat einen anderen Fingerabdruck als der Link bzw. Beleg. Geprüft wird die Datei.",
    "field.municipality": "Kommune",
    "field.anchoredAt": "Verankert am",
    "field.block": "Block",
    "field.transaction": "Transaktion",
    "field.registry": "Register",
    "field.chain": "Blockchain (Chain-ID)",
    "field.sha256": "Fingerabdruck (SHA-256)",
    "field.revokedAt": "Widerrufen am",
    "field.reason": "Grund",
    "reason.1": "zurückgezogen",
    "reason.2": "irrtümlich ausgestellt",
    "reason.3": "ersetzt",
    "reason.4": "abgelaufen",
    "reason.255": "sonstiger Grund",
    "footer.independent": "Unabhängig prüfen, ohne diesen Server: npx notary verify <Datei> --receipt receipt.json --rpc <URL>",
    "clerk.title": "Dokumente notariell erfassen",
    "clerk.keyLegend": "Anmelden",
    "clerk.keyLabel": "Schlüssel der Sachbearbeitung",
    "clerk.keyHint": "Der Schlüssel bleibt nur in diesem Browser-Tab gespeichert und wird beim Schließen vergessen.",
    "clerk.login": "Anmelden",
    "clerk.logout": "Abmelden",
    "clerk.badKey": "Dieser Schlüssel ist ungültig oder wurde entfernt.",
    "clerk.uploadLegend": "Neue Dokumente",
    "clerk.files": "Dokumente (eines oder mehrere)",
    "clerk.reference": "Aktenzeichen (optional)",
    "clerk.docTitle": "Titel (optional, sonst der Dateiname)",
    "clerk.public": "Öffentliches Dokument (unverschlüsselt speichern)",
    "clerk.hashOnly": "Nur den Fingerabdruck übermitteln (die Datei verlässt das Amt nicht)",
    "clerk.hashOnlyHint": "Der SHA-256 wird in diesem Browser berechnet; gespeichert und verankert wird nur er, kein Original.",
    "clerk.hashing": "Fingerabdruck wird berechnet",
    "clerk.upload": "Notariell erfassen",
    "clerk.noFiles": "Bitte mindestens eine Datei wählen.",
    "clerk.uploaded": "angenommen",
    "clerk.duplicate": "bereits erfasst",
    "clerk.failed": "fehlgeschlagen",
    "clerk.recent": "Letzte Dokumente",
    "clerk.none": "Noch keine Dokumente.",
    "clerk.col.document": "Dokument",
    "clerk.col.sha256": "SHA-256",
    "clerk.col.status": "Status",
    "clerk.col.created": "Erfasst",
    "clerk.col.actions": "Aktionen",
    "status.pending": "wartet auf Verankerung",
    "status.anchored": "verankert",
    "status.revoked": "widerrufen",
    "status.revoking": "Widerruf läuft",
    "status.erased": "Inhalt gelöscht",
    "action.json": "Beleg (JSON)",
    "action.pdf": "Beleg (PDF)",
    "action.revoke": "Widerrufen",
    "action.erase": "Inhalt löschen",
    "revoke.title": "Dokument widerrufen",
    "revoke.warning": "Der Widerruf wird dauerhaft in der Blockchain vermerkt und kann nicht rückgängig gemacht werden.",
    "revoke.reason": "Grund",
    "revoke.note": "Notiz (intern, optional)",
    "revoke.confirm": "Endgültig widerrufen",
    "erase.title": "Inhalt löschen",
    "erase.warning": "Das gespeicherte Original wird unwiderruflich gelöscht (der Schlüssel wird vernichtet). Die Verankerung und der Beleg bleiben gültig.",
    "erase.confirm": "Endgültig löschen",
    "cancel": "Abbrechen",
  },
  en: {
    "lang.switch": "Deutsch",
    "lang.switchLabel": "Auf Deutsch umschalten",
    "skip": "Skip to content",
    "citizen.title": "Verify a document",
    "citizen.intro":
      "Check whether a document is genuine and was notarised by the administration. Your file is processed only in this browser and never leaves your device.",
    "file.legend": "Check a file",
    "file.label": "Choose a document",
    "file.drop": "…or drop the file here.",
    "file.hashing": "Computing the fingerprint …",
    "file.hash": "Fingerprint (SHA-256) of your file:",
    "hash.legend": "Check a fingerprint (SHA-256)",
    "hash.label": "SHA-256 (64 hex characters)",
    "hash.button": "Check",
    "hash.invalid": "A SHA-256 has 64 characters 0–9 and a–f.",
    "receipt.legend": "Check a receipt",
    "receipt.textLabel": "Paste a receipt (JSON)",
    "receipt.fileLabel": "or choose a receipt file (receipt.json)",
    "receipt.button": "Check receipt",
    "receipt.invalidJson": "This is not valid JSON. Please paste the whole receipt.",
    "result.heading": "Result",
    "result.checking": "Checking …",
    "result.anchored": "Genuine: this document was notarised.",
    "result.anchoredText": "{municipality} anchored this document's fingerprint on the blockchain on {date}. The document has not changed since.",
    "result.pending": "Accepted, not anchored yet.",
    "result.pendingText": "The administration has accepted the document; it will be anchored on the blockchain within seconds. This page checks again by itself.",
    "result.revoked": "Revoked: this document is no longer valid.",
    "result.revokedText": "{municipality} revoked the document on {date}. Reason: {reason}.",
    "result.unknown": "Unknown: there is no record of this document.",
    "result.unknownText":
      "It was not notarised here, or the file was changed: a single changed character gives a different fingerprint. Check that you chose the right file.",
    "result.invalid": "Invalid receipt.",
    "result.invalidText": "The receipt does not match the blockchain. These checks failed:",
    "result.error": "Verification is not possible right now.",
    "result.match": "The chosen file matches the fingerprint from the link or receipt.",
    "result.mismatch": "Note: the chosen file has a different fingerprint than the link or receipt. The file is what is checked.",
    "field.municipality": "Municipality",
    "field.anchoredAt": "Anchored at",
    "field.block": "Block",
    "field.transaction": "Transaction",
    "field.registry": "Registry",
    "field.chain": "Blockchain (chain id)",
    "field.sha256": "Fingerprint (SHA-256)",
    "field.revokedAt": "Revoked at",
    "field.reason": "Reason",
    "reason.1": "withdrawn",
    "reason.2": "issued in error",
    "reason.3": "superseded",
    "reason.4": "expired",
    "reason.255": "other",
    "footer.independent": "Verify independently, without this server: npx notary verify <file> --receipt receipt.json --rpc <URL>",
    "clerk.title": "Notarise documents",
    "clerk.keyLegend": "Sign in",
    "clerk.keyLabel": "Clerk key",
    "clerk.keyHint": "The key is kept only in this browser tab and forgotten when it closes.",
    "clerk.login": "Sign in",
    "clerk.logout": "Sign out",
    "clerk.badKey": "This key is not valid or has been removed.",
    "clerk.uploadLegend": "New documents",
    "clerk.files": "Documents (one or more)",
    "clerk.reference": "Reference (optional)",
    "clerk.docTitle": "Title (optional, else the file name)",
    "clerk.public": "Public document (store unencrypted)",
    "clerk.hashOnly": "Send only the fingerprint (the file stays in the office)",
    "clerk.hashOnlyHint": "The SHA-256 is computed in this browser; only it is stored and anchored, no original.",
    "clerk.hashing": "computing the fingerprint",
    "clerk.upload": "Notarise",
    "clerk.noFiles": "Please choose at least one file.",
    "clerk.uploaded": "accepted",
    "clerk.duplicate": "already notarised",
    "clerk.failed": "failed",
    "clerk.recent": "Recent documents",
    "clerk.none": "No documents yet.",
    "clerk.col.document": "Document",
    "clerk.col.sha256": "SHA-256",
    "clerk.col.status": "Status",
    "clerk.col.created": "Notarised",
    "clerk.col.actions": "Actions",
    "status.pending": "waiting to be anchored",
    "status.anchored": "anchored",
    "status.revoked": "revoked",
    "status.revoking": "revocation in progress",
    "status.erased": "content erased",
    "action.json": "Receipt (JSON)",
    "action.pdf": "Receipt (PDF)",
    "action.revoke": "Revoke",
    "action.erase": "Erase content",
    "revoke.title": "Revoke document",
    "revoke.warning": "The revocation is recorded on the blockchain for good and cannot be undone.",
    "revoke.reason": "Reason",
    "revoke.note": "Note (internal, optional)",
    "revoke.confirm": "Revoke for good",
    "erase.title": "Erase content",
    "erase.warning": "The stored original is erased for good (its key is destroyed). The anchor and the receipt stay valid.",
    "erase.confirm": "Erase for good",
    "cancel": "Cancel",
  },
};

const STORAGE_KEY = "notary.lang";

function initialLanguage() {
  const chosen = localStorage.getItem(STORAGE_KEY);
  if (chosen === "de" || chosen === "en") return chosen;
  const preferred = (navigator.languages ?? [navigator.language]).find((l) => /^(de|en)\b/i.test(l));
  return preferred?.toLowerCase().startsWith("en") ? "en" : "de";
}

let lang = initialLanguage();
const listeners = [];

/** The text for `key` in the current language, with {placeholders} filled. */
export function t(key, values = {}) {
  const text = TEXTS[lang][key] ?? TEXTS.de[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export const language = () => lang;

/** Date and time of a unix timestamp, in the reader's language, German time zone. */
export function formatTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString(lang === "de" ? "de-DE" : "en-GB", {
    dateStyle: "long",
    timeStyle: "long",
    timeZone: "Europe/Berlin",
  });
}

function apply() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const fn of listeners) fn();
}

/** Runs `fn` after every language change (to re-render dynamic parts). */
export const onLanguageChange = (fn) => listeners.push(fn);

/** Applies the language to the page and wires the switch button. */
export function setupLanguage() {
  apply();
  document.getElementById("lang-switch")?.addEventListener("click", () => {
    lang = lang === "de" ? "en" : "de";
    localStorage.setItem(STORAGE_KEY, lang);
    apply();
  });
}
