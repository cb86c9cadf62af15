// Widgets both editors put on a node's card: text fields, the server's messages for the node
// (validation errors, suspected secrets, a takedown by support staff) and small buttons.
// `state` is the editor's shared state (editor.js); `onEdit` marks the flow unsaved.
import { el } from "./api.js";

export function iconButton(label, onclick, extra = {}) {
  return el("button", { type: "button", class: "small", onclick, ...extra }, label);
}

export function textField(node, key, label, onEdit, { multiline = false, required = false } = {}) {
  const id = `${node.id}-${key}`;
  const attributes = { id, value: multiline ? undefined : node[key] || "", required, maxlength: multiline ? undefined : 255 };
  const input = multiline ? el("textarea", { id, rows: 3 }, node[key] || "") : el("input", attributes);
  input.addEventListener("input", () => {
    if (input.value) node[key] = input.value;
    else delete node[key];
    onEdit(node, key);
  });
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

export function nodeErrors(state, node) {
  const messages = state.errorsByNode.get(node) || [];
  if (!messages.length) return null;
  return el("ul", { class: "node-errors", role: "alert" }, messages.map((message) => el("li", {}, message)));
}

const FIELD_NAMES = { title: "title", description: "description", expected_outcome: "expected outcome", answer: "answer", name: "name" };

function fieldName(field) {
  const command = /^commands(?:\[(\d+)\]\.(code|label))?$/.exec(field);
  if (command) return command[1] === undefined ? "commands" : `command ${Number(command[1]) + 1} ${command[2]}`;
  return FIELD_NAMES[field] || field;
}

function secretFinding(finding, onMarkFalsePositive) {
  const text = `${finding.kind} in the ${fieldName(finding.field)}, line ${finding.line}: ${finding.masked}`;
  return el("li", { class: `secret-finding${finding.allowed ? " allowed" : ""}`, dataset: { path: finding.path } },
    el("span", {}, text),
    finding.allowed
      ? el("span", { class: "badge" }, "Marked false positive")
      : iconButton("Mark as false positive", () => onMarkFalsePositive(finding)));
}

// The flow's own fields (its name) are under the node null.
export function nodeSecrets(state, node) {
  const findings = state.secretsByNode.get(node) || [];
  if (!findings.length) return null;
  return el("div", { class: "node-secrets", role: "alert" },
    el("p", {}, "Looks like a secret: remove it, or mark it as a false positive to publish."),
    el("ul", {}, findings.map((finding) => secretFinding(finding, state.markFalsePositive))));
}

// Steps whose library entry support staff took down: it stays out of the library, whatever
// is published, until staff lift it (GET /api/trees/{id}/takedowns/).
export function takedownBadge(state, node) {
  return state.takenDown.has(node.id) ? el("span", { class: "badge takedown" }, "Taken down by support staff") : null;
}

export function takedownNote(state, node) {
  const item = state.takenDown.get(node.id);
  if (!item) return null;
  return el("p", { class: "takedown-note small" },
    "This step's library entry was taken down by support staff and stays out of the library until they lift it. Reason: ",
    item.reason);
}

export function newId(prefix) {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
