// The flow editor: procedural/maintenance step lists and troubleshooting trees.
// The page keeps the structure in memory, renders it, and saves it through the REST API.
// A published flow is edited in its working copy (/draft/) until the author publishes it;
// every write sends If-Match, and a 412 opens the conflict dialog (editor-conflict.js).
import { api, el, readJson, toast } from "./api.js";
import { askAboutConflict } from "./editor-conflict.js";
import { historyPanel } from "./editor-history.js";
import { variablesPanel } from "./editor-variables.js";
import { structureChanges } from "./flow-changes.js";
import { confirmReactivation, impactDialog, plural } from "./impact-dialog.js";
import { showSimilar, similarNote, unansweredSimilar } from "./editor-similar.js";
import { pickFromLibrary } from "./library-picker.js";

const tree = readJson("tree-data");
const editorState = readJson("editor-state");
const treeUrl = `/api/trees/${tree.id}/`;
const draftUrl = `/api/trees/${tree.id}/draft/`;
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
const VISIBILITY_OPTIONS = [["", "Inherit from flow"], ["team", "Team only"], ["public", "Public"]];

// The working copy of a published flow (null when there is none), the flow history's version
// (its ETag is "h<version>"), and the flow's own ETag (its row version, for PATCH).
let workingCopy = editorState.working_copy;
let historyVersion = editorState.history_version;
let treeEtag = Number.isInteger(tree.version) ? `"${tree.version}"` : null;
let structure = normalize(structuredClone((workingCopy || tree).tree_structure || {}));
// What the server held when this page last loaded or saved: a conflict is shown against it.
let base = { name: (workingCopy || tree).name, structure: structuredClone(structure) };
let errorsByNode = new Map();
// Suspected secrets from the last preview or refused publish: node → findings (path, kind,
// masked hint, fingerprint, allowed); the flow's own fields (its name) under null.
let secretsByNode = new Map();
let dirty = false;
const openOptions = new Set();  // node ids whose More Options the author opened

// ---- structure helpers -------------------------------------------------------------

function newId(prefix) {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

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

function nodeForPath(path) {
  // "steps[3].commands[0].code" → the node at steps[3]; "root.children[1].title" → that node.
  if (stepwise) {
    const match = /^steps\[(\d+)\]/.exec(path);
    return match ? structure.steps[Number(match[1])] : null;
  }
  const match = /^root((?:\.children\[\d+\])*)/.exec(path);
  if (!match || !structure.root) return null;
  let node = structure.root;
  for (const [, index] of match[1].matchAll(/\[(\d+)\]/g)) node = node?.children?.[Number(index)];
  return node || null;
}

function markDirty() {
  dirty = true;
  document.getElementById("dirty-note").textContent = "Unsaved changes";
}

function changed(mutate, rerender = false) {
  return (event) => {
    mutate(event);
    markDirty();
    if (rerender) render();
  };
}

// ---- shared node widgets -----------------------------------------------------------

function textField(node, key, label, { multiline = false, required = false } = {}) {
  const id = `${node.id}-${key}`;
  const attributes = { id, value: multiline ? undefined : node[key] || "", required, maxlength: multiline ? undefined : 255 };
  const input = multiline ? el("textarea", { id, rows: 3 }, node[key] || "") : el("input", attributes);
  input.addEventListener("input", changed(() => {
    if (input.value) node[key] = input.value;
    else delete node[key];
  }));
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

function nodeErrors(node) {
  const messages = errorsByNode.get(node) || [];
  if (!messages.length) return null;
  return el("ul", { class: "node-errors", role: "alert" }, messages.map((message) => el("li", {}, message)));
}

const FIELD_NAMES = { title: "title", description: "description", expected_outcome: "expected outcome", answer: "answer", name: "name" };

function fieldName(field) {
  const command = /^commands(?:\[(\d+)\]\.(code|label))?$/.exec(field);
  if (command) return command[1] === undefined ? "commands" : `command ${Number(command[1]) + 1} ${command[2]}`;
  return FIELD_NAMES[field] || field;
}

function secretFinding(finding) {
  const text = `${finding.kind} in the ${fieldName(finding.field)}, line ${finding.line}: ${finding.masked}`;
  return el("li", { class: `secret-finding${finding.allowed ? " allowed" : ""}`, dataset: { path: finding.path } },
    el("span", {}, text),
    finding.allowed
      ? el("span", { class: "badge" }, "Marked false positive")
      : iconButton("Mark as false positive", () => markFalsePositive(finding)));
}

function nodeSecrets(node) {
  const findings = secretsByNode.get(node) || [];
  if (!findings.length) return null;
  return el("div", { class: "node-secrets", role: "alert" },
    el("p", {}, "Looks like a secret: remove it, or mark it as a false positive to publish."),
    el("ul", {}, findings.map(secretFinding)));
}

function showSecrets(findings) {
  secretsByNode = new Map();
  for (const finding of findings || []) {
    const node = finding.node_id ? nodeForPath(finding.path) : null;
    secretsByNode.set(node, [...(secretsByNode.get(node) || []), finding]);
  }
}

async function markFalsePositive(finding) {
  if (!window.confirm(`Publish this ${finding.kind} (${finding.masked}) as it is? Other teams will see it.`)) return;
  try {
    await api("POST", `/api/trees/${tree.id}/secret-allowances/`, {
      path: finding.path,
      fingerprint: finding.fingerprint,
      tree_structure: structure,
      name: fields.name.value,
    });
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  finding.allowed = true;
  // The refusal messages that named this finding are answered now.
  errorsByNode.forEach((messages, node) => errorsByNode.set(node, messages.filter((message) => !message.includes(finding.fingerprint))));
  if (![...secretsByNode.values()].flat().some((item) => !item.allowed)) formErrors.hidden = true;
  render();
  toast("Marked as a false positive. Publish again when ready.", "success");
}

function iconButton(label, onclick, extra = {}) {
  return el("button", { type: "button", class: "small", onclick, ...extra }, label);
}

// ---- procedural / maintenance ------------------------------------------------------

function commandEditor(node, command, index) {
  const base = `${node.id}-cmd-${index}`;
  const update = (key, input) => changed(() => {
    if (input.value) command[key] = input.value;
    else delete command[key];
  });
  const language = el("input", { id: `${base}-language`, value: command.language || "", placeholder: "bash" });
  const label = el("input", { id: `${base}-label`, value: command.label || "", placeholder: "Stop" });
  const code = el("textarea", { id: `${base}-code`, rows: 2, class: "code" }, command.code || "");
  language.addEventListener("input", update("language", language));
  label.addEventListener("input", update("label", label));
  code.addEventListener("input", update("code", code));
  return el("fieldset", { class: "command-editor" },
    el("legend", {}, `Command ${index + 1}`),
    el("div", { class: "inline" },
      el("div", { class: "field" }, el("label", { for: `${base}-language` }, "Language"), language),
      el("div", { class: "field" }, el("label", { for: `${base}-label` }, "Label"), label)),
    el("div", { class: "field" }, el("label", { for: `${base}-code` }, "Code"), code),
    iconButton("Remove command", changed(() => node.commands.splice(index, 1), true)));
}

function visibilitySelect(node) {
  const id = `${node.id}-library-visibility`;
  const select = el("select", { id, name: "library_visibility", class: "library-visibility" },
    VISIBILITY_OPTIONS.map(([value, label]) => el("option", { value, selected: (node.library_visibility || "") === value }, label)));
  select.addEventListener("change", changed(() => {
    // "Inherit from flow" removes the key: the step then follows the flow's visibility.
    if (select.value) node.library_visibility = select.value;
    else delete node.library_visibility;
  }, true));
  select.addEventListener("change", () => document.getElementById(id)?.focus());
  // Redraws (every structural edit) keep the author's open More Options open.
  const details = el("details", { class: "more-options", open: openOptions.has(node.id) },
    el("summary", {}, "More Options"),
    el("div", { class: "field" }, el("label", { for: id }, "Library Visibility"), select));
  details.addEventListener("toggle", () => (details.open ? openOptions.add(node.id) : openOptions.delete(node.id)));
  return details;
}

// A step that overrides the flow's library visibility says so on its card, not only in More Options.
function visibilityChip(node) {
  const label = VISIBILITY_OPTIONS.find(([value]) => value && value === node.library_visibility)?.[1];
  if (!label) return null;
  return el("span", { class: `badge vis-${node.library_visibility} visibility-chip` },
    el("span", { class: "visually-hidden" }, "Library visibility: "), label);
}

function moveStep(index, offset) {
  const target = index + offset;
  if (target < 0 || target >= structure.steps.length) return;
  const [node] = structure.steps.splice(index, 1);
  structure.steps.splice(target, 0, node);
  markDirty();
  render();
  document.querySelector(`[data-node-id="${CSS.escape(node.id)}"] .move-${offset < 0 ? "up" : "down"}`)?.focus();
}

function stepCard(node, index) {
  const kind = { section_header: "Section", procedure_step: "Step", procedure_end: "End" }[node.type] || node.type;
  const controls = el("div", { class: "node-controls" },
    iconButton("↑", () => moveStep(index, -1), { class: "small move-up", "aria-label": `Move ${kind.toLowerCase()} up`, disabled: index === 0 }),
    iconButton("↓", () => moveStep(index, 1), { class: "small move-down", "aria-label": `Move ${kind.toLowerCase()} down`, disabled: index === structure.steps.length - 1 }),
    iconButton("Remove", changed(() => structure.steps.splice(index, 1), true), { class: "small danger", "aria-label": `Remove ${kind.toLowerCase()} ${node.title || ""}`.trim() }));
  const body = [textField(node, "title", node.type === "section_header" ? "Section title" : "Title")];
  if (node.type === "procedure_step") {
    node.commands = node.commands || [];
    body.push(
      textField(node, "description", "Description", { multiline: true }),
      textField(node, "expected_outcome", "Expected outcome"),
      el("div", { class: "commands" },
        node.commands.map((command, commandIndex) => commandEditor(node, command, commandIndex)),
        iconButton("Add command", changed(() => node.commands.push({ language: "bash", code: "" }), true))),
      visibilitySelect(node));
  }
  return el("li", { class: `node card node-${node.type}`, dataset: { nodeId: node.id, nodeType: node.type } },
    el("div", { class: "node-head" }, el("span", { class: `badge kind-${node.type}` }, kind), visibilityChip(node), takedownBadge(node), controls),
    takedownNote(node),
    nodeErrors(node),
    nodeSecrets(node),
    similarNote(node, similarOptions),
    body);
}

// Steps whose library entry support staff took down: it stays out of the library, whatever
// is published, until staff lift it (GET /api/trees/{id}/takedowns/).
let takenDown = new Map();

function takedownBadge(node) {
  return takenDown.has(node.id) ? el("span", { class: "badge takedown" }, "Taken down by support staff") : null;
}

function takedownNote(node) {
  const item = takenDown.get(node.id);
  if (!item) return null;
  return el("p", { class: "takedown-note small" },
    "This step's library entry was taken down by support staff and stays out of the library until they lift it. Reason: ",
    item.reason);
}

async function loadTakedowns() {
  try {
    const items = await api("GET", `/api/trees/${tree.id}/takedowns/`);
    takenDown = new Map(items.map((item) => [item.node_id, item]));
    if (takenDown.size) render();
  } catch {
    // The marks help the author; the editor works without them.
  }
}

function insertStep(node) {
  // New steps go before the end node, which must stay last.
  const endIndex = structure.steps.findIndex((step) => step.type === "procedure_end");
  structure.steps.splice(endIndex === -1 ? structure.steps.length : endIndex, 0, node);
  markDirty();
  render();
  document.getElementById(`${node.id}-title`)?.focus();
}

function stepFromLibrary(entry) {
  const content = entry.content || {};
  // library_step_id links the node to its entry ("where used"); it survives edits of the node.
  const node = { id: newId("s"), type: "procedure_step", title: entry.title, library_step_id: entry.id };
  if (content.instructions && content.instructions !== entry.title) node.description = content.instructions;
  if (content.help_text) node.expected_outcome = content.help_text;
  node.commands = (content.commands || []).map((command) => {
    const copy = { code: command.command };
    if (command.command_type) copy.language = command.command_type;
    if (command.label) copy.label = command.label;
    return copy;
  });
  return node;
}

function renderSteps() {
  const hasEnd = structure.steps.some((step) => step.type === "procedure_end");
  return [
    structure.steps.length
      ? el("ol", { class: "node-list", id: "step-list" }, structure.steps.map(stepCard))
      : el("p", { class: "empty card" }, "No steps yet. Add a section or a step."),
    el("div", { class: "row-actions add-bar" },
      el("button", { type: "button", onclick: () => insertStep({ id: newId("h"), type: "section_header", title: "" }) }, "Add section"),
      el("button", { type: "button", onclick: () => insertStep({ id: newId("s"), type: "procedure_step", title: "", commands: [] }) }, "Add step"),
      el("button", { type: "button", disabled: hasEnd, onclick: () => { structure.steps.push({ id: newId("end"), type: "procedure_end", title: "Done" }); markDirty(); render(); } }, "Add end"),
      el("button", { type: "button", onclick: () => pickFromLibrary((entry) => insertStep(stepFromLibrary(entry))) }, "Insert from library")),
  ];
}

// ---- troubleshooting ----------------------------------------------------------------

function typeSelect(node, parent) {
  const id = `${node.id}-type`;
  const select = el("select", { id },
    [["question", "Question"], ["action", "Action"], ["solution", "Solution"]].map(([value, label]) => el("option", { value, selected: node.type === value }, label)));
  select.addEventListener("change", () => {
    if (select.value === "solution" && (node.children || []).length) {
      select.value = node.type;
      toast("A solution ends its branch: remove its children first.", "error");
      return;
    }
    node.type = select.value;
    markDirty();
    render();
  });
  return el("div", { class: "field" }, el("label", { for: id }, parent ? "Type" : "Root type"), select);
}

function addChild(node, child) {
  node.children = node.children || [];
  node.children.push(child);
  markDirty();
  render();
  document.getElementById(`${child.id}-answer`)?.focus();
}

function treeCard(node, parent) {
  const canHaveChildren = node.type !== "solution";
  const removeBranch = () => {
    if (!window.confirm(`Remove "${node.title || node.type}" and everything below it?`)) return;
    if (parent) parent.children.splice(parent.children.indexOf(node), 1);
    else structure.root = null;
    markDirty();
    render();
  };
  const card = el("div", { class: `node card node-${node.type}`, dataset: { nodeId: node.id, nodeType: node.type } },
    el("div", { class: "node-head" },
      el("span", { class: `badge kind-${node.type}` }, node.type),
      takedownBadge(node),
      el("div", { class: "node-controls" },
        canHaveChildren ? iconButton("Add child", () => addChild(node, { id: newId("n"), type: "action", title: "", answer: "" })) : null,
        canHaveChildren ? iconButton("From library", () => pickFromLibrary((entry) => addChild(node, {
          id: newId("n"),
          type: entry.step_type === "solution" ? "solution" : "action",
          title: entry.title,
          library_step_id: entry.id,
          ...(entry.content?.instructions && entry.content.instructions !== entry.title ? { description: entry.content.instructions } : {}),
        }))) : null,
        iconButton("Remove branch", removeBranch, { class: "small danger" }))),
    takedownNote(node),
    nodeErrors(node),
    nodeSecrets(node),
    similarNote(node, similarOptions),
    el("div", { class: "inline" }, typeSelect(node, parent), parent ? textField(node, "answer", "Answer leading here") : null),
    textField(node, "title", node.type === "question" ? "Question" : "Title"),
    textField(node, "description", "Description", { multiline: true }));
  const children = (node.children || []).map((child) => el("li", {}, treeCard(child, node)));
  return el("div", { class: "tree-branch" }, card, children.length ? el("ul", { class: "tree-children" }, children) : null);
}

function renderTree() {
  if (!structure.root) {
    return el("div", { class: "card empty" },
      el("p", {}, "This tree is empty."),
      el("button", { type: "button", class: "primary", onclick: () => { structure.root = { id: newId("q"), type: "question", title: "", children: [] }; markDirty(); render(); } }, "Add the first question"));
  }
  return el("div", { class: "tree-editor" }, treeCard(structure.root, null));
}

// ---- page -------------------------------------------------------------------------

const similarOptions = { stepwise, onChange: () => { markDirty(); render(); }, onRender: () => render() };

function render() {
  root.replaceChildren(...[stepwise ? renderSteps() : renderTree()].flat());
  variablesView.render();
  const flowSecrets = nodeSecrets(null);
  document.getElementById("flow-secrets").replaceChildren(...(flowSecrets ? [flowSecrets] : []));
  const published = isPublished();
  buttons.save.textContent = published ? "Save changes" : "Save draft";
  buttons.publish.hidden = published;
  const banner = document.getElementById("working-copy-banner");
  banner.hidden = !(published && workingCopy);
  if (workingCopy) {
    const by = workingCopy.saved_by_username ? ` by ${workingCopy.saved_by_username}` : "";
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

function showErrors(body) {
  errorsByNode = new Map();
  const general = [];
  showSecrets(body?.secret_findings);
  for (const [field, messages] of Object.entries(body || {})) {
    if (field === "secret_findings") continue;
    for (const message of [].concat(messages)) {
      if (field !== "tree_structure") { general.push(`${field}: ${message}`); continue; }
      const node = nodeForPath(String(message).split(":")[0]);
      if (node) errorsByNode.set(node, [...(errorsByNode.get(node) || []), message]);
      else general.push(message);
    }
  }
  const count = [...errorsByNode.values()].reduce((sum, list) => sum + list.length, 0);
  formErrors.replaceChildren(...[
    el("p", {}, count ? `${count} problem${count === 1 ? "" : "s"} in the steps below.` : "The flow could not be saved."),
    general.length ? el("ul", {}, general.map((message) => el("li", {}, message))) : null,
  ].filter(Boolean));
  formErrors.hidden = false;
  render();
  (document.querySelector(".node-errors") || formErrors).scrollIntoView({ block: "center" });
}

function clearErrors() {
  errorsByNode = new Map();
  secretsByNode = new Map();
  formErrors.hidden = true;
}

function describeSync(result) {
  if (!result) return "";
  const parts = [`${result.created} step${result.created === 1 ? "" : "s"} added to the library`, `${result.updated} updated`, `${result.deactivated} removed`];
  if (result.held) parts.push(`${result.held} held by support staff`);
  return parts.join(", ");
}

function isPublished() {
  return tree.status === "published";
}

function ifMatch(etag) {
  return etag ? { "If-Match": etag } : {};
}

function savedState(name, savedStructure) {
  base = { name, structure: structuredClone(savedStructure) };
  structure = normalize(structuredClone(savedStructure));
  fields.name.value = name;
  dirty = false;
  document.getElementById("dirty-note").textContent = "All changes saved";
  clearErrors();
  render();
  historyView.refresh();
}

function failed(error, retry) {
  if (error.status === 400) showErrors(error.body);
  else if (error.status === 412) resolveConflict(error, retry);
  else toast(error.message, "error");
  return null;
}

// The flow itself: draft flows, and status / is_active / description / is_public changes.
async function patchTree(body, { overwrite = false } = {}) {
  try {
    const { data, etag } = await api("PATCH", treeUrl, { ...body, ...(overwrite ? { conflict_overwrite: true } : {}) },
      { headers: ifMatch(treeEtag), withMeta: true });
    Object.assign(tree, data);
    treeEtag = etag || `"${tree.version}"`;
    // The overwrite is a history revision of its own: the history's version moved on with it.
    if (overwrite) await refreshHistoryVersion();
    return data;
  } catch (error) {
    return failed(error, (options) => patchTree(body, options));
  }
}

async function refreshHistoryVersion() {
  const { etag } = await api("GET", `/api/trees/${tree.id}/revisions/?page_size=1`, undefined, { withMeta: true });
  const match = /^"h(\d+)"$/.exec(etag || "");
  if (match) historyVersion = Number(match[1]);
}

// A published flow's Save: the working copy, then (rarely) the flow's own description or
// visibility, which are not part of the working copy.
async function saveWorkingCopy({ overwrite = false } = {}) {
  let saved;
  try {
    saved = await api("PUT", draftUrl, {
      name: fields.name.value,
      tree_structure: structure,
      ...(overwrite ? { conflict_overwrite: true } : {}),
    }, { headers: { "If-Match": `"h${historyVersion}"` } });
  } catch (error) {
    return failed(error, saveWorkingCopy);
  }
  workingCopy = saved;
  historyVersion = saved.version;
  if (fields.description.value !== (tree.description || "") || fields.isPublic.checked !== tree.is_public) {
    if (!(await patchTree({ description: fields.description.value, is_public: fields.isPublic.checked }))) return null;
  }
  savedState(saved.name, saved.tree_structure);
  return saved;
}

async function save(extra = {}, options = {}) {
  const body = {
    name: fields.name.value,
    description: fields.description.value,
    is_public: fields.isPublic.checked,
    tree_structure: structure,
    ...extra,
  };
  const saved = await patchTree(body, options);
  if (saved) savedState(saved.name, saved.tree_structure);
  return saved;
}

// Publishes the working copy of a published flow, or a draft flow's structure, after saving
// what is not saved yet: one path, POST /publish/, for both.
async function publish() {
  if (!(await confirmImpact("publish"))) return null;
  if (dirty && !(await (isPublished() ? saveWorkingCopy() : save()))) return null;
  let published;
  try {
    published = await api("POST", `/api/trees/${tree.id}/publish/`, undefined, { headers: { "If-Match": `"h${historyVersion}"` } });
  } catch (error) {
    return failed(error, async (options) => (await (isPublished() ? saveWorkingCopy(options) : save({}, options))) && publish());
  }
  Object.assign(tree, published);
  treeEtag = `"${tree.version}"`;
  workingCopy = null;
  historyVersion = published.history_version;
  savedState(published.name, published.tree_structure);
  toast(`Published: ${describeSync(published.sync_result) || "library unchanged"}.`, "success");
  return published;
}

async function discardWorkingCopy() {
  if (!window.confirm("Discard the unpublished changes? The published version stays as it is.")) return;
  try {
    await api("DELETE", draftUrl, undefined, { headers: { "If-Match": `"h${historyVersion}"` } });
    const { data, etag } = await api("GET", treeUrl, undefined, { withMeta: true });
    Object.assign(tree, data);
    treeEtag = etag || `"${tree.version}"`;
  } catch (error) {
    failed(error, discardWorkingCopy);
    return;
  }
  workingCopy = null;
  savedState(tree.name, tree.tree_structure);
  toast("Unpublished changes discarded.");
}

async function restoreRevision(number) {
  if (dirty && !window.confirm("Restoring replaces the changes you have not saved. Restore anyway?")) return;
  let restored;
  try {
    restored = await api("POST", `/api/trees/${tree.id}/revisions/${number}/restore/`, undefined,
      { headers: { "If-Match": `"h${historyVersion}"` } });
  } catch (error) {
    failed(error, () => restoreRevision(number));
    return;
  }
  workingCopy = restored;
  historyVersion = restored.version;
  savedState(restored.name, restored.tree_structure);
  toast(`Revision ${number} restored as unpublished changes: publish it to make it live.`, "success");
}

// What the server holds now: the working copy of a published flow, else the flow itself.
async function fetchTheirs() {
  if (isPublished()) {
    try {
      const copy = await api("GET", draftUrl);
      return { name: copy.name, structure: copy.tree_structure, workingCopy: copy, who: copy.saved_by_username };
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
  const { data, etag } = await api("GET", treeUrl, undefined, { withMeta: true });
  return { name: data.name, structure: data.tree_structure, workingCopy: null, tree: data, etag };
}

// A 412: keep the author's work on screen, show what the other person changed since this page
// loaded (or last saved), and let the author choose. `retry({overwrite: true})` saves over it.
async function resolveConflict(conflict, retry) {
  let theirs;
  try {
    theirs = await fetchTheirs();
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  if (theirs.tree) Object.assign(tree, theirs.tree);
  // Which version to save over next: the history's ("h<n>") from our endpoints, the flow's own
  // ETag from the flow API.
  if (conflict.etag?.startsWith('"h') && Number.isInteger(conflict.body?.version)) historyVersion = conflict.body.version;
  else if (conflict.etag) treeEtag = conflict.etag;
  if (theirs.etag) treeEtag = theirs.etag;
  if (theirs.workingCopy) historyVersion = theirs.workingCopy.version;
  const changes = structureChanges(base.structure, theirs.structure, base.name, theirs.name);
  const choice = await askAboutConflict(changes, theirs.who);
  if (choice === "theirs") {
    workingCopy = theirs.workingCopy;
    fields.description.value = tree.description || "";
    fields.isPublic.checked = tree.is_public;
    savedState(theirs.name, theirs.structure);
    toast("Their version is loaded; your unsaved changes were dropped.");
  } else if (choice === "mine") {
    base = { name: theirs.name, structure: structuredClone(theirs.structure) };
    const saved = await retry({ overwrite: true });
    if (saved) toast("Your version was saved over theirs (recorded in the history).", "success");
  } else {
    toast("Nothing saved: your changes are still here. Save again to choose.", "error");
  }
}

// Asks the server what this publish or deactivation would do, and the author whether to go on.
async function confirmImpact(intent, question = null) {
  let preview;
  try {
    preview = await api("POST", `/api/trees/${tree.id}/preview/`, {
      intent,
      tree_structure: structure,
      is_public: fields.isPublic.checked,
      name: fields.name.value,
    });
  } catch (error) {
    if (error.status === 400) showErrors(error.body);
    else toast(error.message, "error");
    return false;
  }
  showSecrets(preview.secret_findings);
  const open = (preview.secret_findings || []).filter((finding) => !finding.allowed);
  if (open.length) {
    // The server would refuse the publish; show where, and let the author decide.
    formErrors.replaceChildren(el("p", {}, `${plural(open.length, "suspected secret")} below: remove ${open.length === 1 ? "it" : "them"}, or mark ${open.length === 1 ? "it" : "each"} as a false positive, then publish again.`));
    formErrors.hidden = false;
    render();
    document.querySelector(".node-secrets")?.scrollIntoView({ block: "center" });
    return false;
  }
  showSimilar(intent === "publish" ? preview.similar : []);
  render();
  const similar = intent === "publish" ? unansweredSimilar() : 0;
  // Steps very like existing entries are marked in the editor; the dialog says so, and
  // Cancel leaves the author there to insert the entries instead.
  const similarWarning = similar
    ? `${plural(similar, "step")} look${similar === 1 ? "s" : ""} like ${similar === 1 ? "an entry" : "entries"} already in the library (marked in the editor): Cancel to insert ${similar === 1 ? "it" : "them"} instead of adding copies.`
    : "";
  return impactDialog({ preview, note: similarWarning, ...(question || {
    heading: `Publish “${fields.name.value}”?`,
    question: "The library changes as listed; owners of forks and authors of other flows using these steps are told.",
    confirmLabel: "Publish",
  }) });
}

buttons.save.addEventListener("click", async () => {
  if (isPublished()) {
    if (await saveWorkingCopy()) toast("Changes saved, not yet published.");
    return;
  }
  if (await save()) toast("Draft saved.");
});

document.getElementById("working-copy-publish").addEventListener("click", publish);
document.getElementById("working-copy-discard").addEventListener("click", discardWorkingCopy);

buttons.publish.addEventListener("click", publish);

buttons.active.addEventListener("click", async () => {
  const activate = !tree.is_active;
  if (activate) {
    if (!(await confirmReactivation({ treeId: tree.id, name: tree.name, published: isPublished() }))) return;
  } else if (!(await confirmImpact("deactivate", {
    heading: `Deactivate “${tree.name}”?`,
    question: "Its steps leave the library; forks are kept and their owners told.",
    confirmLabel: "Deactivate",
    danger: true,
  }))) {
    return;
  }
  // A published flow's unsaved edits belong to its working copy: only the flag changes here.
  const saved = isPublished() ? await patchTree({ is_active: activate }) : await save({ is_active: activate });
  if (saved) render();
  if (saved) toast(activate ? "Flow reactivated." : "Flow deactivated; its library steps are retired.");
});

window.addEventListener("beforeunload", (event) => {
  if (!dirty) return;
  event.preventDefault();
  event.returnValue = "";
});

const variablesView = variablesPanel({
  container: document.getElementById("variables-root"), editorRoot: root, getStructure: () => structure, onChange: markDirty,
});
const historyView = historyPanel({ treeId: tree.id, canRestore: isPublished, onRestore: restoreRevision });
fields.name.value = base.name;
fields.description.value = tree.description || "";
fields.isPublic.checked = tree.is_public;
for (const input of Object.values(fields)) input.addEventListener("input", markDirty);
render();
loadTakedowns();
