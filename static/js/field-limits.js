// Length limits said, not silently applied. Every text field with a maxlength (on any page,
// including fields the editor draws later) gets a counter that appears near the limit
// ("243/255"); the browser no longer cuts a pasted value short: an over-long value stays as
// typed, is marked invalid and says by how much, and the server's error names it too.
const NEAR = 0.9;
const SELECTOR = "input[maxlength], textarea[maxlength]";
let counterIds = 0;

function counterText(length, limit) {
  const count = `${length.toLocaleString()}/${limit.toLocaleString()}`;
  if (length <= limit) return count;
  const over = length - limit;
  return `${count} — ${over.toLocaleString()} character${over === 1 ? "" : "s"} too many`;
}

// The editor sets values from script (no input event): follow those too.
function watchValue(input, update) {
  const descriptor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), "value");
  Object.defineProperty(input, "value", {
    configurable: true,
    get() { return descriptor.get.call(this); },
    set(value) { descriptor.set.call(this, value); update(); },
  });
}

function enhance(input) {
  const limit = Number(input.getAttribute("maxlength"));
  if (!limit || input.dataset.limit) return;
  input.removeAttribute("maxlength");
  input.dataset.limit = String(limit);
  const counter = document.createElement("span");
  counter.className = "limit-counter small";
  counter.id = `limit-counter-${(counterIds += 1)}`;
  counter.setAttribute("aria-live", "polite");
  input.after(counter);
  input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "));
  const update = () => {
    const length = input.value.length;
    const over = length > limit;
    counter.hidden = length < limit * NEAR;
    counter.textContent = counterText(length, limit);
    counter.classList.toggle("over", over);
    if (over) input.setAttribute("aria-invalid", "true");
    else if (input.dataset.limitInvalid) input.removeAttribute("aria-invalid");
    if (over) input.dataset.limitInvalid = "1";
    else delete input.dataset.limitInvalid;
  };
  input.addEventListener("input", update);
  watchValue(input, update);
  update();
}

function enhanceWithin(root) {
  if (root.matches?.(SELECTOR)) enhance(root);
  root.querySelectorAll?.(SELECTOR).forEach(enhance);
}

enhanceWithin(document);
new MutationObserver((records) => {
  for (const record of records) record.addedNodes.forEach(enhanceWithin);
}).observe(document.body, { childList: true, subtree: true });
