// The editor's History panel: the flow's revisions, newest first, each with its node-by-node
// changes and a Restore button (which makes a working copy; the author then publishes).
import { api, el, toast } from "./api.js";
import { changeSummary, renderStructureChanges } from "./flow-changes.js";

const KINDS = {
  published: "Published",
  draft_saved: "Draft saved",
  restored: "Restored",
  conflict_overwrite: "Saved over a conflict",
};

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function revisionItem(revision, { canRestore, onRestore }) {
  const restore = canRestore
    ? el("button", { type: "button", class: "small", "aria-label": `Restore revision ${revision.number}`, onclick: () => onRestore(revision.number) }, "Restore")
    : null;
  const origin = revision.restored_from ? ` (from revision ${revision.restored_from})` : "";
  return el("li", { class: "revision", dataset: { number: revision.number, kind: revision.kind } },
    el("div", { class: "revision-head" },
      el("strong", {}, `#${revision.number} ${KINDS[revision.kind] || revision.kind}${origin}`),
      el("span", { class: "muted small" }, ` · ${revision.name} · ${revision.created_by_username || "someone"} · ${when(revision.created_at)}`),
      restore),
    el("details", {},
      el("summary", { class: "small" }, changeSummary(revision.changes)),
      renderStructureChanges(revision.changes)));
}

export function historyPanel({ treeId, canRestore, onRestore }) {
  const details = document.getElementById("history-panel");
  const list = document.getElementById("history-list");
  const more = document.getElementById("history-more");
  let next = null;

  async function load(url, append) {
    let page;
    try {
      page = await api("GET", url);
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    const items = page.results.map((revision) => revisionItem(revision, { canRestore: canRestore(), onRestore }));
    if (append) list.append(...items);
    else list.replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No revisions yet: the history starts at the first publish.")]));
    next = page.next;
    more.hidden = !next;
  }

  const refresh = () => (details.open ? load(`/api/trees/${treeId}/revisions/?page_size=20`, false) : Promise.resolve());
  details.addEventListener("toggle", refresh);
  more.addEventListener("click", () => next && load(next, true));
  return { refresh };
}
