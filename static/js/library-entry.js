// A library entry as a flow node: the one conversion the editor's "Insert from library", its
// "Insert that instead" and Navigate's ad-hoc steps all use. library_step_id links the node to
// its entry ("where used"); it survives later edits of the node.

function commandsFrom(content) {
  return (content.commands || []).map((command) => ({
    code: command.command,
    ...(command.command_type ? { language: command.command_type } : {}),
    ...(command.label ? { label: command.label } : {}),
  }));
}

// The node fields an entry gives. A troubleshooting node (`stepwise: false`) takes the title
// and description only; instructions that merely repeat the title are not copied.
export function nodeFieldsFromEntry(entry, { stepwise = true } = {}) {
  const content = entry.content || {};
  const fields = { title: entry.title, library_step_id: entry.id };
  if (content.instructions && content.instructions !== entry.title) fields.description = content.instructions;
  if (!stepwise) return fields;
  if (content.help_text) fields.expected_outcome = content.help_text;
  fields.commands = commandsFrom(content);
  return fields;
}

// Turns an existing node into the entry in place: it keeps its id, type, place, answer and
// children; the fields the entry does not give are removed.
export function becomeEntry(node, entry, { stepwise = true } = {}) {
  for (const key of ["description", "expected_outcome", "commands"]) delete node[key];
  Object.assign(node, nodeFieldsFromEntry(entry, { stepwise }));
}
