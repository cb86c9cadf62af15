// Where a library entry came from, in words: a fork's source (linked when the reader may see
// it, with the revision it was taken at) and what each revision in its History was.
import { api, el } from "./api.js";

export function forkedFromLine(entry) {
  if (!entry.forked_from) return null;
  const revision = entry.forked_from_revision ? ` (revision ${entry.forked_from_revision})` : "";
  const target = el("span", { class: "muted" }, "…");
  const line = el("p", { class: "sourced forked-from" }, "Forked from: ", target, revision);
  // The source is named only to someone who may see it now: the API answers 404 otherwise.
  api("GET", `/api/steps/${entry.forked_from}/`).then(
    (source) => target.replaceWith(el("a", { href: `/library/#${source.id}` }, source.title)),
    () => target.replaceWith(el("span", {}, "an entry you can no longer see")),
  );
  return line;
}

export function revisionKind(entry, revision) {
  if (revision.source_tree) return "published";
  if ((entry.forked_from || entry.forked_from_revision) && revision.number === 1) return "forked";
  return "edited";
}
