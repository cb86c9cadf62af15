// Archive, unarchive and delete a flow, from the flows list and from the editor. Each asks in
// the impact dialog first: what leaves the library (the preview of a deactivation), who is
// told, and, for a deletion, the flow's name and the runs that go with it.
import { api, toast } from "./api.js";
import { fetchImpact, impactDialog, plural } from "./impact-dialog.js";

async function retirePreview(treeId) {
  try {
    return await fetchImpact(treeId, { intent: "deactivate" });
  } catch (error) {
    toast(error.message, "error");
    return undefined;
  }
}

async function deleteFlow(button) {
  const { treeId, treeName } = button.dataset;
  const preview = await retirePreview(treeId);
  if (preview === undefined) return;
  const runs = Number(button.dataset.runCount || 0);
  const confirmed = await impactDialog({
    heading: `Delete “${treeName}”?`,
    question: `“${treeName}” is deleted for everyone, with its history${runs ? ` and ${plural(runs, "run")}` : ""}; `
      + "its steps leave the library (forks are kept and their owners told). This cannot be undone.",
    confirmLabel: "Delete flow",
    danger: true,
    preview,
  });
  if (!confirmed) return;
  try {
    await api("DELETE", `/api/trees/${treeId}/`);
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  window.location.assign(`/flows/?deleted=${encodeURIComponent(treeName)}`);
}

async function setArchived(button, archived) {
  const { treeId, treeName } = button.dataset;
  const preview = archived ? await retirePreview(treeId) : null;
  if (preview === undefined) return;
  const confirmed = await impactDialog(archived
    ? {
      heading: `Archive “${treeName}”?`,
      question: "Its steps leave the library (forks are kept and their owners told); unarchive it to work on it again.",
      confirmLabel: "Archive",
      preview,
    }
    : {
      heading: `Unarchive “${treeName}”?`,
      question: "It becomes a draft again; publish it to bring its steps back to the library.",
      confirmLabel: "Unarchive",
    });
  if (!confirmed) return;
  try {
    await api("PATCH", `/api/trees/${treeId}/`, { status: archived ? "archived" : "draft" });
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  window.location.reload();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-flow-action]");
  if (!button) return;
  const action = button.dataset.flowAction;
  if (action === "delete") deleteFlow(button);
  else if (action === "archive") setArchived(button, true);
  else if (action === "unarchive") setArchived(button, false);
});

const deleted = new URLSearchParams(window.location.search).get("deleted");
if (deleted) {
  toast(`Flow “${deleted}” deleted.`, "success");
  window.history.replaceState(null, "", window.location.pathname);
}
