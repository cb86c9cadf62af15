// Walk a flow: check off procedural steps, or answer a troubleshooting tree's questions.
// Ad-hoc steps from the library join the current run (they do not change the flow).
import { api, el, readJson } from "./api.js";
import { nodeFieldsFromEntry } from "./library-entry.js";
import { pickFromLibrary } from "./library-picker.js";
import { declaredVariables, fieldName, placeholderCommandBlock, storeSecrets, variableField } from "./variables.js";

const tree = readJson("tree-data");
const stepwise = tree.tree_type !== "troubleshooting";
const runRoot = document.getElementById("run-root");
const progress = document.getElementById("progress");

function commandsOf(node) {
  if (typeof node.commands === "string") return node.commands.trim() ? [{ code: node.commands }] : [];
  return node.commands || [];
}

function adhocNode(entry) {
  return { id: `adhoc-${crypto.randomUUID().slice(0, 8)}`, type: "procedure_step", ...nodeFieldsFromEntry(entry), adhoc: true };
}

function stepDetails(node) {
  return [
    node.description ? el("p", { class: "prewrap" }, node.description) : null,
    node.expected_outcome ? el("p", { class: "expected" }, el("strong", {}, "Expected: "), node.expected_outcome) : null,
    ...commandsOf(node).map(placeholderCommandBlock),
  ];
}

// ---- procedural ----------------------------------------------------------------

const checklist = {
  steps: (tree.tree_structure.steps || []).map((node) => ({ ...node })),
  done: new Set(),
};

function renderChecklist() {
  const steps = checklist.steps.filter((node) => node.type === "procedure_step");
  progress.textContent = steps.length ? `${checklist.done.size} of ${steps.length} steps done` : "This flow has no steps yet.";
  runRoot.replaceChildren(el("ol", { class: "run-list" }, checklist.steps.map((node) => {
    if (node.type === "section_header") return el("li", { class: "run-section" }, el("h3", {}, node.title || "Untitled section"));
    if (node.type === "procedure_end") {
      const finished = steps.length && checklist.done.size === steps.length;
      return el("li", { class: `run-end card ${finished ? "finished" : ""}` }, finished ? `✔ ${node.title || "Done"}` : node.title || "End");
    }
    const id = `check-${node.id}`;
    const checkbox = el("input", { type: "checkbox", id, checked: checklist.done.has(node.id) });
    checkbox.addEventListener("change", () => {
      if (checkbox.checked) checklist.done.add(node.id);
      else checklist.done.delete(node.id);
      renderChecklist();
      document.getElementById(id)?.focus();
    });
    return el("li", { class: `run-step card ${checklist.done.has(node.id) ? "done" : ""}` },
      el("div", { class: "check" }, checkbox, el("label", { for: id }, node.title || "Untitled step"),
        node.adhoc ? el("span", { class: "badge chip-adhoc" }, "Ad-hoc") : null),
      stepDetails(node));
  })));
}

// ---- troubleshooting -------------------------------------------------------------

const walk = { path: [], adhoc: [] };

function currentNode() {
  return walk.path.length ? walk.path[walk.path.length - 1].node : tree.tree_structure.root;
}

function go(node, answer) {
  walk.path.push({ node, answer });
  renderTree();
  runRoot.querySelector("h3")?.focus();
}

function renderTree() {
  const node = currentNode();
  if (!node) {
    runRoot.replaceChildren(el("p", { class: "empty card" }, "This tree is empty."));
    return;
  }
  const trail = [tree.tree_structure.root, ...walk.path.map((step) => step.node)];
  progress.textContent = `Step ${trail.length}`;
  const history = walk.path.length
    ? el("ol", { class: "trail" }, walk.path.map((step, index) => el("li", {}, `${trail[index].title} → ${step.answer}`)))
    : null;
  const children = node.children || [];
  let choices;
  if (node.type === "question") {
    choices = el("div", { class: "answers", role: "group", "aria-label": "Answers" },
      children.map((child) => el("button", { type: "button", class: "primary", onclick: () => go(child, child.answer || child.title) }, child.answer || child.title)));
  } else if (node.type === "action") {
    choices = children.length
      ? el("div", { class: "answers" }, children.map((child) => el("button", { type: "button", class: "primary", onclick: () => go(child, child.answer || "Done") }, children.length === 1 ? "Done, continue" : child.answer || child.title)))
      : el("p", { class: "muted" }, "This branch ends here.");
  } else {
    choices = el("p", { class: "solved" }, "✔ Solved. Use Start over for a new case.");
  }
  runRoot.replaceChildren(...[
    history,
    el("div", { class: `card current node-${node.type}` },
      el("span", { class: `badge kind-${node.type}` }, node.type),
      el("h3", { tabindex: "-1" }, node.title || "Untitled"),
      stepDetails(node),
      choices,
      walk.path.length ? el("button", { type: "button", class: "back", onclick: () => { walk.path.pop(); renderTree(); } }, "← Back") : null),
    walk.adhoc.length ? el("section", { class: "adhoc" }, el("h3", {}, "Ad-hoc steps in this run"),
      walk.adhoc.map((step) => el("div", { class: "card" }, el("strong", {}, step.title), stepDetails(step)))) : null,
  ].filter(Boolean));
}

// ---- page ------------------------------------------------------------------------

function render() {
  if (stepwise) renderChecklist();
  else renderTree();
}

document.getElementById("restart-button").addEventListener("click", () => {
  checklist.done.clear();
  walk.path = [];
  render();
});

document.getElementById("adhoc-button").addEventListener("click", () => pickFromLibrary((entry) => {
  const node = adhocNode(entry);
  if (stepwise) {
    const endIndex = checklist.steps.findIndex((step) => step.type === "procedure_end");
    checklist.steps.splice(endIndex === -1 ? checklist.steps.length : endIndex, 0, node);
  } else {
    walk.adhoc.push(node);
  }
  render();
}));

// ---- start a saved run (a session on the server) ---------------------------------

const startDialog = document.getElementById("start-run-dialog");
if (startDialog) {
  const startForm = document.getElementById("start-run-form");
  const startError = document.getElementById("start-run-error");
  document.getElementById("start-run-button").addEventListener("click", () => {
    startError.textContent = "";
    startDialog.showModal();
  });
  startDialog.querySelector("[data-close]").addEventListener("click", () => startDialog.close());
  const variables = declaredVariables(tree.tree_structure);
  const variablesBox = document.getElementById("start-run-variables");
  variablesBox.hidden = !variables.length;
  variablesBox.append(...variables.map((variable) => variableField(variable, `run-var-${variable.name}`)));
  startForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(startForm);
    // Secret values never go to the server: they stay in this tab for the new session.
    const values = {};
    const secrets = {};
    for (const variable of variables) {
      const value = form.get(fieldName(variable)) ?? "";
      if (variable.kind === "secret") secrets[variable.name] = value;
      else if (value !== "") values[variable.name] = value;
    }
    try {
      const session = await api("POST", "/api/sessions/", { tree: tree.id, title: form.get("title"), variables: values });
      storeSecrets(session.id, secrets);
      window.location.assign(`/runs/${session.id}/`);
    } catch (error) {
      const fields = error.body && typeof error.body === "object" ? Object.values(error.body).flat().filter((item) => typeof item === "string") : [];
      startError.textContent = fields[0] || error.message;
    }
  });
}

render();

// This walk-through lives in the page only (Start run saves one): a reload would lose its
// ticks, answers and ad-hoc steps, so the browser asks first.
window.addEventListener("beforeunload", (event) => {
  const adhocSteps = checklist.steps.some((node) => node.adhoc);
  if (!checklist.done.size && !walk.path.length && !walk.adhoc.length && !adhocSteps) return;
  event.preventDefault();
  event.returnValue = "";
});
