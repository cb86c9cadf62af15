// Prompted variables on the client: the one copy of the placeholder rule that flows/variables.py
// owns on the server. A placeholder is exactly {{name}} (an identifier, no spaces); anything else
// in braces — {{.Names}}, {{ item }} — is literal text, and so is a {{name}} that is not declared.
// Values are only ever inserted as text nodes, never as markup.
import { commandBlock, el } from "./api.js";

export const PLACEHOLDER_SOURCE = "\\{\\{([A-Za-z_][A-Za-z0-9_]{0,63})\\}\\}";
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const KINDS = ["text", "hostname", "number", "choice", "secret"];
const MASK = "••••••";

const placeholderPattern = () => new RegExp(PLACEHOLDER_SOURCE, "g");

export function placeholdersIn(text) {
  return [...new Set([...String(text || "").matchAll(placeholderPattern())].map((match) => match[1]))];
}

export function declaredVariables(structure) {
  const list = structure && Array.isArray(structure.variables) ? structure.variables : [];
  return list.filter((variable) => variable && typeof variable.name === "string");
}

// [{text} | {variable, value}] pieces of `text`: declared placeholders become variables.
function pieces(text, byName) {
  const parts = [];
  let last = 0;
  for (const match of String(text).matchAll(placeholderPattern())) {
    const variable = byName.get(match[1]);
    if (!variable) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ variable, raw: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

// The command as it is run: declared placeholders with a value replaced, the rest as written.
export function fillText(text, variables, values) {
  const byName = new Map(variables.map((variable) => [variable.name, variable]));
  return pieces(text, byName).map((part) => {
    if (part.text !== undefined) return part.text;
    const value = values[part.variable.name];
    return value ? value : part.raw;
  }).join("");
}

// Display nodes: each filled value in a <mark> whose title names the variable; secrets masked.
export function filledNodes(text, variables, values) {
  const byName = new Map(variables.map((variable) => [variable.name, variable]));
  return pieces(text, byName).map((part) => {
    if (part.text !== undefined) return document.createTextNode(part.text);
    const { variable } = part;
    const value = values[variable.name];
    const label = variable.label || variable.name;
    if (!value) {
      return el("mark", { class: "var-missing", title: `Variable “${label}” ({{${variable.name}}}) has no value` }, part.raw);
    }
    const secret = variable.kind === "secret";
    return el("mark", {
      class: `var-filled${secret ? " var-secret" : ""}`,
      title: secret ? `Secret “${label}” ({{${variable.name}}}), hidden; Copy copies it` : `Variable “${label}” ({{${variable.name}}})`,
      dataset: { variable: variable.name },
    }, secret ? MASK : value);
  });
}

// A command block (api.js) showing the filled command; Copy copies the filled text.
export function filledCommandBlock(command, variables, values) {
  const code = command.command ?? command.code ?? "";
  const block = commandBlock({ ...command, command: fillText(code, variables, values) });
  block.querySelector("code").replaceChildren(...filledNodes(code, variables, values));
  return block;
}

// Library entries keep their placeholders: a command block with each {{name}} highlighted.
export function placeholderCommandBlock(command) {
  const block = commandBlock(command);
  const code = block.querySelector("code");
  const text = code.textContent;
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(placeholderPattern())) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(el("mark", { class: "placeholder", title: `Variable placeholder: filled in when the step runs in a flow that declares “${match[1]}”` }, match[0]));
    last = match.index + match[0].length;
  }
  if (!nodes.length) return block;
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  code.replaceChildren(...nodes);
  return block;
}

// The form field name of a variable's input (prefixed: a variable may be called "title").
export const fieldName = (variable) => `var-${variable.name}`;

// An input for a variable's value, by kind; `id` ties it to its label.
export function valueInput(variable, id) {
  const common = { id, name: fieldName(variable), required: variable.required || undefined, autocomplete: "off", spellcheck: "false" };
  if (variable.kind === "choice") {
    return el("select", common,
      variable.required ? null : el("option", { value: "" }, "—"),
      (variable.choices || []).map((choice) => el("option", { value: choice, selected: choice === variable.default || undefined }, choice)));
  }
  const byKind = {
    secret: { type: "password", autocomplete: "new-password" },
    number: { type: "text", inputmode: "decimal", pattern: "-?\\d+(\\.\\d+)?" },
    hostname: { type: "text", pattern: "[A-Za-z0-9.:\\-\\[\\]]+" },
    text: { type: "text" },
  };
  return el("input", { ...common, ...(byKind[variable.kind] || byKind.text), value: variable.kind === "secret" ? undefined : variable.default || undefined, maxlength: "2000" });
}

export function variableField(variable, id) {
  const label = variable.label || variable.name;
  return el("div", { class: "field" },
    el("label", { for: id }, label, variable.required ? " *" : null, " ",
      el("span", { class: "muted small" }, variable.kind === "secret" ? "(secret: stays in this browser tab)" : `(${variable.kind})`)),
    valueInput(variable, id));
}

// Secret values live only in this browser tab, for one session.
const secretsKey = (sessionId) => `run-secrets:${sessionId}`;

export function loadSecrets(sessionId) {
  try {
    return JSON.parse(sessionStorage.getItem(secretsKey(sessionId)) || "{}");
  } catch {
    return {};
  }
}

export function storeSecrets(sessionId, values) {
  sessionStorage.setItem(secretsKey(sessionId), JSON.stringify(values));
}
