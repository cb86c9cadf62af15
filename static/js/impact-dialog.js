// The impact of a publish, deactivation, reactivation or deletion, in a real dialog: what the
// library gains, changes (field by field) and retires, and who is told (forks, other flows),
// from POST /api/trees/{id}/preview/. Used by the editor and the flows list.
import { api, el } from "./api.js";
import { renderChanges } from "./diff.js";

export function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}

// "2 steps change; 5 forks will be told; 1 step used in 3 other flows is retired"
export function describeImpact(preview) {
  const touched = [...preview.changed, ...preview.retired];
  const forks = touched.reduce((sum, item) => sum + item.forks, 0);
  const usedRetired = preview.retired.filter((item) => item.flows > 0);
  const otherFlows = usedRetired.reduce((sum, item) => sum + item.flows, 0);
  const parts = [];
  if (preview.added.length) parts.push(`${plural(preview.added.length, "step")} added`);
  if (preview.changed.length) parts.push(`${plural(preview.changed.length, "step")} change${preview.changed.length === 1 ? "s" : ""}`);
  if (preview.retired.length) parts.push(`${plural(preview.retired.length, "step")} retired`);
  if (forks) parts.push(`${plural(forks, "fork")} will be told`);
  if (usedRetired.length) {
    parts.push(`${plural(usedRetired.length, "step")} used in ${plural(otherFlows, "other flow")} ${usedRetired.length === 1 ? "is" : "are"} retired`);
  }
  return parts.join("; ");
}

// Asks the server what would happen; answers the preview, or throws the ApiError.
export function fetchImpact(treeId, body) {
  return api("POST", `/api/trees/${treeId}/preview/`, body);
}

function whoIsTold(item) {
  const parts = [];
  if (item.forks) parts.push(`${plural(item.forks, "fork")} told`);
  if (item.flows) parts.push(`in ${plural(item.flows, "other flow")}`);
  return parts.length ? el("span", { class: "muted small" }, ` — ${parts.join(" · ")}`) : null;
}

function group(kind, heading, items, detail) {
  if (!items.length) return null;
  return el("section", { class: `impact-group impact-${kind}`, "aria-label": heading },
    el("h3", {}, `${heading} (${items.length})`),
    el("ul", { class: "impact-list" }, items.map((item) => el("li", { class: "impact-item", dataset: { nodeId: item.node_id || "" } },
      el("strong", {}, item.title || "(untitled)"), whoIsTold(item), detail ? detail(item) : null))));
}

function changeDetail(item) {
  if (item.changes) return renderChanges(item.changes);
  return el("p", { class: "muted small" }, "Field-by-field changes are shown for the first 100 changed steps only.");
}

// Opens the dialog and resolves true when the author confirms, false otherwise.
// `returning` lists the changed entries as coming back (a reactivation) instead of changing.
export function impactDialog({ heading, question, confirmLabel, preview = null, danger = false, returning = false, note = "" }) {
  const dialog = el("dialog", { class: "impact-dialog", "aria-labelledby": "impact-heading" });
  const cancel = el("button", { type: "button", value: "cancel" }, "Cancel");
  const confirm = el("button", { type: "button", class: danger ? "primary danger-fill" : "primary", value: "confirm" }, confirmLabel);
  const body = [el("h2", { id: "impact-heading" }, heading), el("p", {}, question)];
  if (note) body.push(el("p", { class: "impact-note", role: "note" }, note));
  if (preview) {
    const summary = returning ? returningSummary(preview) : describeImpact(preview);
    body.push(el("p", { class: "impact-summary" }, summary ? `${summary}.` : "The library does not change."));
    const groups = [
      group("added", "Added to the library", preview.added),
      returning
        ? group("returning", "Back in the library", preview.changed)
        : group("changed", "Changed", preview.changed, changeDetail),
      group("retired", "Retired from the library", preview.retired),
    ].filter(Boolean);
    if (groups.length) body.push(el("div", { class: "impact-groups" }, groups));
    if (preview.held) body.push(el("p", { class: "muted small" }, `${plural(preview.held, "step")} taken down by support staff stay${preview.held === 1 ? "s" : ""} out of the library.`));
  }
  dialog.append(el("div", { class: "stack" }, body, el("div", { class: "row-actions" }, confirm, cancel)));
  document.body.append(dialog);
  return new Promise((resolve) => {
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    confirm.addEventListener("click", () => finish(true));
    cancel.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
    dialog.showModal();
    cancel.focus();
  });
}

// A reactivation: entries coming back are the flow's retired ones (the preview lists them as
// changed) and any step it never synced (added).
export function returningCount(preview) {
  return preview.added.length + preview.changed.length;
}

function returningSummary(preview) {
  const count = returningCount(preview);
  return count ? `${plural(count, "library entry", "library entries")} come${count === 1 ? "s" : ""} back` : "";
}

// Reactivating a published flow brings its steps back: the preview of publishing what it has.
export async function confirmReactivation({ treeId, name, published }) {
  const heading = `Reactivate “${name}”?`;
  if (!published) {
    return impactDialog({ heading, question: "It is a draft: its steps go to the library when it is published.", confirmLabel: "Reactivate" });
  }
  let preview = null;
  try {
    preview = await fetchImpact(treeId, { intent: "publish" });
  } catch {
    // Without the preview the author still decides; the library sync reports what it did.
  }
  const count = preview ? returningCount(preview) : null;
  const question = count === null
    ? "Its published steps return to the library."
    : `${plural(count, "library entry", "library entries")} come${count === 1 ? "s" : ""} back, with their counts and ratings.`;
  return impactDialog({ heading, question, confirmLabel: "Reactivate", preview, returning: true });
}
