// A dialog that searches the step library and hands the chosen entry to a callback.
// Choosing is not a use: an entry's uses are counted by the live sessions that run it.
import { api, el } from "./api.js";

const dialog = document.getElementById("library-picker");
const form = document.getElementById("picker-form");
const input = document.getElementById("picker-search");
const results = document.getElementById("picker-results");
const status = document.getElementById("picker-status");
let onPick = null;

async function search() {
  status.textContent = "Searching…";
  results.replaceChildren();
  try {
    const params = new URLSearchParams({ search: input.value, page_size: "10" });
    const page = await api("GET", `/api/steps/?${params}`);
    status.textContent = page.count ? `${page.count} found${page.count > 10 ? ", showing 10" : ""}.` : "Nothing found.";
    results.replaceChildren(...page.results.map((entry) => el("li", { class: "picker-row" },
      el("div", {},
        el("strong", {}, entry.title),
        el("span", { class: `badge type-${entry.step_type}` }, entry.step_type),
        entry.is_flow_synced ? el("span", { class: "badge chip-flow" }, entry.source_tree_name ? `From Flow · ${entry.source_tree_name}` : "From Flow") : null,
        el("p", { class: "muted small" }, (entry.content.instructions || "").slice(0, 140))),
      el("button", { type: "button", class: "primary", onclick: () => choose(entry) }, "Insert"))));
  } catch (error) {
    status.textContent = error.message;
  }
}

function choose(entry) {
  dialog.close();
  onPick(entry);
}

form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());

export function pickFromLibrary(callback) {
  onPick = callback;
  dialog.showModal();
  input.focus();
  if (!results.children.length) search();
}
