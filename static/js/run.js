// The run page: a live session of a flow, kept on the server. Every tick is an event with
// an id chosen here, so a retry after a timeout records it once; teammates' ticks arrive by
// polling the timeline every few seconds.
import { ApiError, api, el, readJson, toast } from "./api.js";
import { pickFromLibrary } from "./library-picker.js";
import { declaredVariables, fieldName, filledCommandBlock, loadSecrets, storeSecrets, variableField } from "./variables.js";

const POLL_MS = 2500;
const data = readJson("session-data");
const me = data.me;
const stepwise = data.tree_type !== "troubleshooting";
const runRoot = document.getElementById("run-root");
const progress = document.getElementById("progress");
const timelineList = document.getElementById("timeline");
const joinButton = document.getElementById("join-button");
const adhocButton = document.getElementById("adhoc-button");
const finishButton = document.getElementById("finish-button");
const finishDialog = document.getElementById("finish-dialog");
const finishForm = document.getElementById("finish-form");
const finishError = document.getElementById("finish-error");

const state = {
  status: data.status,
  events: data.events,
  adhoc: data.adhoc_steps,
  participants: data.participants,
  isParticipant: data.is_participant,
  summary: data.summary,
  fingerprint: "",
};
// The variables of the pinned revision: non-secret values come from the server, secret ones
// only from this tab's sessionStorage (asked for again in a new tab).
const variables = declaredVariables(data.structure);
let secrets = loadSecrets(data.id);
const variableValues = () => ({ ...data.variables, ...secrets });
// Notes typed for a failure survive the re-renders that polling causes.
const failureDrafts = new Map();

const nodes = new Map();
(function indexStructure() {
  if (stepwise) {
    for (const node of data.structure.steps || []) nodes.set(node.id, node);
    return;
  }
  const stack = data.structure.root ? [data.structure.root] : [];
  while (stack.length) {
    const node = stack.pop();
    nodes.set(node.id, node);
    for (const child of node.children || []) stack.push(child);
  }
})();

function commandsOf(node) {
  if (typeof node.commands === "string") return node.commands.trim() ? [{ code: node.commands }] : [];
  return node.commands || [];
}

function adhocAsNode(adhoc) {
  const content = adhoc.content || {};
  return {
    id: adhoc.node_id,
    type: "procedure_step",
    title: adhoc.title,
    description: content.instructions,
    expected_outcome: content.help_text,
    commands: (content.commands || []).map((command) => ({ code: command.command, label: command.label, language: command.command_type })),
    adhoc,
  };
}

function latestEvents() {
  const latest = new Map();
  for (const event of state.events) latest.set(event.node_id, event);
  return latest;
}

const writable = () => state.status === "running" && state.isParticipant;

// ---- writes --------------------------------------------------------------------

// Events on their way to the server: a reload now would lose them (see beforeunload below).
let pendingWrites = 0;

async function postEvent(...args) {
  pendingWrites += 1;
  try {
    return await sendEvent(...args);
  } finally {
    pendingWrites -= 1;
  }
}

async function sendEvent(nodeId, outcome, extra = {}) {
  const body = { event_id: crypto.randomUUID(), node_id: nodeId, outcome, note: "", ...extra };
  for (let attempt = 0; ; attempt += 1) {
    try {
      await api("POST", `/api/sessions/${data.id}/events/`, body);
      break;
    } catch (error) {
      // The same event id again is safe: the server records it once.
      if (error instanceof ApiError && error.status === 0 && attempt < 2) continue;
      toast(error.message, "error");
      if (error.status === 409 || error.status === 403) await refresh(true);
      return false;
    }
  }
  await refresh(true);
  return true;
}

// ---- rendering -----------------------------------------------------------------

function outcomeBadge(event) {
  if (!event) return null;
  const label = { done: "Done", failed: "Failed", skipped: "Skipped" }[event.outcome];
  return el("span", { class: `badge outcome-${event.outcome}` }, label);
}

function eventLine(event) {
  if (!event) return null;
  return el("p", { class: "muted small event-by" },
    `${event.outcome === "done" ? "Done" : event.outcome === "failed" ? "Failed" : "Skipped"} by ${event.username || "a former user"}`,
    event.note ? el("span", { class: "event-note" }, ` — ${event.note}`) : null);
}

function stepDetails(node) {
  return [
    node.description ? el("p", { class: "prewrap" }, node.description) : null,
    node.expected_outcome ? el("p", { class: "expected" }, el("strong", {}, "Expected: "), node.expected_outcome) : null,
    ...commandsOf(node).map((command) => filledCommandBlock(command, variables, variableValues())),
  ];
}

function stepControls(node, title) {
  if (!writable()) return null;
  const draft = failureDrafts.get(node.id);
  const controls = el("div", { class: "row-actions step-controls" },
    el("button", { type: "button", class: "primary", "aria-label": `Done: ${title}`, onclick: () => postEvent(node.id, "done") }, "Done"),
    el("button", { type: "button", "aria-label": `Failed: ${title}`, onclick: () => { failureDrafts.set(node.id, ""); render(); document.getElementById(`note-${node.id}`)?.focus(); } }, "Failed…"),
    el("button", { type: "button", "aria-label": `Skip: ${title}`, onclick: () => postEvent(node.id, "skipped") }, "Skip"));
  if (draft === undefined) return controls;
  const area = el("textarea", { id: `note-${node.id}`, rows: "2", maxlength: "10000" }, draft);
  area.addEventListener("input", () => failureDrafts.set(node.id, area.value));
  const form = el("form", { class: "stack failure-form", "aria-label": `Failure note for ${title}` },
    el("label", { for: `note-${node.id}` }, "What went wrong?"),
    area,
    el("div", { class: "row-actions" },
      el("button", { type: "submit", class: "primary" }, "Record failure"),
      el("button", { type: "button", onclick: () => { failureDrafts.delete(node.id); render(); } }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await postEvent(node.id, "failed", { note: area.value })) {
      failureDrafts.delete(node.id);
      render();
    }
  });
  return [controls, form];
}

function stepCard(node, latest) {
  const event = latest.get(node.id);
  const title = node.title || "Untitled step";
  return el("li", { class: `run-step card ${event ? `outcome-${event.outcome}` : ""}`, dataset: { node: node.id } },
    el("div", { class: "check" },
      el("h3", { class: "step-title" }, title),
      node.adhoc ? el("span", { class: "badge chip-adhoc" }, "Ad-hoc") : null,
      outcomeBadge(event)),
    eventLine(event),
    stepDetails(node),
    stepControls(node, title));
}

function orderedSteps() {
  // Ad-hoc steps go after the node they were inserted after, or before the end.
  const after = new Map();
  const atEnd = [];
  for (const adhoc of state.adhoc) {
    const node = adhocAsNode(adhoc);
    if (adhoc.after_node_id) {
      if (!after.has(adhoc.after_node_id)) after.set(adhoc.after_node_id, []);
      after.get(adhoc.after_node_id).push(node);
    } else {
      atEnd.push(node);
    }
  }
  const ordered = [];
  const place = (node) => {
    ordered.push(node);
    for (const follower of after.get(node.id) || []) place(follower);
  };
  const steps = data.structure.steps || [];
  for (const node of steps) {
    if (node.type === "procedure_end") ordered.push(...atEnd.splice(0));
    place(node);
  }
  ordered.push(...atEnd);
  return ordered;
}

function renderChecklist(latest) {
  const ordered = orderedSteps();
  const steps = ordered.filter((node) => node.type === "procedure_step");
  const done = steps.filter((node) => latest.get(node.id)?.outcome === "done").length;
  progress.textContent = steps.length ? `${done} of ${steps.length} steps done` : "This flow has no steps.";
  runRoot.replaceChildren(el("ol", { class: "run-list" }, ordered.map((node) => {
    if (node.type === "section_header") return el("li", { class: "run-section" }, el("h3", {}, node.title || "Untitled section"));
    if (node.type === "procedure_end") return el("li", { class: "run-end card" }, node.title || "End");
    return stepCard(node, latest);
  })));
}

function walkPath(latest) {
  // Follow the latest answer recorded on each node from the root.
  const path = [];
  let node = data.structure.root;
  const seen = new Set();
  while (node && !seen.has(node.id)) {
    seen.add(node.id);
    const event = latest.get(node.id);
    const next = event && event.next_node_id ? nodes.get(event.next_node_id) : null;
    path.push({ node, event });
    node = next;
  }
  return path;
}

function answerButtons(node) {
  if (!writable()) return null;
  const children = node.children || [];
  if (!children.length) {
    return el("div", { class: "row-actions" },
      el("button", { type: "button", class: "primary", onclick: () => postEvent(node.id, "done") }, node.type === "solution" ? "Mark solved" : "Done"),
      el("button", { type: "button", onclick: () => postEvent(node.id, "failed") }, "Did not work"));
  }
  return el("div", { class: "answers", role: "group", "aria-label": "Answers" },
    children.map((child) => el("button", { type: "button", class: "primary", onclick: () => postEvent(node.id, "done", { next_node_id: child.id }) },
      node.type === "action" && children.length === 1 ? "Done, continue" : child.answer || child.title)));
}

function renderTree(latest) {
  const path = walkPath(latest);
  if (!path.length) {
    runRoot.replaceChildren(el("p", { class: "empty card" }, "This tree is empty."));
    return;
  }
  const current = path[path.length - 1];
  progress.textContent = `Step ${path.length}`;
  const trail = path.length > 1
    ? el("ol", { class: "trail" }, path.slice(0, -1).map((step) => el("li", {}, `${step.node.title} → ${step.event.answer || "Done"}`)))
    : null;
  const node = current.node;
  runRoot.replaceChildren(...[
    trail,
    el("div", { class: `card current node-${node.type}` },
      el("span", { class: `badge kind-${node.type}` }, node.type),
      outcomeBadge(current.event),
      el("h3", { tabindex: "-1" }, node.title || "Untitled"),
      eventLine(current.event),
      stepDetails(node),
      answerButtons(node)),
    state.adhoc.length ? el("section", { class: "adhoc" }, el("h3", {}, "Ad-hoc steps in this run"),
      el("ol", { class: "run-list" }, state.adhoc.map((adhoc) => stepCard(adhocAsNode(adhoc), latest)))) : null,
  ].filter(Boolean));
}

function nodeTitle(nodeId) {
  const adhoc = state.adhoc.find((step) => step.node_id === nodeId);
  return adhoc ? adhoc.title : nodes.get(nodeId)?.title || nodeId;
}

function renderTimeline() {
  const items = [
    ...state.events.map((event) => ({ at: event.created_at, text: `${event.username || "a former user"}: ${nodeTitle(event.node_id)} — ${event.outcome}${event.answer ? ` (${event.answer})` : ""}${event.note ? ` — ${event.note}` : ""}` })),
    ...state.adhoc.map((adhoc) => ({ at: adhoc.created_at, text: `${adhoc.added_by_username || "a former user"} inserted “${adhoc.title}”` })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  timelineList.replaceChildren(...items.map((item) => el("li", {},
    el("time", { datetime: item.at, class: "muted small" }, new Date(item.at).toLocaleTimeString()), " ", item.text)));
  if (!items.length) timelineList.replaceChildren(el("li", { class: "muted" }, "Nothing recorded yet."));
}

function renderHeader() {
  const statusBadge = document.getElementById("run-status");
  statusBadge.textContent = state.status[0].toUpperCase() + state.status.slice(1);
  statusBadge.className = `badge run-status status-${state.status}`;
  document.getElementById("participants").textContent = `Participants: ${state.participants.map((person) => person.username).join(", ")}`;
  const running = state.status === "running";
  joinButton.hidden = !running || state.isParticipant;
  adhocButton.hidden = !writable();
  finishButton.hidden = !writable();
  const banner = document.getElementById("finished-banner");
  banner.hidden = running;
  if (!running) banner.textContent = `This run is ${state.status}${state.summary ? `: ${state.summary}` : "."} It is read-only.`;
}

function render() {
  const latest = latestEvents();
  renderHeader();
  if (stepwise) renderChecklist(latest);
  else renderTree(latest);
  renderTimeline();
}

// ---- polling ---------------------------------------------------------------------

async function refresh(force = false) {
  let timeline;
  try {
    timeline = await api("GET", `/api/sessions/${data.id}/events/`);
  } catch {
    return; // a missed poll is retried on the next tick
  }
  const fingerprint = JSON.stringify([timeline.status, timeline.events.length, timeline.adhoc_steps.length, timeline.participants.length]);
  if (!force && fingerprint === state.fingerprint) return;
  state.fingerprint = fingerprint;
  state.status = timeline.status;
  state.events = timeline.events;
  state.adhoc = timeline.adhoc_steps;
  state.participants = timeline.participants;
  state.isParticipant = timeline.participants.some((person) => person.id === me.id);
  if (state.status !== "running" && !state.summary) {
    const full = await api("GET", `/api/sessions/${data.id}/`).catch(() => null);
    if (full) state.summary = full.summary;
  }
  render();
}

setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);

// ---- actions ---------------------------------------------------------------------

joinButton.addEventListener("click", async () => {
  try {
    await api("POST", `/api/sessions/${data.id}/join/`);
    toast("You joined this run.");
  } catch (error) {
    toast(error.message, "error");
  }
  await refresh(true);
});

adhocButton.addEventListener("click", () => pickFromLibrary(async (entry) => {
  // The server counts the use when it records the insert.
  const lastDone = [...state.events].reverse().find((event) => nodes.has(event.node_id));
  try {
    await api("POST", `/api/sessions/${data.id}/adhoc/`, { step: entry.id, after_node_id: stepwise && lastDone ? lastDone.node_id : null });
    toast(`Inserted “${entry.title}”.`);
  } catch (error) {
    toast(error.message, "error");
  }
  await refresh(true);
}));

finishButton.addEventListener("click", () => {
  finishError.textContent = "";
  finishDialog.showModal();
});
finishDialog.querySelector("[data-close]").addEventListener("click", () => finishDialog.close());
finishForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(finishForm);
  try {
    const session = await api("POST", `/api/sessions/${data.id}/finish/`, { status: form.get("status"), summary: form.get("summary") });
    state.summary = session.summary;
    finishDialog.close();
    toast(`Run finished: ${session.status}.`);
  } catch (error) {
    finishError.textContent = error.body?.summary?.[0] || error.message;
    return;
  }
  await refresh(true);
});

// ---- secret values ---------------------------------------------------------------

const secretsForm = document.getElementById("run-secrets");
function askForMissingSecrets() {
  const missing = variables.filter((variable) => variable.kind === "secret" && !secrets[variable.name]);
  secretsForm.hidden = !missing.length;
  document.getElementById("run-secrets-fields").replaceChildren(
    ...missing.map((variable) => variableField(variable, `secret-${variable.name}`)));
}
secretsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(secretsForm);
  for (const variable of variables) {
    const value = form.get(fieldName(variable));
    if (variable.kind === "secret" && value) secrets[variable.name] = value;
  }
  storeSecrets(data.id, secrets);
  secrets = loadSecrets(data.id);
  askForMissingSecrets();
  render();
});
askForMissingSecrets();

state.fingerprint = JSON.stringify([state.status, state.events.length, state.adhoc.length, state.participants.length]);
render();

// Ticks are saved as they are made; what a reload would still lose is an event on its way to
// the server, a failure note not yet recorded, or a finish summary not yet sent.
window.addEventListener("beforeunload", (event) => {
  const typed = [...failureDrafts.values()].some((note) => note.trim())
    || (finishDialog.open && finishForm.elements.summary.value.trim());
  if (!pendingWrites && !typed) return;
  event.preventDefault();
  event.returnValue = "";
});
