/* Facets: the answer's counts by career and by section, as buttons that set or clear the page's exact filters. */

import { el } from "./state.js";

const SHOWN = 6; // values shown per group until "Show all"
const expanded = { from: false, section: false };
let last = null; // what was rendered last: the "Show all" toggle renders it again

function group(key, label, counts, s) {
  const g = document.createElement("div");
  g.className = "facet-group";
  const h = document.createElement("h2");
  h.id = "facet-h-" + key;
  h.textContent = label;
  const ul = document.createElement("ul");
  ul.setAttribute("aria-labelledby", h.id);
  const limit = expanded[key] ? counts.length : SHOWN;
  for (const { value, name, n } of counts.slice(0, limit)) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "facet";
    b.dataset.facet = key;
    b.dataset.value = value;
    b.setAttribute("aria-pressed", String(s[key] === value));
    b.setAttribute("aria-label", name + ", " + n + (n === 1 ? " passage" : " passages"));
    const text = document.createElement("span");
    text.className = "name";
    text.textContent = name;
    const c = document.createElement("span");
    c.className = "count";
    c.textContent = String(n);
    b.append(text, c);
    li.append(b);
    ul.append(li);
  }
  g.append(h, ul);
  if (counts.length > SHOWN) {
    const more = document.createElement("button");
    more.type = "button";
    more.className = "linkish facet-more";
    more.dataset.expand = key;
    more.textContent = expanded[key] ? "Show fewer" : "Show all " + counts.length;
    g.append(more);
  }
  return g;
}

/* facets is the API's: {careers: [{doc_id, title, count}], sections: [{section, count}]}. */
export function renderFacets(s, facets, titleOf) {
  last = { s, facets, titleOf };
  const careers = (facets.careers || []).map((c) => ({ value: c.doc_id, name: c.title, n: c.count }));
  const sections = (facets.sections || []).map((c) => ({ value: c.section, name: c.section, n: c.count }));
  // an active filter stays on screen, to be cleared, even when nothing it keeps matches
  if (s.from && !careers.some((c) => c.value === s.from)) careers.unshift({ value: s.from, name: titleOf(s.from), n: 0 });
  if (s.section && !sections.some((c) => c.value === s.section)) sections.unshift({ value: s.section, name: s.section, n: 0 });
  const nodes = [];
  for (const [key, label, counts] of [["from", "Career", careers], ["section", "Section", sections]]) {
    if (counts.length) nodes.push(group(key, label, counts, s));
  }
  const total = careers.reduce((sum, c) => sum + c.n, 0);
  if (total) {
    const note = document.createElement("p");
    note.className = "facet-note";
    note.textContent = "Counts are of the " + total + " passages that match.";
    nodes.push(note);
  }
  el.facetBody.replaceChildren(...nodes);
  el.facetBody.dataset.ready = "true";
}

export function toggleExpanded(key) {
  expanded[key] = !expanded[key];
  if (last) renderFacets(last.s, last.facets, last.titleOf);
}

export function clearFacets() {
  last = null;
  el.facetBody.replaceChildren();
}
