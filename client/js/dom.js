// Building the page: every text goes in through textContent (or an attribute), never as HTML.

/** h("button", {class: "x", type: "button", onclick: fn}, "text", child) */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function byId(id) {
  return document.getElementById(id);
}

/** Replace an element's children, keeping the element (and its focus neighbours). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// An answer that is not the server's JSON (a proxy's page while the server restarts) has no
// message for people: its status gives the code the page has words for (errorText).
const PROXY_CODES = { 413: "too_large", 502: "unavailable", 503: "unavailable", 504: "timeout" };

export async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options, headers: { ...(options.headers ?? {}) } };
  if (options.json !== undefined) {
    init.method = init.method ?? "POST";
    init.body = JSON.stringify(options.json);
    init.headers["Content-Type"] = "application/json";
    delete init.json;
  }
  const response = await fetch(path, init);
  const body = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error(body?.error?.message ?? "");
    error.code = body?.error?.code ?? PROXY_CODES[response.status] ?? String(response.status);
    error.field = body?.error?.field ?? null; // the input it is about: "items[2].theme"
    error.status = response.status;
    throw error;
  }
  return body;
}

/** Redraw without losing the person's place: focus (by id) and the caret come back. */
export function keepFocus(render) {
  const active = document.activeElement;
  const id = active?.id;
  const caret = active && typeof active.selectionStart === "number"
    ? [active.selectionStart, active.selectionEnd] : null;
  render();
  if (!id || document.activeElement === active) return;
  const again = document.getElementById(id);
  if (!again) return;
  again.focus();
  if (caret && typeof again.setSelectionRange === "function") again.setSelectionRange(...caret);
}
