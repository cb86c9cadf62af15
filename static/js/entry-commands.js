// The commands of a manual entry or fork in the library's edit dialog: one row per command
// (label, type, command) with Add and Remove. `commandsEditor(container, commands)` draws
// them and answers a function that reads the rows back as the API's
// [{label, command, command_type}] (rows with an empty command are left out).
import { el } from "./api.js";

let rows = 0;

function commandRow(command) {
  const id = `edit-command-${(rows += 1)}`;
  const label = el("input", { id: `${id}-label`, value: command.label || "", maxlength: 255, "data-key": "label" });
  const type = el("input", { id: `${id}-type`, value: command.command_type || "", maxlength: 255, placeholder: "bash", "data-key": "command_type" });
  const code = el("textarea", { id: `${id}-command`, rows: 2, class: "code", "data-key": "command" }, command.command || "");
  const row = el("fieldset", { class: "command-editor" },
    el("legend", {}, "Command"),
    el("div", { class: "inline" },
      el("div", { class: "field" }, el("label", { for: label.id }, "Label"), label),
      el("div", { class: "field" }, el("label", { for: type.id }, "Type"), type)),
    el("div", { class: "field" }, el("label", { for: code.id }, "Command"), code));
  row.append(el("button", {
    type: "button",
    class: "small",
    onclick: () => {
      const list = row.parentElement;
      row.remove();
      renumber(list);
    },
  }, "Remove command"));
  return row;
}

function renumber(list) {
  list.querySelectorAll("fieldset > legend").forEach((legend, index) => { legend.textContent = `Command ${index + 1}`; });
}

export function commandsEditor(container, commands) {
  const list = el("div", { class: "edit-command-list" }, (commands || []).map((command) => commandRow(command)));
  const add = el("button", { type: "button", class: "small" }, "Add command");
  add.addEventListener("click", () => {
    const row = commandRow({});
    list.append(row);
    renumber(list);
    row.querySelector("textarea").focus();
  });
  container.replaceChildren(list, add);
  renumber(list);
  return () => [...list.querySelectorAll("fieldset")].map((row) => {
    const value = (key) => row.querySelector(`[data-key="${key}"]`).value;
    return { label: value("label"), command: value("command"), command_type: value("command_type") || null };
  }).filter((command) => command.command.trim());
}
