// The editor's "Variables" panel: the flow's declared variables (saved with its structure, so
// they follow the same save, working-copy and history rules as the steps), and the {{name}}
// placeholders its commands use without declaring them — listed, never refused, with one
// click to declare each.
import { el } from "./api.js";
import { KINDS, placeholdersIn } from "./variables.js";

function commandTexts(structure) {
  const nodes = [];
  if (Array.isArray(structure.steps)) nodes.push(...structure.steps);
  const stack = structure.root ? [structure.root] : [];
  while (stack.length) {
    const node = stack.pop();
    nodes.push(node);
    stack.push(...(node.children || []));
  }
  return nodes.flatMap((node) => {
    if (typeof node.commands === "string") return [node.commands];
    return (node.commands || []).map((command) => command.code || "");
  });
}

// Identifier placeholders in the flow's commands that no variable declares, in first-use order.
export function undeclaredNames(structure) {
  const declared = new Set((structure.variables || []).map((variable) => variable.name));
  const names = commandTexts(structure).flatMap(placeholdersIn);
  return [...new Set(names)].filter((name) => !declared.has(name));
}

// `getStructure()` is the editor's current structure; `onChange()` marks it unsaved.
export function variablesPanel({ container, editorRoot, getStructure, onChange }) {
  const list = () => getStructure().variables || [];

  function update(mutate, rerender = false) {
    const structure = getStructure();
    structure.variables = structure.variables || [];
    mutate(structure.variables);
    if (!structure.variables.length) delete structure.variables;
    onChange();
    if (rerender) render();
    else renderUndeclared();
  }

  function input(variable, index, key, label, attributes = {}) {
    const id = `var-${index}-${key}`;
    const field = el("input", { id, value: variable[key] ?? "", ...attributes });
    field.addEventListener("input", () => update((variables) => {
      if (field.value) variables[index][key] = field.value;
      else delete variables[index][key];
    }));
    return el("div", { class: "field" }, el("label", { for: id }, label), field);
  }

  function kindSelect(variable, index) {
    const id = `var-${index}-kind`;
    const select = el("select", { id }, KINDS.map((kind) => el("option", { value: kind, selected: kind === variable.kind || undefined }, kind)));
    select.addEventListener("change", () => update((variables) => {
      const edited = variables[index];
      edited.kind = select.value;
      if (edited.kind === "secret") delete edited.default;
      if (edited.kind === "choice") edited.choices = edited.choices || [];
      else delete edited.choices;
    }, true));
    return el("div", { class: "field" }, el("label", { for: id }, "Kind"), select);
  }

  function choicesInput(variable, index) {
    const id = `var-${index}-choices`;
    const field = el("input", { id, value: (variable.choices || []).join(", "), placeholder: "prod, staging" });
    field.addEventListener("input", () => update((variables) => {
      variables[index].choices = field.value.split(",").map((choice) => choice.trim()).filter(Boolean);
    }));
    return el("div", { class: "field" }, el("label", { for: id }, "Choices (comma-separated)"), field);
  }

  function requiredBox(variable, index) {
    const id = `var-${index}-required`;
    const box = el("input", { id, type: "checkbox", checked: variable.required || undefined });
    box.addEventListener("change", () => update((variables) => {
      if (box.checked) variables[index].required = true;
      else delete variables[index].required;
    }));
    return el("div", { class: "field checkbox" }, box, el("label", { for: id }, "Required"));
  }

  function row(variable, index) {
    return el("fieldset", { class: "variable-editor", dataset: { variable: variable.name || "" } },
      el("legend", {}, variable.name ? `{{${variable.name}}}` : `Variable ${index + 1}`),
      el("div", { class: "inline" },
        input(variable, index, "name", "Name", { required: true, pattern: "[A-Za-z_][A-Za-z0-9_]{0,63}", maxlength: 64, spellcheck: "false" }),
        input(variable, index, "label", "Label", { maxlength: 255 }),
        kindSelect(variable, index)),
      el("div", { class: "inline" },
        variable.kind === "secret" ? el("p", { class: "muted small" }, "A secret has no default: its value stays in the browser of whoever runs the flow.")
          : input(variable, index, "default", "Default", { maxlength: 2000 }),
        variable.kind === "choice" ? choicesInput(variable, index) : null,
        requiredBox(variable, index)),
      el("button", { type: "button", class: "small", "aria-label": `Remove variable ${variable.name || index + 1}`, onclick: () => update((variables) => variables.splice(index, 1), true) }, "Remove"));
  }

  const undeclaredBox = el("div", { class: "undeclared", "aria-live": "polite" });

  function renderUndeclared() {
    const names = undeclaredNames(getStructure());
    undeclaredBox.replaceChildren(...(names.length ? [
      el("p", { class: "small" }, "Placeholders in commands that no variable declares (they stay as written until you declare them):"),
      el("ul", { class: "undeclared-list" }, names.map((name) => el("li", {},
        el("code", {}, `{{${name}}}`), " ",
        el("button", { type: "button", class: "small", "aria-label": `Declare ${name}`, onclick: () => update((variables) => variables.push({ name, label: name, kind: "text" }), true) }, "Declare")))),
    ] : []));
  }

  function render() {
    container.replaceChildren(
      el("p", { class: "muted small" }, "Commands may use {{name}} placeholders; a run asks for the values and shows the commands filled in. Other braces, like {{.Names}} or {{ item }}, stay as written."),
      ...list().map(row),
      el("button", { type: "button", class: "small", onclick: () => update((variables) => variables.push({ name: "", kind: "text" }), true) }, "Add variable"),
      undeclaredBox);
    renderUndeclared();
  }

  // Typing a command changes which placeholders are undeclared.
  editorRoot.addEventListener("input", renderUndeclared);
  return { render };
}
