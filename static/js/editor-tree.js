// The troubleshooting tree editor: questions, actions and solutions, each with its answer,
// title and description; branches are added (blank or from the library) and removed whole.
// A tree is redrawn on structural edits; typing changes only the node's fields.
import { el, toast } from "./api.js";
import { similarNote } from "./editor-similar.js";
import { iconButton, newId, nodeErrors, nodeSecrets, takedownBadge, takedownNote, textField } from "./editor-widgets.js";
import { nodeFieldsFromEntry } from "./library-entry.js";
import { pickFromLibrary } from "./library-picker.js";

// `onEdit()` marks the flow unsaved; `onStructureChange()` also redraws the editor.
export function treeEditor({ root, state, onEdit, onStructureChange, similarOptions }) {
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
      onStructureChange();
    });
    return el("div", { class: "field" }, el("label", { for: id }, parent ? "Type" : "Root type"), select);
  }

  function addChild(node, child) {
    node.children = node.children || [];
    node.children.push(child);
    onStructureChange();
    document.getElementById(`${child.id}-answer`)?.focus();
  }

  function fromLibrary(entry) {
    return { id: newId("n"), type: entry.step_type === "solution" ? "solution" : "action", ...nodeFieldsFromEntry(entry, { stepwise: false }) };
  }

  function treeCard(node, parent) {
    const canHaveChildren = node.type !== "solution";
    const removeBranch = () => {
      if (!window.confirm(`Remove "${node.title || node.type}" and everything below it?`)) return;
      if (parent) parent.children.splice(parent.children.indexOf(node), 1);
      else state.structure.root = null;
      onStructureChange();
    };
    const card = el("div", { class: `node card node-${node.type}`, dataset: { nodeId: node.id, nodeType: node.type } },
      el("div", { class: "node-head" },
        el("span", { class: `badge kind-${node.type}` }, node.type),
        takedownBadge(state, node),
        el("div", { class: "node-controls" },
          canHaveChildren ? iconButton("Add child", () => addChild(node, { id: newId("n"), type: "action", title: "", answer: "" })) : null,
          canHaveChildren ? iconButton("From library", () => pickFromLibrary((entry) => addChild(node, fromLibrary(entry)))) : null,
          iconButton("Remove branch", removeBranch, { class: "small danger" }))),
      takedownNote(state, node),
      nodeErrors(state, node),
      nodeSecrets(state, node),
      similarNote(node, similarOptions),
      el("div", { class: "inline" }, typeSelect(node, parent), parent ? textField(node, "answer", "Answer leading here", onEdit) : null),
      textField(node, "title", node.type === "question" ? "Question" : "Title", onEdit),
      textField(node, "description", "Description", onEdit, { multiline: true }));
    const children = (node.children || []).map((child) => el("li", {}, treeCard(child, node)));
    return el("div", { class: "tree-branch" }, card, children.length ? el("ul", { class: "tree-children" }, children) : null);
  }

  function render() {
    if (!state.structure.root) {
      const start = () => {
        state.structure.root = { id: newId("q"), type: "question", title: "", children: [] };
        onStructureChange();
      };
      root.replaceChildren(el("div", { class: "card empty" },
        el("p", {}, "This tree is empty."),
        el("button", { type: "button", class: "primary", onclick: start }, "Add the first question")));
      return;
    }
    root.replaceChildren(el("div", { class: "tree-editor" }, treeCard(state.structure.root, null)));
  }

  return { render, invalidate: () => {}, expandAll: () => {} };
}
