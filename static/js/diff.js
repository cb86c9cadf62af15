// Renders a field-by-field diff from the API ({title: {from, to}, commands: {added, removed, changed}, …}).
import { el } from "./api.js";

const LABELS = {
  title: "Title",
  step_type: "Type",
  visibility: "Visibility",
  instructions: "Instructions",
  help_text: "Help text",
  group_label: "Section",
};

function shown(value) {
  return value === null || value === undefined || value === "" ? "(empty)" : String(value);
}

function commandText(command) {
  return [command.label, command.command].filter(Boolean).join(": ");
}

export function renderChanges(changes) {
  const rows = [];
  for (const [field, label] of Object.entries(LABELS)) {
    if (!changes[field]) continue;
    rows.push(el("li", { class: "change" },
      el("strong", {}, `${label}: `),
      el("del", {}, shown(changes[field].from)), " → ", el("ins", {}, shown(changes[field].to))));
  }
  const commands = changes.commands;
  if (commands) {
    for (const item of commands.added) rows.push(el("li", { class: "change" }, el("strong", {}, `Command ${item.index + 1} added: `), el("ins", {}, commandText(item.command))));
    for (const item of commands.removed) rows.push(el("li", { class: "change" }, el("strong", {}, `Command ${item.index + 1} removed: `), el("del", {}, commandText(item.command))));
    for (const item of commands.changed) {
      rows.push(el("li", { class: "change" }, el("strong", {}, `Command ${item.index + 1} changed: `),
        el("del", {}, commandText(item.from)), " → ", el("ins", {}, commandText(item.to))));
    }
  }
  return rows.length ? el("ul", { class: "changes" }, rows) : el("p", { class: "muted" }, "No differences.");
}
