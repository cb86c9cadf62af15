// The editor's conflict dialog: someone saved this flow since it was loaded. The author's
// unsaved work stays on screen; the dialog shows the other person's changes node by node and
// asks for an explicit choice: "Reload theirs" or "Keep mine and save over it".
import { el } from "./api.js";
import { renderStructureChanges } from "./flow-changes.js";

const dialog = document.getElementById("conflict-dialog");

// Resolves to "theirs", "mine", or null when the author closes the dialog without choosing.
export function askAboutConflict(changes, who) {
  document.getElementById("conflict-who").textContent = who
    ? `${who} saved this flow after you opened it.`
    : "Someone saved this flow after you opened it.";
  document.getElementById("conflict-changes").replaceChildren(
    el("h3", {}, "What they changed"), renderStructureChanges(changes));
  return new Promise((resolve) => {
    const choose = (event) => {
      const button = event.target.closest("button[data-choice]");
      if (!button) return;
      dialog.close(button.dataset.choice);
    };
    dialog.addEventListener("click", choose);
    dialog.addEventListener("close", () => {
      dialog.removeEventListener("click", choose);
      resolve(dialog.returnValue || null);
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}
