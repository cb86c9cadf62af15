// Near-duplicates in the flow editor: the publish preview names, for each new or changed
// step, library entries very like it. Each such step says "looks like 'Stop nginx' (used
// 40×, ★4.6) — insert that instead?"; inserting turns the step into that entry, linked by
// library_step_id exactly as "Insert from library" does, so no new copy piles up.
import { api, el, toast } from "./api.js";
import { becomeEntry } from "./library-entry.js";

let matchesByNode = new Map();
const kept = new Set();  // steps whose author chose to keep their own version

export function showSimilar(similar) {
  matchesByNode = new Map((similar || []).map((item) => [item.node_id, item.matches]));
}

// Steps with suggestions the author has not answered yet.
export function unansweredSimilar() {
  return [...matchesByNode.keys()].filter((nodeId) => !kept.has(nodeId)).length;
}

function describe(match) {
  const rating = match.rating_count ? `, ★${Number(match.rating_avg).toFixed(1)}` : "";
  return `looks like '${match.title}' (used ${match.usage_count}×${rating})`;
}

async function insertInstead(node, match, { stepwise, onChange }) {
  let entry;
  try {
    entry = await api("GET", `/api/steps/${match.step_id}/`);
  } catch (error) {
    toast(error.message, "error");
    return;
  }
  // The node keeps its id (and its place, answer and children in a tree).
  becomeEntry(node, entry, { stepwise });
  matchesByNode.delete(node.id);
  onChange();
  toast(`Inserted '${entry.title}' from the library; publish to keep it.`, "success");
}

// The note under a step, or null when it has no (unanswered) suggestion.
export function similarNote(node, options) {
  const matches = matchesByNode.get(node.id);
  if (!matches?.length || kept.has(node.id)) return null;
  return el("div", { class: "node-similar", role: "note", dataset: { nodeId: node.id } },
    el("ul", {}, matches.map((match) => el("li", {},
      el("span", {}, `This step ${describe(match)} — insert that instead? `),
      el("button", { type: "button", class: "small", onclick: () => insertInstead(node, match, options) }, "Insert that instead")))),
    el("button", {
      type: "button",
      class: "small",
      onclick: () => { kept.add(node.id); options.onRender(); },
    }, "Keep mine"));
}
