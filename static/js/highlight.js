// Marks the searched words in already-rendered text. Built from text nodes and <mark>
// elements only (never innerHTML), so nothing in an entry or in the query can inject markup.

function stem(term) {
  // Rough English stemming so "extracting" also marks "Extract"; the server ranks properly.
  const root = term.replace(/(ing|ed|es|s)$/u, "");
  return root.length >= 3 ? root : term;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
}

export function termPattern(terms) {
  const parts = [...new Set((terms || []).filter((t) => t.length >= 2).map(stem))];
  if (!parts.length) return null;
  parts.sort((a, b) => b.length - a.length);
  return new RegExp(`(${parts.map(escapeRegExp).join("|")})`, "giu");
}

export function highlight(root, pattern) {
  if (!pattern || !root) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const pieces = node.nodeValue.split(pattern);
    if (pieces.length < 2) continue;
    const fragment = document.createDocumentFragment();
    pieces.forEach((piece, index) => {
      if (!piece) return;
      if (index % 2 === 1) {
        const mark = document.createElement("mark");
        mark.textContent = piece;
        fragment.append(mark);
      } else {
        fragment.append(document.createTextNode(piece));
      }
    });
    node.replaceWith(fragment);
  }
}
