// The step library page: detail panel, fork, edit, delete and star ratings.
import { api, el, readJson, toast } from "./api.js";
import { renderChanges } from "./diff.js";
import { highlight, termPattern } from "./highlight.js";
import { toggletip } from "./toggletip.js";
import { placeholderCommandBlock } from "./variables.js";
import { commandsEditor } from "./entry-commands.js";
import { forkedFromLine, revisionKind } from "./provenance.js";

const MANAGED = readJson("ui-strings").managed_by_flow;
const entries = new Map((readJson("library-entries") || []).map((entry) => [entry.id, entry]));
const panel = document.getElementById("step-detail");
const dialog = document.getElementById("edit-dialog");
let current = null;
let readCommands = () => [];  // the edit dialog's commands, as the API takes them
const searchPattern = termPattern(readJson("search-terms"));

function stars(entry) {
  const group = el("div", { class: "stars", role: "group", "aria-label": "Rate this entry" });
  for (let score = 1; score <= 5; score += 1) {
    const filled = score <= (entry.my_rating || 0);
    group.append(el("button", {
      type: "button",
      class: filled ? "star filled" : "star",
      "aria-label": `Rate ${score} out of 5`,
      "aria-pressed": filled ? "true" : "false",
      onclick: () => rate(entry, score),
    }, filled ? "★" : "☆"));
  }
  return group;
}

function lockIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h1zm2 0h6V7a3 3 0 0 0-6 0v3z");
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

// The API names the source flow only to people who may open it; others see "From Flow" alone.
function flowChip(entry) {
  const name = entry.source_tree_name;
  return el("span", { class: "badge chip-flow" }, name ? `From Flow · ${name}` : "From Flow");
}

function sourceLine(entry) {
  if (!entry.is_flow_synced || !entry.source_tree_name) return null;
  const name = entry.source_tree_name;
  const target = entry.source_tree_url
    ? el("a", { href: entry.source_tree_url }, name)
    : el("span", {}, name);
  return el("p", { class: "sourced" }, "Sourced from: ", target);
}

// Identical entries show as one card; the panel lists the other copies the reader may see,
// naming (and linking) a source flow only when the API names it, i.e. the reader may open it.
function alsoIn(entry) {
  const count = entry.duplicates?.count || 0;
  if (!count) return null;
  const list = el("ul", { class: "also-in-list" }, el("li", { class: "muted small" }, "Loading…"));
  const section = el("div", { class: "also-in" },
    el("h3", {}, `Also in ${count} other flow${count === 1 ? "" : "s"}`), list);
  api("GET", `/api/steps/${entry.id}/duplicates/`).then((copies) => {
    if (current?.id !== entry.id) return;
    list.replaceChildren(...copies.map((copy) => el("li", {},
      copy.source_tree_name
        ? el("a", { href: `/flows/${copy.source_tree}/` }, copy.source_tree_name)
        : el("span", {}, copy.is_flow_synced ? "A flow you cannot open" : `Library entry${copy.created_by_username ? ` by ${copy.created_by_username}` : ""}`),
      el("span", { class: "muted small" }, ` · used ${copy.usage_count}×${copy.rating_count ? ` · ★ ${Number(copy.rating_avg).toFixed(1)}` : ""}`))));
  }).catch((error) => list.replaceChildren(el("li", { class: "error" }, error.message)));
  return section;
}

function actions(entry) {
  const bar = el("div", { class: "row-actions" });
  if (entry.is_flow_synced) {
    bar.append(toggletip({ label: "Managed by flow", text: MANAGED, icon: lockIcon(), className: "lock" }));
  } else if (entry.can_edit) {
    bar.append(
      el("button", { type: "button", onclick: () => openEditor(entry) }, "Edit"),
      el("button", { type: "button", class: "danger", onclick: () => remove(entry) }, "Delete"),
    );
  }
  bar.append(el("button", { type: "button", class: "primary", onclick: () => fork(entry) }, "Fork (Save to Library)"));
  return bar;
}

// Three-way merge (see README "Accept is a three-way merge"): conflicts are shown as
// Base / Mine / Theirs columns, and Accept sends the owner's choice for each.
const FIELD_LABELS = {
  title: "Title",
  step_type: "Type",
  instructions: "Instructions",
  help_text: "Help text",
  group_label: "Section",
};

function fieldLabel(name) {
  const command = /^commands\[(\d+)\]$/.exec(name);
  return command ? `Command ${Number(command[1]) + 1}` : FIELD_LABELS[name] || name;
}

function valueText(value) {
  if (value === null || value === undefined || value === "") return "(none)";
  if (typeof value === "object") return [value.label, value.command].filter(Boolean).join(": ");
  return String(value);
}

function conflictTable(merge, choices) {
  const rows = merge.filter((row) => row.status === "conflict").map((row) => {
    const choice = (side) => el("label", { class: "merge-choice" },
      el("input", {
        type: "radio",
        name: `merge-${row.field}`,
        value: side,
        checked: choices.get(row.field) === side,
        onchange: () => choices.set(row.field, side),
      }),
      side === "mine" ? " Keep mine" : " Take theirs");
    return el("tr", { dataset: { field: row.field } },
      el("th", { scope: "row" }, fieldLabel(row.field)),
      el("td", { class: "prewrap" }, valueText(row.base)),
      el("td", { class: "prewrap" }, valueText(row.mine), el("br"), choice("mine")),
      el("td", { class: "prewrap" }, valueText(row.theirs), el("br"), choice("theirs")));
  });
  if (!rows.length) return el("p", { class: "muted small" }, "No conflicts: Accept takes the source's changes and keeps yours.");
  return el("div", { class: "merge" },
    el("p", {}, el("strong", {}, "Both you and the source changed these fields."), " Choose a side for each, then Accept."),
    el("table", { class: "merge-table" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Field"),
        el("th", { scope: "col" }, "Base"),
        el("th", { scope: "col" }, "Mine"),
        el("th", { scope: "col" }, "Theirs"))),
      el("tbody", {}, rows)));
}

function upstreamBanner(entry) {
  if (entry.source_retired) {
    return el("p", { class: "upstream retired" }, "Source retired — this copy keeps working.");
  }
  if (!entry.upstream_changed) return null;
  const details = el("div", { class: "upstream-details" });
  const choices = new Map();
  let review = null;  // the last merge shown: {merge, source_revision}

  function show(upstream, changes) {
    review = upstream;
    details.replaceChildren(
      changes ? renderChanges(changes) : "",
      conflictTable(upstream.merge, choices));
  }

  async function load() {
    const upstream = await api("GET", `/api/steps/${entry.id}/upstream/`);
    show(upstream, upstream.changes);
    return upstream;
  }

  async function accept() {
    try {
      if (!review) await load();
      const open = review.merge.filter((row) => row.status === "conflict" && !choices.has(row.field));
      if (open.length) {
        toast(`Choose mine or theirs for: ${open.map((row) => fieldLabel(row.field)).join(", ")}.`, "error");
        return;
      }
      const updated = await api("POST", `/api/steps/${entry.id}/upstream/accept/`, {
        resolutions: Object.fromEntries(choices),
        source_revision: review.source_revision,
      });
      entries.set(updated.id, { ...entry, ...updated });
      render(entries.get(updated.id));
      toast("Source changes taken.");
    } catch (error) {
      if (error.status === 409 && error.body?.merge) show(error.body, null);
      toast(error.message, "error");
    }
  }

  return el("div", { class: "upstream card", role: "region", "aria-label": "Source changed" },
    el("p", {}, el("strong", {}, "Source changed"), ` since you took it (now revision ${entry.source_revision}).`),
    el("div", { class: "row-actions" },
      el("button", { type: "button", onclick: () => load().catch((error) => toast(error.message, "error")) }, "View changes"),
      entry.can_edit ? el("button", { type: "button", class: "primary", onclick: accept }, "Accept") : null,
      entry.can_edit ? el("button", { type: "button", onclick: () => dismiss(entry) }, "Dismiss") : null),
    details);
}

async function dismiss(entry) {
  try {
    const updated = await api("POST", `/api/steps/${entry.id}/upstream/dismiss/`);
    entries.set(updated.id, { ...entry, ...updated });
    render(entries.get(updated.id));
    toast("Dismissed until the source changes again.");
  } catch (error) { toast(error.message, "error"); }
}

async function restore(entry, number) {
  if (!window.confirm(`Restore revision ${number}? It is recorded as a new revision.`)) return;
  try {
    const updated = await api("POST", `/api/steps/${entry.id}/revisions/${number}/restore/`);
    entries.set(updated.id, { ...entry, ...updated });
    render(entries.get(updated.id));
    toast(`Revision ${number} restored as revision ${updated.revision}.`);
  } catch (error) { toast(error.message, "error"); }
}

async function loadProvenance(entry, usageLine, history) {
  try {
    const [usage, revisions] = await Promise.all([
      api("GET", `/api/steps/${entry.id}/usage/`),
      api("GET", `/api/steps/${entry.id}/revisions/`),
    ]);
    if (current?.id !== entry.id) return;  // another entry was opened meanwhile
    const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
    usageLine.textContent = `In ${plural(usage.flow_count, "other flow")} · ${plural(usage.fork_count, "fork")}`;
    const latest = revisions.length ? revisions[0].number : null;
    const items = revisions.map((revision) => el("li", {},
      `Revision ${revision.number} · ${new Date(revision.created_at).toLocaleString()}`,
      ` · ${revisionKind(entry, revision)}`,
      entry.can_edit && revision.number !== latest
        ? [" ", el("button", {
          type: "button",
          class: "small",
          "aria-label": `Restore revision ${revision.number}`,
          onclick: () => restore(entry, revision.number),
        }, "Restore")]
        : null));
    history.replaceChildren(el("ul", { class: "revisions" }, items));
    // The API lists only revisions recorded while this user could see the entry; a gap in
    // the numbers is hidden history, and a diff across it is refused.
    if (revisions.length > 1 && revisions[1].number === revisions[0].number - 1) {
      const diff = await api("GET", `/api/steps/${entry.id}/revisions/diff/?from=${revisions[1].number}&to=${revisions[0].number}`);
      if (current?.id !== entry.id) return;
      history.append(el("h4", {}, `Changes in revision ${diff.to}`), renderChanges(diff.changes));
    }
  } catch (error) {
    usageLine.textContent = "";
    history.replaceChildren(el("p", { class: "error" }, error.message));
  }
}

// Outcomes in live sessions, kept as counters on the entry (never computed from sessions).
function outcomeLine(entry) {
  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const lines = [];
  if (entry.run_count) lines.push(`Worked in ${entry.success_count} of ${entry.run_count} runs`);
  if (entry.solution_reached_count) {
    lines.push(`Sessions that reached it ended resolved ${entry.solution_resolved_count} of ${plural(entry.solution_reached_count, "time")}`);
  }
  return lines.length ? el("p", { class: "outcome-line" }, lines.join(" · ")) : null;
}

function render(entry) {
  current = entry;
  const usageLine = el("p", { class: "muted small usage-line" }, "In … other flows · … forks");
  const history = el("div", { class: "history" }, el("p", { class: "muted small" }, "Loading history…"));
  const content = entry.content || {};
  panel.replaceChildren(...[
    el("h2", {}, entry.title),
    el("p", { class: "badges" },
      el("span", { class: `badge type-${entry.step_type}` }, entry.step_type === "solution" ? "Solution" : "Action"),
      entry.is_flow_synced ? flowChip(entry) : null,
      el("span", { class: `badge vis-${entry.visibility}` }, entry.visibility[0].toUpperCase() + entry.visibility.slice(1))),
    sourceLine(entry),
    alsoIn(entry),
    forkedFromLine(entry),
    actions(entry),
    upstreamBanner(entry),
    el("h3", {}, "Instructions"),
    el("p", { class: "prewrap" }, content.instructions || ""),
    content.help_text ? [el("h3", {}, "Expected outcome / help"), el("p", { class: "prewrap" }, content.help_text)] : null,
    content.group_label ? el("p", {}, el("strong", {}, "Section: "), content.group_label) : null,
    (content.commands || []).length ? [el("h3", {}, "Commands"), ...content.commands.map(placeholderCommandBlock)] : null,
    el("p", { class: "muted small" },
      `Used in ${entry.usage_count} run${entry.usage_count === 1 ? "" : "s"} · `,
      entry.rating_count ? `★ ${Number(entry.rating_avg).toFixed(1)} from ${entry.rating_count} rating${entry.rating_count === 1 ? "" : "s"}` : "Not rated yet",
      entry.created_by_username ? ` · by ${entry.created_by_username}` : ""),
    outcomeLine(entry),
    usageLine,
    el("h3", {}, "Your rating"),
    stars(entry),
    el("h3", {}, "History"),
    history,
  ].flat().filter(Boolean));
  panel.querySelectorAll("h2, .prewrap, pre").forEach((node) => highlight(node, searchPattern));
  loadProvenance(entry, usageLine, history);
  document.querySelectorAll(".step-item").forEach((item) => {
    item.classList.toggle("selected", item.dataset.stepId === entry.id);
  });
}

function select(id, focus = false) {
  const entry = entries.get(id);
  if (!entry) return;
  render(entry);
  history.replaceState(null, "", `#${id}`);
  if (focus) panel.focus();
}

async function rate(entry, score) {
  try {
    const updated = await api("POST", `/api/steps/${entry.id}/rate/`, { score });
    entries.set(updated.id, { ...entry, ...updated });
    render(entries.get(updated.id));
    toast(`Rated ${score} out of 5.`);
  } catch (error) { toast(error.message, "error"); }
}

async function fork(entry) {
  try {
    const copy = await api("POST", `/api/steps/${entry.id}/fork/`, {});
    toast("Saved to your library as a private copy. Edit it below.");
    entries.set(copy.id, copy);
    render(copy);
    openEditor(copy);
  } catch (error) { toast(error.message, "error"); }
}

async function remove(entry) {
  if (!window.confirm(`Delete "${entry.title}" from the library?`)) return;
  try {
    await api("DELETE", `/api/steps/${entry.id}/`);
    window.location.hash = "";
    window.location.reload();
  } catch (error) { toast(error.message, "error"); }
}

function openEditor(entry) {
  const form = document.getElementById("edit-form");
  form.title.value = entry.title;
  form.instructions.value = entry.content?.instructions || "";
  form.help_text.value = entry.content?.help_text || "";
  form.group_label.value = entry.content?.group_label || "";
  readCommands = commandsEditor(document.getElementById("edit-commands"), entry.content?.commands);
  form.visibility.value = entry.visibility;
  document.getElementById("edit-errors").hidden = true;
  dialog.showModal();
}

function flattenErrors(body, prefix = "") {
  if (!body || typeof body !== "object") return [];
  return Object.entries(body).flatMap(([key, value]) => (Array.isArray(value) && typeof value[0] === "string"
    ? [`${prefix}${key}: ${value.join(" ")}`]
    : flattenErrors(value, `${prefix}${key}.`)));
}

document.getElementById("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const errors = document.getElementById("edit-errors");
  try {
    const updated = await api("PATCH", `/api/steps/${current.id}/`, {
      title: form.title.value,
      visibility: form.visibility.value,
      content: {
        instructions: form.instructions.value,
        help_text: form.help_text.value || null,
        group_label: form.group_label.value || null,
        commands: readCommands(),
      },
    });
    entries.set(updated.id, updated);
    render(updated);
    dialog.close();
    toast("Saved.");
  } catch (error) {
    errors.textContent = flattenErrors(error.body).join(" ") || error.message;
    errors.hidden = false;
  }
});
dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());

document.querySelectorAll(".step-item").forEach((item) => {
  item.addEventListener("click", () => select(item.dataset.stepId, true));
  highlight(item.querySelector(".step-title"), searchPattern);
});
// An entry that is not on this page (a fork's source, say) is fetched by its id.
async function openFromHash() {
  const id = window.location.hash.slice(1);
  if (!id || current?.id === id) return;
  if (!entries.has(id)) {
    try {
      entries.set(id, await api("GET", `/api/steps/${id}/`));
    } catch {
      return;
    }
  }
  select(id, true);
}
window.addEventListener("hashchange", openFromHash);
const initial = window.location.hash.slice(1);
if (initial && !entries.has(initial)) openFromHash();
else if (entries.has(initial)) select(initial);
else if (entries.size && window.matchMedia("(min-width: 900px)").matches) select(entries.keys().next().value);
