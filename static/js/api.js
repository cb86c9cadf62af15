// Shared helpers for the pages: calls to the REST API with the session and CSRF token,
// DOM building without innerHTML (user content is always text), and a status toast.

const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

export class ApiError extends Error {
  constructor(status, body) {
    super(ApiError.summary(status, body));
    this.status = status;
    this.body = body;
  }

  static summary(status, body) {
    if (body && typeof body.detail === "string") return body.detail;
    if (status === 400) return "Please correct the highlighted problems.";
    if (status === 429) return "Too many requests; wait a moment and try again.";
    return `The server answered ${status}.`;
  }
}

// `headers` adds request headers (If-Match); `withMeta` answers {data, etag, status} instead of
// the body alone. Errors carry the status, the JSON body and the response's ETag.
export async function api(method, url, body, { headers = {}, withMeta = false } = {}) {
  const options = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch {
    throw new ApiError(0, { detail: "The server could not be reached. Check your connection." });
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  const etag = response.headers.get("ETag");
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.etag = etag;
    throw error;
  }
  return withMeta ? { data, etag, status: response.status } : data;
}

// el("button", {class: "primary", onclick: fn}, "Save") — children are text or nodes.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let toastTimer;
export function toast(message, kind = "info") {
  const box = document.querySelector(".toast");
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (insecure context): fall back to a selected textarea.
    const area = el("textarea", { class: "visually-hidden" }, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  if (button) {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  }
}

export function commandBlock(command) {
  const copy = el("button", { type: "button", class: "small", "aria-label": `Copy command ${command.label || ""}`.trim() }, "Copy");
  copy.addEventListener("click", () => copyText(command.command ?? command.code, copy));
  return el(
    "div",
    { class: "command" },
    el("div", { class: "command-head" },
      el("span", { class: "muted small" }, [command.label, command.command_type ?? command.language].filter(Boolean).join(" · ") || "Command"),
      copy),
    el("pre", {}, el("code", {}, command.command ?? command.code)),
  );
}

export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}
