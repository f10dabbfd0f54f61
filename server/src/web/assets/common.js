// Helpers shared by the citizen and clerk pages.

/** An element with attributes and children (strings become text, never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null));
  return node;
}

/** The error text of a failed response: a problem+json's detail, or the status line. */
export async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail ?? body.title ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/** Shows the municipality's name (from the registry) in the header and the title. */
export async function showMunicipality() {
  try {
    const response = await fetch("/api/v1/registry");
    if (!response.ok) return null;
    const { municipality } = await response.json();
    document.getElementById("municipality").textContent = municipality.name;
    return municipality;
  } catch {
    return null;
  }
}

/** A definition list of [label, value] rows; values may be nodes. */
export const facts = (rows) =>
  el("dl", { class: "facts" }, rows.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
