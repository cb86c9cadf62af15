// The editor's actions on the flow as a whole: save (draft, or a published flow's working
// copy), publish, discard, restore a revision, deactivate / reactivate, with their impact
// dialogs, conflict handling (412) and toasts. (Delete and archive: flow-lifecycle.js.)
import { api, el, toast } from "./api.js";
import { askAboutConflict } from "./editor-conflict.js";
import { showSimilar, unansweredSimilar } from "./editor-similar.js";
import { structureChanges } from "./flow-changes.js";
import { confirmReactivation, impactDialog, plural } from "./impact-dialog.js";

function describeSync(result) {
  if (!result) return "";
  const parts = [`${result.created} step${result.created === 1 ? "" : "s"} added to the library`, `${result.updated} updated`, `${result.deactivated} removed`];
  if (result.held) parts.push(`${result.held} held by support staff`);
  return parts.join(", ");
}

function ifMatch(etag) {
  return etag ? { "If-Match": etag } : {};
}

// `page` is the editor page (editor.js): its shared state, fields and buttons, and how it
// renders, shows the server's messages and takes a saved state.
export function editorActions(page) {
  const { state, fields, buttons, formErrors, render, showErrors, showSecrets, savedState, isPublished } = page;
  const tree = state.tree;
  const treeUrl = `/api/trees/${tree.id}/`;
  const draftUrl = `/api/trees/${tree.id}/draft/`;
  const historyMatch = () => ({ "If-Match": `"h${state.historyVersion}"` });

  function failed(error, retry) {
    if (error.status === 400) showErrors(error.body);
    else if (error.status === 412) resolveConflict(error, retry);
    else toast(error.message, "error");
    return null;
  }

  // The flow itself: draft flows, and status / is_active / description / is_public changes.
  async function patchTree(body, { overwrite = false } = {}) {
    try {
      const { data, etag } = await api("PATCH", treeUrl, { ...body, ...(overwrite ? { conflict_overwrite: true } : {}) },
        { headers: ifMatch(state.treeEtag), withMeta: true });
      Object.assign(tree, data);
      state.treeEtag = etag || `"${tree.version}"`;
      // The overwrite is a history revision of its own: the history's version moved on with it.
      if (overwrite) await refreshHistoryVersion();
      return data;
    } catch (error) {
      return failed(error, (options) => patchTree(body, options));
    }
  }

  async function refreshHistoryVersion() {
    const { etag } = await api("GET", `/api/trees/${tree.id}/revisions/?page_size=1`, undefined, { withMeta: true });
    const match = /^"h(\d+)"$/.exec(etag || "");
    if (match) state.historyVersion = Number(match[1]);
  }

  // A published flow's Save: the working copy, then (rarely) the flow's own description or
  // visibility, which are not part of the working copy.
  async function saveWorkingCopy({ overwrite = false } = {}) {
    let saved;
    try {
      saved = await api("PUT", draftUrl, {
        name: fields.name.value,
        tree_structure: state.structure,
        ...(overwrite ? { conflict_overwrite: true } : {}),
      }, { headers: historyMatch() });
    } catch (error) {
      return failed(error, saveWorkingCopy);
    }
    state.workingCopy = saved;
    state.historyVersion = saved.version;
    if (fields.description.value !== (tree.description || "") || fields.isPublic.checked !== tree.is_public) {
      if (!(await patchTree({ description: fields.description.value, is_public: fields.isPublic.checked }))) return null;
    }
    savedState(saved.name, saved.tree_structure);
    return saved;
  }

  async function save(extra = {}, options = {}) {
    const body = {
      name: fields.name.value,
      description: fields.description.value,
      is_public: fields.isPublic.checked,
      tree_structure: state.structure,
      ...extra,
    };
    const saved = await patchTree(body, options);
    if (saved) savedState(saved.name, saved.tree_structure);
    return saved;
  }

  const saveAny = (options) => (isPublished() ? saveWorkingCopy(options) : save({}, options));

  // Publishes the working copy of a published flow, or a draft flow's structure, after saving
  // what is not saved yet: one path, POST /publish/, for both.
  async function publish() {
    if (!(await confirmImpact("publish"))) return null;
    if (state.dirty && !(await saveAny())) return null;
    let published;
    try {
      published = await api("POST", `/api/trees/${tree.id}/publish/`, undefined, { headers: historyMatch() });
    } catch (error) {
      return failed(error, async (options) => (await saveAny(options)) && publish());
    }
    Object.assign(tree, published);
    state.treeEtag = `"${tree.version}"`;
    state.workingCopy = null;
    state.historyVersion = published.history_version;
    savedState(published.name, published.tree_structure);
    toast(`Published: ${describeSync(published.sync_result) || "library unchanged"}.`, "success");
    return published;
  }

  async function discardWorkingCopy() {
    if (!window.confirm("Discard the unpublished changes? The published version stays as it is.")) return;
    try {
      await api("DELETE", draftUrl, undefined, { headers: historyMatch() });
      const { data, etag } = await api("GET", treeUrl, undefined, { withMeta: true });
      Object.assign(tree, data);
      state.treeEtag = etag || `"${tree.version}"`;
    } catch (error) {
      failed(error, discardWorkingCopy);
      return;
    }
    state.workingCopy = null;
    savedState(tree.name, tree.tree_structure);
    toast("Unpublished changes discarded.");
  }

  async function restoreRevision(number) {
    if (state.dirty && !window.confirm("Restoring replaces the changes you have not saved. Restore anyway?")) return;
    let restored;
    try {
      restored = await api("POST", `/api/trees/${tree.id}/revisions/${number}/restore/`, undefined, { headers: historyMatch() });
    } catch (error) {
      failed(error, () => restoreRevision(number));
      return;
    }
    state.workingCopy = restored;
    state.historyVersion = restored.version;
    savedState(restored.name, restored.tree_structure);
    toast(`Revision ${number} restored as unpublished changes: publish it to make it live.`, "success");
  }

  // What the server holds now: the working copy of a published flow, else the flow itself.
  async function fetchTheirs() {
    if (isPublished()) {
      try {
        const copy = await api("GET", draftUrl);
        return { name: copy.name, structure: copy.tree_structure, workingCopy: copy, who: copy.saved_by_username };
      } catch (error) {
        if (error.status !== 404) throw error;
      }
    }
    const { data, etag } = await api("GET", treeUrl, undefined, { withMeta: true });
    return { name: data.name, structure: data.tree_structure, workingCopy: null, tree: data, etag };
  }

  // A 412: keep the author's work on screen, show what the other person changed since this page
  // loaded (or last saved), and let the author choose. `retry({overwrite: true})` saves over it.
  async function resolveConflict(conflict, retry) {
    let theirs;
    try {
      theirs = await fetchTheirs();
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    if (theirs.tree) Object.assign(tree, theirs.tree);
    // Which version to save over next: the history's ("h<n>") from our endpoints, the flow's own
    // ETag from the flow API.
    if (conflict.etag?.startsWith('"h') && Number.isInteger(conflict.body?.version)) state.historyVersion = conflict.body.version;
    else if (conflict.etag) state.treeEtag = conflict.etag;
    if (theirs.etag) state.treeEtag = theirs.etag;
    if (theirs.workingCopy) state.historyVersion = theirs.workingCopy.version;
    const changes = structureChanges(state.base.structure, theirs.structure, state.base.name, theirs.name);
    const choice = await askAboutConflict(changes, theirs.who);
    if (choice === "theirs") {
      state.workingCopy = theirs.workingCopy;
      fields.description.value = tree.description || "";
      fields.isPublic.checked = tree.is_public;
      savedState(theirs.name, theirs.structure);
      toast("Their version is loaded; your unsaved changes were dropped.");
    } else if (choice === "mine") {
      state.base = { name: theirs.name, structure: structuredClone(theirs.structure) };
      const saved = await retry({ overwrite: true });
      if (saved) toast("Your version was saved over theirs (recorded in the history).", "success");
    } else {
      toast("Nothing saved: your changes are still here. Save again to choose.", "error");
    }
  }

  // Asks the server what this publish or deactivation would do, and the author whether to go on.
  async function confirmImpact(intent, question = null) {
    let preview;
    try {
      preview = await api("POST", `/api/trees/${tree.id}/preview/`, {
        intent,
        tree_structure: state.structure,
        is_public: fields.isPublic.checked,
        name: fields.name.value,
      });
    } catch (error) {
      if (error.status === 400) showErrors(error.body);
      else toast(error.message, "error");
      return false;
    }
    showSecrets(preview.secret_findings);
    const open = (preview.secret_findings || []).filter((finding) => !finding.allowed);
    if (open.length) {
      // The server would refuse the publish; show where, and let the author decide.
      formErrors.replaceChildren(el("p", {}, `${plural(open.length, "suspected secret")} below: remove ${open.length === 1 ? "it" : "them"}, or mark ${open.length === 1 ? "it" : "each"} as a false positive, then publish again.`));
      formErrors.hidden = false;
      render({ all: true });
      document.querySelector(".node-secrets")?.scrollIntoView({ block: "center" });
      return false;
    }
    showSimilar(intent === "publish" ? preview.similar : []);
    render({ all: true });
    const similar = intent === "publish" ? unansweredSimilar() : 0;
    // Steps very like existing entries are marked in the editor; the dialog says so, and
    // Cancel leaves the author there to insert the entries instead.
    const similarWarning = similar
      ? `${plural(similar, "step")} look${similar === 1 ? "s" : ""} like ${similar === 1 ? "an entry" : "entries"} already in the library (marked in the editor): Cancel to insert ${similar === 1 ? "it" : "them"} instead of adding copies.`
      : "";
    return impactDialog({ preview, note: similarWarning, ...(question || {
      heading: `Publish “${fields.name.value}”?`,
      question: "The library changes as listed; owners of forks and authors of other flows using these steps are told.",
      confirmLabel: "Publish",
    }) });
  }

  async function toggleActive() {
    const activate = !tree.is_active;
    if (activate) {
      if (!(await confirmReactivation({ treeId: tree.id, name: tree.name, published: isPublished() }))) return;
    } else if (!(await confirmImpact("deactivate", {
      heading: `Deactivate “${tree.name}”?`,
      question: "Its steps leave the library; forks are kept and their owners told.",
      confirmLabel: "Deactivate",
      danger: true,
    }))) {
      return;
    }
    // A published flow's unsaved edits belong to its working copy: only the flag changes here.
    const saved = isPublished() ? await patchTree({ is_active: activate }) : await save({ is_active: activate });
    if (!saved) return;
    render();
    toast(activate ? "Flow reactivated." : "Flow deactivated; its library steps are retired.");
  }

  buttons.save.addEventListener("click", async () => {
    if (isPublished()) {
      if (await saveWorkingCopy()) toast("Changes saved, not yet published.");
      return;
    }
    if (await save()) toast("Draft saved.");
  });
  buttons.publish.addEventListener("click", publish);
  buttons.active.addEventListener("click", toggleActive);
  document.getElementById("working-copy-publish").addEventListener("click", publish);
  document.getElementById("working-copy-discard").addEventListener("click", discardWorkingCopy);

  return { restoreRevision };
}
