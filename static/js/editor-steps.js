// The procedural / maintenance step editor: sections, steps with their commands, and the end.
// Large flows stay responsive: each node's card is built once and kept by node id; an edit
// rebuilds only the card it changed, and a move or removal moves or drops only those cards.
// Cards sit in chunks (a chunk starts at each section and holds at most CHUNK_SIZE cards) that
// the browser skips while they are off screen. Sections collapse, and the outline jumps to a
// section.
import { el } from "./api.js";
import { similarNote } from "./editor-similar.js";
import { iconButton, newId, nodeErrors, nodeSecrets, takedownBadge, takedownNote, textField } from "./editor-widgets.js";
import { nodeFieldsFromEntry } from "./library-entry.js";
import { pickFromLibrary } from "./library-picker.js";

const VISIBILITY_OPTIONS = [["", "Inherit from flow"], ["team", "Team only"], ["public", "Public"]];
const KINDS = { section_header: "Section", procedure_step: "Step", procedure_end: "End" };

// The unit the browser skips off screen (`content-visibility: auto` on .step-chunk) is a chunk
// of cards, not each card: every such element is a style-containment scope, and Chromium
// inserts or removes one in time proportional to the scopes beside it. With a scope per card,
// adding, moving or removing a step in a 1,000-step flow spent ~6 ms there; with one per chunk
// a card moves freely. A chunk this size is a few screens tall.
const CHUNK_SIZE = 32;
// Estimated card heights (px) for the space a chunk holds before it was first drawn; once
// drawn, the browser remembers its real height.
const ESTIMATED_HEIGHT = { section_header: 130, procedure_step: 330, procedure_end: 130, command: 150 };

// `onEdit()` marks the flow unsaved; `onStructureChange()` also asks the page to render.
export function stepsEditor({ root, state, onEdit, onStructureChange, similarOptions }) {
  const cards = new Map();  // node id → { node, item, up, down, remove, count }
  const chunks = new Map();  // chunk key → its element
  let placed = [];  // [{ element, nodes }] in order, as last rendered
  const stale = new Set();  // node ids whose card must be rebuilt on the next render
  const openOptions = new Set();  // node ids whose More Options the author opened
  const collapsed = new Set();  // section ids the author collapsed
  const steps = () => state.structure.steps;
  const kindOf = (node) => KINDS[node.type] || node.type;

  const outline = el("nav", { class: "step-outline card", id: "step-outline", "aria-label": "Sections" });
  const list = el("div", { class: "node-list", id: "step-list", role: "list" });
  const empty = el("p", { class: "empty card" }, "No steps yet. Add a section or a step.");
  const addEnd = el("button", { type: "button", onclick: () => insertAt(steps().length, { id: newId("end"), type: "procedure_end", title: "Done" }) }, "Add end");
  const addBar = el("div", { class: "row-actions add-bar" },
    el("button", { type: "button", onclick: () => insertStep({ id: newId("h"), type: "section_header", title: "" }) }, "Add section"),
    el("button", { type: "button", onclick: () => insertStep({ id: newId("s"), type: "procedure_step", title: "", commands: [] }) }, "Add step"),
    addEnd,
    el("button", { type: "button", onclick: () => pickFromLibrary((entry) => insertStep({ id: newId("s"), type: "procedure_step", ...nodeFieldsFromEntry(entry) })) }, "Insert from library"));

  function rebuild(node) {
    stale.add(node.id);
    onStructureChange();
  }

  // ---- one card ----------------------------------------------------------------------

  function commandEditor(node, command, index) {
    const base = `${node.id}-cmd-${index}`;
    const input = (key, field) => field.addEventListener("input", () => {
      if (field.value) command[key] = field.value;
      else delete command[key];
      onEdit(node, key);
    });
    const language = el("input", { id: `${base}-language`, value: command.language || "", placeholder: "bash" });
    const label = el("input", { id: `${base}-label`, value: command.label || "", placeholder: "Stop" });
    const code = el("textarea", { id: `${base}-code`, rows: 2, class: "code" }, command.code || "");
    input("language", language);
    input("label", label);
    input("code", code);
    return el("fieldset", { class: "command-editor" },
      el("legend", {}, `Command ${index + 1}`),
      el("div", { class: "inline" },
        el("div", { class: "field" }, el("label", { for: `${base}-language` }, "Language"), language),
        el("div", { class: "field" }, el("label", { for: `${base}-label` }, "Label"), label)),
      el("div", { class: "field" }, el("label", { for: `${base}-code` }, "Code"), code),
      iconButton("Remove command", () => { node.commands.splice(index, 1); rebuild(node); }));
  }

  function visibilityField(node) {
    const id = `${node.id}-library-visibility`;
    const select = el("select", { id, name: "library_visibility", class: "library-visibility" },
      VISIBILITY_OPTIONS.map(([value, label]) => el("option", { value, selected: (node.library_visibility || "") === value }, label)));
    select.addEventListener("change", () => {
      // "Inherit from flow" removes the key: the step then follows the flow's visibility.
      if (select.value) node.library_visibility = select.value;
      else delete node.library_visibility;
      rebuild(node);
      document.getElementById(id)?.focus();
    });
    return el("div", { class: "field" }, el("label", { for: id }, "Library Visibility"), select);
  }

  // More Options is a disclosure button; its panel is built when first opened: most steps never
  // open it. (A <details> per step made each add, move or removal restyle in time that grew
  // with the number of steps.) A rebuilt card keeps the author's open More Options open.
  function moreOptions(node) {
    const toggle = el("button", { type: "button", class: "more-options-toggle", "aria-expanded": "false" }, "More Options");
    const wrapper = el("div", { class: "more-options" }, toggle);
    let panel = null;
    const show = (open) => {
      if (open && !panel) {
        panel = el("div", { class: "more-options-panel", id: `${node.id}-more-options` }, visibilityField(node));
        toggle.setAttribute("aria-controls", panel.id);
        wrapper.append(panel);
      }
      if (panel) panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) openOptions.add(node.id);
      else openOptions.delete(node.id);
    };
    toggle.addEventListener("click", () => show(toggle.getAttribute("aria-expanded") !== "true"));
    if (openOptions.has(node.id)) show(true);
    return wrapper;
  }

  // A step that overrides the flow's library visibility says so on its card, not only in More Options.
  function visibilityChip(node) {
    const label = VISIBILITY_OPTIONS.find(([value]) => value && value === node.library_visibility)?.[1];
    if (!label) return null;
    return el("span", { class: `badge vis-${node.library_visibility} visibility-chip` },
      el("span", { class: "visually-hidden" }, "Library visibility: "), label);
  }

  function stepBody(node) {
    if (node.type !== "procedure_step") return [];
    node.commands = node.commands || [];
    return [
      textField(node, "description", "Description", onEdit, { multiline: true }),
      textField(node, "expected_outcome", "Expected outcome", onEdit),
      el("div", { class: "commands" },
        node.commands.map((command, index) => commandEditor(node, command, index)),
        iconButton("Add command", () => { node.commands.push({ language: "bash", code: "" }); rebuild(node); })),
      moreOptions(node),
    ];
  }

  function removeLabel(node) {
    return `Remove ${kindOf(node).toLowerCase()} ${node.title || ""}`.trim();
  }

  function buildCard(node) {
    const kind = kindOf(node).toLowerCase();
    const card = { node };
    card.up = iconButton("↑", () => moveStep(node, -1), { class: "small move-up", "aria-label": `Move ${kind} up` });
    card.down = iconButton("↓", () => moveStep(node, 1), { class: "small move-down", "aria-label": `Move ${kind} down` });
    card.remove = iconButton("Remove", () => removeStep(node), { class: "small danger", "aria-label": removeLabel(node) });
    let toggle = null;
    if (node.type === "section_header") {
      card.count = el("span", { class: "muted small section-count" });
      toggle = iconButton("Collapse", () => toggleSection(node), { class: "small section-toggle", "aria-expanded": "true", "aria-controls": "step-list" });
      card.toggle = toggle;
    }
    card.item = el("div", { class: `node card node-${node.type}`, role: "listitem", dataset: { nodeId: node.id, nodeType: node.type } },
      el("div", { class: "node-head" },
        el("span", { class: `badge kind-${node.type}` }, KINDS[node.type] || node.type),
        visibilityChip(node), takedownBadge(state, node), card.count,
        el("div", { class: "node-controls" }, toggle, card.up, card.down, card.remove)),
      takedownNote(state, node),
      nodeErrors(state, node),
      nodeSecrets(state, node),
      similarNote(node, similarOptions),
      textField(node, "title", node.type === "section_header" ? "Section title" : "Title", onEdit),
      stepBody(node));
    return card;
  }

  // Typing a title renames the step's Remove button and, for a section, its outline entry.
  root.addEventListener("input", (event) => {
    const item = event.target.closest("[data-node-id]");
    const card = item && cards.get(item.dataset.nodeId);
    if (!card || event.target.id !== `${card.node.id}-title`) return;
    card.remove.setAttribute("aria-label", removeLabel(card.node));
    if (card.node.type === "section_header") renderOutline();
  });

  // ---- structural edits -----------------------------------------------------------------

  // A step added or moved into a collapsed section opens it: the author sees where it went.
  function reveal(node) {
    const all = steps();
    for (let index = all.indexOf(node); index >= 0; index -= 1) {
      if (all[index].type === "section_header") {
        collapsed.delete(all[index].id);
        return;
      }
    }
  }

  function insertAt(index, node) {
    steps().splice(index, 0, node);
    reveal(node);
    onStructureChange();
    document.getElementById(`${node.id}-title`)?.focus();
  }

  // New steps go before the end node, which must stay last.
  function insertStep(node) {
    const endIndex = steps().findIndex((step) => step.type === "procedure_end");
    insertAt(endIndex === -1 ? steps().length : endIndex, node);
  }

  function moveStep(node, offset) {
    const index = steps().indexOf(node);
    const target = index + offset;
    if (index === -1 || target < 0 || target >= steps().length) return;
    steps().splice(index, 1);
    steps().splice(target, 0, node);
    if (node.type !== "section_header") reveal(node);
    onStructureChange();
    cards.get(node.id)?.[offset < 0 ? "up" : "down"].focus();
  }

  function removeStep(node) {
    const index = steps().indexOf(node);
    if (index !== -1) steps().splice(index, 1);
    onStructureChange();
  }

  // ---- sections and outline ---------------------------------------------------------------

  function toggleSection(section) {
    if (collapsed.has(section.id)) collapsed.delete(section.id);
    else collapsed.add(section.id);
    arrange();
  }

  function jumpTo(section) {
    collapsed.delete(section.id);
    arrange();
    const input = document.getElementById(`${section.id}-title`);
    input?.scrollIntoView({ block: "start" });
    input?.focus({ preventScroll: true });
  }

  let outlineKey = null;

  function renderOutline() {
    const sections = steps().filter((node) => node.type === "section_header");
    const key = JSON.stringify(sections.map((node) => [node.id, node.title]));
    if (key === outlineKey) return;
    outlineKey = key;
    outline.hidden = !sections.length;
    outline.replaceChildren(el("h3", {}, "Outline"), el("ol", { class: "outline-list" }, sections.map((section) =>
      el("li", {}, el("a", { href: `#${section.id}-title`, dataset: { sectionId: section.id }, onclick: (event) => { event.preventDefault(); jumpTo(section); } },
        section.title || "Untitled section")))));
  }

  // Position-dependent state, in one pass: move buttons at the ends, and the steps a collapsed
  // section hides (up to the next section; the end stays visible).
  function arrange() {
    const all = steps();
    let section = null;
    let hidden = 0;
    const closeSection = () => {
      if (!section) return;
      const open = !collapsed.has(section.node.id);
      setText(section.toggle, open ? "Collapse" : "Expand");
      section.toggle.setAttribute("aria-expanded", String(open));
      section.toggle.setAttribute("aria-label", `${open ? "Collapse" : "Expand"} section ${section.node.title || ""}`.trim());
      setText(section.count, open ? "" : `${hidden} hidden`);
    };
    all.forEach((node, index) => {
      const card = cards.get(node.id);
      // Only what changed is written: an unchanged write still costs a style check per card.
      if (card.up.disabled !== (index === 0)) card.up.disabled = index === 0;
      if (card.down.disabled !== (index === all.length - 1)) card.down.disabled = index === all.length - 1;
      if (node.type === "section_header") {
        closeSection();
        section = card;
        hidden = 0;
      }
      const hide = node.type === "procedure_step" && section !== null && collapsed.has(section.node.id);
      if (card.item.hidden !== hide) card.item.hidden = hide;
      if (hide) hidden += 1;
    });
    closeSection();
    // Set on the chunk itself: a custom property would be inherited, and changing it would
    // restyle every card in the chunk.
    for (const { element, nodes } of placed) {
      const height = `auto ${nodes.reduce((sum, node) => sum + estimatedHeight(node), 0)}px`;
      if (element.style.containIntrinsicHeight !== height) element.style.containIntrinsicHeight = height;
    }
  }

  function estimatedHeight(node) {
    if (cards.get(node.id).item.hidden) return 0;
    const extraCommands = Math.max(0, (node.commands || []).length - 1);
    return (ESTIMATED_HEIGHT[node.type] || ESTIMATED_HEIGHT.procedure_step) + extraCommands * ESTIMATED_HEIGHT.command;
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  // ---- render --------------------------------------------------------------------------

  // The chunks of `nodes` in order: a chunk starts at each section header and after every
  // CHUNK_SIZE nodes; its key (section id and part) keeps its element from render to render.
  function chunksOf(nodes) {
    const result = [];
    let section = "start";
    let part = 0;
    let chunk = null;
    for (const node of nodes) {
      if (node.type === "section_header") {
        section = node.id;
        part = 0;
        chunk = null;
      }
      if (!chunk || chunk.nodes.length === CHUNK_SIZE) {
        chunk = { key: `${section}/${part}`, nodes: [] };
        part += 1;
        result.push(chunk);
      }
      chunk.nodes.push(node);
    }
    return result;
  }

  // Puts `children` first in `parent`, in order, moving only those out of place. What follows
  // them belongs to a later chunk (which takes it) or is gone (removed by the caller).
  function placeChildren(parent, children) {
    let cursor = parent.firstChild;
    for (const child of children) {
      if (child === cursor) cursor = cursor.nextSibling;
      else parent.insertBefore(child, cursor);
    }
  }

  // Brings the list in line with the structure: cards of removed nodes go, new and stale
  // nodes get a card, and the cards are put in their chunks, in order, with as few DOM moves
  // as possible.
  function render({ all = false } = {}) {
    if (!root.contains(list)) root.replaceChildren(outline, empty, list, addBar);
    if (all) {
      cards.clear();
      chunks.clear();
      list.replaceChildren();
    }
    const current = steps();
    const ids = new Set(current.map((node) => node.id));
    for (const [id, card] of cards) {
      if (ids.has(id)) continue;
      card.item.remove();
      cards.delete(id);
    }
    for (const node of current) {
      const card = cards.get(node.id);
      if (card && card.node === node && !stale.has(node.id)) continue;
      const fresh = buildCard(node);
      card?.item.replaceWith(fresh.item);
      cards.set(node.id, fresh);
    }
    stale.clear();
    const wanted = chunksOf(current);
    placed = wanted.map(({ key, nodes }) => {
      if (!chunks.has(key)) chunks.set(key, el("div", { class: "step-chunk" }));
      return { element: chunks.get(key), nodes };
    });
    placeChildren(list, placed.map(({ element }) => element));
    for (const { element, nodes } of placed) placeChildren(element, nodes.map((node) => cards.get(node.id).item));
    const keys = new Set(wanted.map(({ key }) => key));
    for (const [key, element] of chunks) {
      if (keys.has(key)) continue;
      element.remove();
      chunks.delete(key);
    }
    list.hidden = !current.length;
    empty.hidden = Boolean(current.length);
    addEnd.disabled = current.some((node) => node.type === "procedure_end");
    renderOutline();
    arrange();
  }

  // Problems and secrets must be seen: open every section.
  function expandAll() {
    collapsed.clear();
  }

  return { render, invalidate: (node) => stale.add(node.id), expandAll };
}
