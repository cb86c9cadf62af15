// A toggletip: a button with a short visible label whose full explanation opens on tap, click
// and keyboard focus (not only on mouse hover), is announced when it opens, and closes on
// Escape, on a second tap or when focus leaves.
import { el } from "./api.js";

let tips = 0;

export function toggletip({ label, text, icon = null, className = "" }) {
  const id = `toggletip-${(tips += 1)}`;
  const bubble = el("span", { class: "toggletip-bubble", id, role: "status" });
  const button = el("button", {
    type: "button",
    class: `toggletip-button ${className}`.trim(),
    "aria-expanded": "false",
    "aria-controls": id,
    "aria-describedby": id,
    title: text,
  }, icon, el("span", { class: "toggletip-label" }, label));
  const show = (open) => {
    button.setAttribute("aria-expanded", String(open));
    // Text written on opening is what makes the live region announce it.
    bubble.textContent = open ? text : "";
  };
  // A tap or click focuses the button first: that focus already opened the tip, and the click
  // that follows must not close it again.
  let openedByFocus = false;
  button.addEventListener("click", () => {
    if (openedByFocus) openedByFocus = false;
    else show(button.getAttribute("aria-expanded") !== "true");
  });
  button.addEventListener("focus", () => { openedByFocus = true; show(true); });
  button.addEventListener("blur", () => { openedByFocus = false; show(false); });
  button.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { openedByFocus = false; show(false); }
  });
  return el("span", { class: "toggletip" }, button, bubble);
}
