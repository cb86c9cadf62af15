// Node-by-node changes between two flow structures, in the format the flow history API uses
// (flows/history.py): {name?, variables?, added, removed, changed: [{id, type, title, fields}], order_changed}.
import { el } from "./api.js";

const STRUCTURAL = new Set(["id", "children"]);

function nodeMap(structure) {
  // {id: the node's own fields}; troubleshooting nodes carry their parent's id instead of children.
  const nodes = new Map();
  if (!structure || typeof structure !== "object") return nodes;
  const own = (node) => Object.fromEntries(Object.entries(node).filter(([key]) => !STRUCTURAL.has(key)));
  if (Array.isArray(structure.steps)) {
    for (const node of structure.steps) {
      if (node && typeof node.id === "string" && !nodes.has(node.id)) nodes.set(node.id, own(node));
    }
    return nodes;
  }
  const stack = structure.root && typeof structure.root === "object" ? [[structure.root, null]] : [];
  while (stack.length) {
    const [node, parent] = stack.pop();
    if (!node || typeof node !== "object") continue;
    if (typeof node.id === "string" && !nodes.has(node.id)) nodes.set(node.id, { ...own(node), parent: parent?.id ?? null });
    const children = Array.isArray(node.children) ? node.children : [];
    for (let index = children.length - 1; index >= 0; index -= 1) stack.push([children[index], node]);
  }
  return nodes;
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const summary = (id, node) => ({ id, type: node.type ?? null, title: node.title ?? null });

export function structureChanges(before, after, beforeName = null, afterName = null) {
  const old = nodeMap(before);
  const now = nodeMap(after);
  const changes = { added: [], removed: [], changed: [], order_changed: false };
  if (beforeName !== null && afterName !== null && beforeName !== afterName) changes.name = { from: beforeName, to: afterName };
  const variablesOf = (structure) => (Array.isArray(structure?.variables) ? structure.variables : []);
  if (!same(variablesOf(before), variablesOf(after))) changes.variables = { from: variablesOf(before), to: variablesOf(after) };
  for (const [id, node] of now) {
    const previous = old.get(id);
    if (!previous) { changes.added.push(summary(id, node)); continue; }
    const fields = {};
    for (const key of [...new Set([...Object.keys(previous), ...Object.keys(node)])].sort()) {
      if (!same(previous[key], node[key])) fields[key] = { from: previous[key] ?? null, to: node[key] ?? null };
    }
    if (Object.keys(fields).length) changes.changed.push({ ...summary(id, node), fields });
  }
  for (const [id, node] of old) if (!now.has(id)) changes.removed.push(summary(id, node));
  const keptOld = [...old.keys()].filter((id) => now.has(id));
  const keptNew = [...now.keys()].filter((id) => old.has(id));
  changes.order_changed = !same(keptOld, keptNew);
  return changes;
}

export function hasChanges(changes) {
  return Boolean(changes.name || changes.variables || changes.added.length || changes.removed.length || changes.changed.length || changes.order_changed);
}

function shown(value) {
  if (value === null || value === undefined || value === "") return "(empty)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function nodeLabel(node) {
  return `${node.title || "(untitled)"}`;
}

// "2 added · 1 changed" for a history row.
export function changeSummary(changes) {
  const parts = [];
  if (changes.name) parts.push("renamed");
  if (changes.variables) parts.push("variables changed");
  if (changes.added?.length) parts.push(`${changes.added.length} added`);
  if (changes.removed?.length) parts.push(`${changes.removed.length} removed`);
  if (changes.changed?.length) parts.push(`${changes.changed.length} changed`);
  if (changes.order_changed) parts.push("reordered");
  return parts.join(" · ") || "no changes";
}

export function renderStructureChanges(changes) {
  const rows = [];
  if (changes.name) {
    rows.push(el("li", { class: "change" }, el("strong", {}, "Flow name: "),
      el("del", {}, shown(changes.name.from)), " → ", el("ins", {}, shown(changes.name.to))));
  }
  if (changes.variables) {
    const names = (list) => list.map((variable) => variable?.name).filter(Boolean).join(", ") || "(none)";
    rows.push(el("li", { class: "change" }, el("strong", {}, "Variables: "),
      el("del", {}, names(changes.variables.from)), " → ", el("ins", {}, names(changes.variables.to))));
  }
  for (const node of changes.added) rows.push(el("li", { class: "change change-added" }, el("strong", {}, "Added: "), el("ins", {}, nodeLabel(node))));
  for (const node of changes.removed) rows.push(el("li", { class: "change change-removed" }, el("strong", {}, "Removed: "), el("del", {}, nodeLabel(node))));
  for (const node of changes.changed) {
    rows.push(el("li", { class: "change change-changed" },
      el("strong", {}, `Changed: ${nodeLabel(node)}`),
      el("ul", {}, Object.entries(node.fields).map(([field, value]) => el("li", {},
        `${field.replaceAll("_", " ")}: `, el("del", {}, shown(value.from)), " → ", el("ins", {}, shown(value.to)))))));
  }
  if (changes.order_changed) rows.push(el("li", { class: "change" }, "The order of the steps changed."));
  return rows.length ? el("ul", { class: "changes" }, rows) : el("p", { class: "muted" }, "No differences.");
}
