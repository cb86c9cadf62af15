// The flow editor page: procedural/maintenance step lists (editor-steps.js) and
// troubleshooting trees (editor-tree.js). The page keeps the structure in memory, renders it,
// and saves it through the REST API (editor-actions.js). A published flow is edited in its
// working copy (/draft/) until the author publishes it; every write sends If-Match, and a 412
// opens the conflict dialog (editor-conflict.js).
import { api, el, readJson, toast } from "./api.js";
import { editorActions } from "./editor-actions.js";
import { historyPanel } from "./editor-history.js";
import { stepsEditor } from "./editor-steps.js";
import { treeEditor } from "./editor-tree.js";
import { variablesPanel } from "./editor-variables.js";
import { nodeSecrets } from "./editor-widgets.js";

const tree = readJson("tree-data");
const editorState = readJson("editor-state");
const stepwise = tree.tree_type !== "troubleshooting";
const root = document.getElementById("editor-root");
const formErrors = document.getElementById("form-errors");
const fields = {
  name: document.getElementById("flow-name"),
  description: document.getElementById("flow-description"),
  isPublic: document.getElementById("flow-public"),
};
const buttons = {
  save: document.getElementById("save-button"),
  publish: document.getElementById("publish-button"),
  active: document.getElementById("active-button"),
};

// Commands may arrive as a plain string; the editor always works on the list form.
function normalize(data) {
  if (stepwise) {
    data.steps = Array.isArray(data.steps) ? data.steps : [];
    for (const node of data.steps) {
      if (typeof node.commands === "string") node.commands = node.commands.trim() ? [{ code: node.commands }] : [];
    }
  } else if (!("root" in data)) {
    data.root = null;
  }
  return data;
}

const initialStructure = normalize(structuredClone((editorState.working_copy || tree).tree_structure || {}));

// Everything the editor's parts share.
const state = {
  tree,
  stepwise,
  // The working copy of a published flow (null when there is none), the flow history's version
  // (its ETag is "h<version>"), and the flow's own ETag (its row version, for PATCH).
  workingCopy: editorState.working_copy,
  historyVersion: editorState.history_version,
  treeEtag: Number.isInteger(tree.version) ? `"${tree.version}"` : null,
  structure: initialStructure,
  // What the server held when this page last loaded or saved: a conflict is shown against it.
  base: { name: (editorState.working_copy || tree).name, structure: structuredClone(initialStructure) },
  errorsByNode: new Map(),
  // Suspected secrets from the last preview or refused publish: node → findings (path, kind,
  // masked hint, fingerprint, allowed); the flow's own fields (its name) under null.
  secretsByNode: new Map(),
  takenDown: new Map(),
  dirty: false,
  markFalsePositive: (finding) => markFalsePositive(finding),
};

function nodeForPath(path) {
  // "steps[3].commands[0].code" → the node at steps[3]; "root.children[1].title" → that node.
  if (stepwise) {
    const match = /^steps\[(\d+)\]/.exec(path);
    return match ? state.structure.steps[Number(match[1])] : null;
  }
  const match = /^root((?:\.children\[\d+\])*)/.exec(path);
  if (!match || !state.structure.root) return null;
  let node = state.structure.root;
  for (const [, index] of match[1].matchAll(/\[(\d+)\]/g)) node = node?.children?.[Number(index)];
  return node || null;
}

function markDirty() {
  if (state.dirty) return;
  state.dirty = true;
  document.getElementById("dirty-note").textContent = "Unsaved changes";
}

// ---- the parts --------------------------------------------------------------------

const similarOptions = { stepwise, onChange: () => { markDirty(); render({ all: true }); }, onRender: () => render({ all: true }) };
const editor = (stepwise ? stepsEditor : treeEditor)({
  root, state, similarOptions, onEdit: markDirty, onStructureChange: () => { markDirty(); render(); },
});
const variablesView = variablesPanel({
  container: document.getElementById("variables-root"), editorRoot: root, getStructure: () => state.structure, onChange: markDirty,
});
const historyView = historyPanel({ treeId: tree.id, canRestore: () => isPublished(), onRestore: (number) => actions.restoreRevision(number) });

function isPublished() {
  return tree.status === "published";
}

// `all` redraws every node (the server's messages about them changed); otherwise only the
// nodes an edit touched are redrawn.
function render({ all = false } = {}) {
  editor.render({ all });
  variablesView.render();
  const flowSecrets = nodeSecrets(state, null);
  document.getElementById("flow-secrets").replaceChildren(...(flowSecrets ? [flowSecrets] : []));
  const published = isPublished();
  buttons.save.textContent = published ? "Save changes" : "Save draft";
  buttons.publish.hidden = published;
  const banner = document.getElementById("working-copy-banner");
  banner.hidden = !(published && state.workingCopy);
  if (state.workingCopy) {
    const by = state.workingCopy.saved_by_username ? ` by ${state.workingCopy.saved_by_username}` : "";
    document.getElementById("working-copy-note").textContent =
      `Saved${by}; the library and Navigate show the published version until you publish.`;
  }
  buttons.active.textContent = tree.is_active ? "Deactivate" : "Reactivate";
  document.getElementById("status-badge").textContent = tree.status[0].toUpperCase() + tree.status.slice(1);
  document.getElementById("status-badge").className = `badge status-${tree.status}`;
  const activeBadge = document.getElementById("active-badge");
  activeBadge.textContent = tree.is_active ? "Active" : "Inactive";
  activeBadge.className = `badge ${tree.is_active ? "active" : "inactive"}`;
}

// ---- the server's messages about nodes ------------------------------------------------

function showSecrets(findings) {
  state.secretsByNode = new Map();
  for (const finding of findings || []) {
    const node = finding.node_id ? nodeForPath(finding.path) : null;
    state.secretsByNode.set(node, [...(state.secretsByNode.get(node) || []), finding]);
  }
  if (state.secretsByNode.size) editor.expandAll();
}

function showErrors(body) {
  state.errorsByNode = new Map();
  const general = [];
  showSecrets(body?.secret_findings);
  for (const [field, messages] of Object.entries(body || {})) {
    if (field === "secret_findings") continue;
    for (const message of [].concat(messages)) {
      if (field !== "tree_structure") { general.push(`${field}: ${message}`); continue; }
      const node = nodeForPath(String(message).split(":")[0]);
      if (node) state.errorsByNode.set(node, [...(state.errorsByNode.get(node) || []), message]);
      else general.push(message);
    }
  }
  const count = [...state.errorsByNode.values()].reduce((sum, list) => sum + list.length, 0);
  formErrors.replaceChildren(...[
    el("p", {}, count ? `${count} problem${count === 1 ? "" : "s"} in the steps below.` : "The flow could not be saved."),
    general.length ? el("ul", {}, general.map((message) => el("li", {}, message))) : null,
  ].filter(Boolean));
  formErrors.hidden = false;
  editor.expandAll();
  render({ all: true });
  (document.querySelector(".node-errors") || formErrors).scrollIntoView({ block: "center" });
}

function clearErrors() {
  state.errorsByNode = new Map();
  state.secretsByNode = new Map();
  formErrors.hidden = true;
}

async function markFalsePositive(finding) {
  if (!window.confirm(`Publish this ${finding.kind} (${finding.masked}) as it is? Other teams will see it.`)) return;
  try {
    await api("POST", `/api/trees/${tree.id}/secret-allowances/`, {
      path: finding.path,
      fingerprint: finding.fingerprint,
      tree_structure: state.structure,
      name: fields.name.value,
    });
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  finding.allowed = true;
  // The refusal messages that named this finding are answered now.
  state.errorsByNode.forEach((messages, node) => state.errorsByNode.set(node, messages.filter((message) => !message.includes(finding.fingerprint))));
  if (![...state.secretsByNode.values()].flat().some((item) => !item.allowed)) formErrors.hidden = true;
  render({ all: true });
  toast("Marked as a false positive. Publish again when ready.", "success");
}

// What the server holds now replaces the editor's structure (after a save, publish, restore…).
function savedState(name, savedStructure) {
  state.base = { name, structure: structuredClone(savedStructure) };
  state.structure = normalize(structuredClone(savedStructure));
  fields.name.value = name;
  state.dirty = false;
  document.getElementById("dirty-note").textContent = "All changes saved";
  clearErrors();
  render({ all: true });
  historyView.refresh();
}

async function loadTakedowns() {
  try {
    const items = await api("GET", `/api/trees/${tree.id}/takedowns/`);
    state.takenDown = new Map(items.map((item) => [item.node_id, item]));
    if (state.takenDown.size) render({ all: true });
  } catch {
    // The marks help the author; the editor works without them.
  }
}

const actions = editorActions({
  state, fields, buttons, formErrors, render, showErrors, showSecrets, savedState, isPublished,
});

window.addEventListener("beforeunload", (event) => {
  if (!state.dirty) return;
  event.preventDefault();
  event.returnValue = "";
});

fields.name.value = state.base.name;
fields.description.value = tree.description || "";
fields.isPublic.checked = tree.is_public;
for (const input of Object.values(fields)) input.addEventListener("input", markDirty);
render();
loadTakedowns();
