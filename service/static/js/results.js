/* Results: one /api/search request per search, its results, filter chips, facets, and the empty and no-result states. */

import { answers, endBusy, getJSON, HttpError, loadCareers, searchUrl, startBusy } from "./api.js";
import { clearFacets, renderFacets } from "./facets.js";
import { failed, hideNotice, retrying } from "./notices.js";
import { el, hasFilters, initial, page, setView, urlFor } from "./state.js";

const EXAMPLES = [
  "what does a principal engineer do",
  "registered nurse salary in Chicago",
  "how to become a data scientist",
  "SRE on-call",
];

let searchSeq = 0;
let searchCtl = null;

/* Drops the search on its way, if any: its answer is not wanted any more. */
export function cancelSearches() {
  searchSeq += 1;
  if (searchCtl) searchCtl.abort();
  searchCtl = null;
}

function clearResults() {
  setView("none"); // only the notice is left to read
  el.results.replaceChildren();
  el.chips.replaceChildren();
  clearFacets();
  el.noResults.hidden = true;
  el.noMatch.hidden = true;
}

/* The answer the server put in the page, once, if it was made for this state; kept for back and forward. */
function takeInitial(s, url) {
  const data = initial.results;
  if (!data) return null;
  initial.results = null;
  const p = initial.params;
  if (!p || !Object.keys(p).every((k) => p[k] === s[k])) return null;
  answers.set(url, data);
  return data;
}

export async function showResults(s, { fresh = false, restore = null } = {}) {
  // The current view stays until the answer is here: typing does not blank the page between keystrokes.
  document.title = s.q + " – Career search";
  cancelSearches();
  const seq = searchSeq;
  const url = searchUrl(s);
  let data = takeInitial(s, url) || answers.get(url);
  if (!data && page.waiting) {
    clearResults();
    return;
  }
  if (!data) {
    const ctl = new AbortController();
    searchCtl = ctl;
    startBusy();
    try {
      data = await getJSON(url, ctl.signal);
    } catch (err) {
      if (seq === searchSeq && err.name !== "AbortError") {
        clearResults();
        failed(err, () => showResults(page.state));
      }
      return;
    } finally {
      endBusy();
    }
    if (seq !== searchSeq) return; // a newer search started while this one ran: drop it
    answers.set(url, data);
  }
  if (!retrying()) hideNotice();
  setView("results");
  renderResults(s, data);
  if (restore) restoreResults(restore);
  else if (fresh) window.scrollTo(0, 0);
}

function titleFinder(data) {
  const careers = (data.facets && data.facets.careers) || [];
  return (id) =>
    ((data.results || []).find((r) => r.doc_id === id) || careers.find((c) => c.doc_id === id) || {}).title || id;
}

function renderResults(s, data) {
  const list = data.results || [];
  const titleOf = titleFinder(data);
  el.results.replaceChildren(...list.map((r, i) => resultItem(r, i, s)));
  el.results.hidden = list.length === 0;
  el.noResults.hidden = list.length !== 0;
  // nothing answers well: the results are shown as the closest matches, not as answers
  const closest = Boolean(data.no_match) && list.length > 0;
  el.noMatch.hidden = !closest;
  el.results.classList.toggle("closest", closest);
  el.results.setAttribute("aria-label", closest ? "Closest matches" : "Results");
  renderChips(s, titleOf);
  renderFacets(s, data.facets || {}, titleOf);
  if (!list.length) renderNoResults(s);
  const n = list.length;
  let msg = n === 0 ? "No results" : n === 1 ? "1 result" : n + " results";
  if (closest) msg = "No good match; " + (n === 1 ? "1 closest match" : n + " closest matches");
  msg += " for “" + s.q + "”";
  if (data.corrected) msg += " (searched as “" + data.corrected + "”)"; // misspelled words were corrected
  if (s.from) msg += " in " + titleOf(s.from);
  else if (s.title || s.section) msg += " (filtered)";
  el.status.textContent = msg;
  document.dispatchEvent(new CustomEvent("careersearch:results", { detail: { q: s.q, count: n } }));
}

function resultItem(r, i, s) {
  const li = document.createElement("li");
  li.className = "result";
  li.dataset.doc = r.doc_id;
  li.dataset.passage = r.passage_id;

  const h = document.createElement("h2");
  const a = document.createElement("a");
  a.className = "open";
  a.href = urlFor({ ...s, doc: r.doc_id, p: r.passage_id });
  a.dataset.nav = "doc";
  a.textContent = r.title;
  const sectionId = "res-sec-" + i;
  a.setAttribute("aria-describedby", sectionId);
  h.append(a);

  const sec = document.createElement("p");
  sec.className = "section";
  sec.id = sectionId;
  sec.textContent = r.section || "Introduction";

  const snip = document.createElement("p");
  snip.className = "snippet";
  if (r.snippet) snip.append(snippetNodes(r.snippet));
  else snip.textContent = (r.text || "").slice(0, 300);

  li.append(h, sec, snip);
  if (s.from !== r.doc_id) {
    const more = document.createElement("p");
    more.className = "more-line";
    const m = document.createElement("a");
    m.className = "more";
    m.href = urlFor({ q: s.q, from: r.doc_id });
    m.dataset.nav = "search";
    m.textContent = "More from this career";
    m.setAttribute("aria-label", "More from " + r.title);
    more.append(m);
    li.append(more);
  }
  return li;
}

/* The snippet is HTML from the API: escaped text with <mark>. It is parsed in an inert document (nothing in it
   runs or loads) and only its text and <mark> elements are copied into the page. */
const parser = new DOMParser();
function snippetNodes(html) {
  const parsed = parser.parseFromString("<!doctype html><body>" + html, "text/html");
  const frag = document.createDocumentFragment();
  for (const node of parsed.body.childNodes) {
    if (node.nodeName === "MARK") {
      const m = document.createElement("mark");
      m.textContent = node.textContent;
      frag.append(m);
    } else {
      frag.append(document.createTextNode(node.textContent));
    }
  }
  return frag;
}

function chip(key, label) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "chip";
  b.dataset.clear = key;
  b.setAttribute("aria-label", "Remove filter " + label);
  b.append(document.createTextNode(label));
  const x = document.createElement("span");
  x.className = "x";
  x.setAttribute("aria-hidden", "true");
  x.textContent = "×";
  b.append(x);
  return b;
}

function renderChips(s, titleOf) {
  const nodes = [];
  if (s.from) nodes.push(chip("from", "Career: " + titleOf(s.from)));
  if (s.title) nodes.push(chip("title", "Title contains: " + s.title));
  if (s.section) nodes.push(chip("section", "Section: " + s.section));
  if (nodes.length > 1) {
    const all = document.createElement("button");
    all.type = "button";
    all.className = "chip";
    all.dataset.clear = "all";
    all.textContent = "Clear all filters";
    nodes.push(all);
  }
  el.chips.replaceChildren(...nodes);
}

function renderNoResults(s) {
  const tips = [];
  const li = (text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  };
  if (hasFilters(s)) {
    const item = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "linkish";
    b.dataset.clear = "all";
    b.textContent = "Remove the filters";
    item.append(b, document.createTextNode(" to search all careers."));
    tips.push(item);
  }
  tips.push(li("Check the spelling of your question."));
  tips.push(li("Use fewer or more general words, e.g. “nurse salary” instead of a full sentence."));
  tips.push(li("Ask about a role, a skill, pay or how to get started."));
  el.tips.replaceChildren(...tips);
  fillCareers(el.noResultsCareers);
}

function restoreResults(restore) {
  if (typeof restore.scrollY === "number") window.scrollTo(0, restore.scrollY);
  if (restore.focusPid) {
    const li = [...el.results.children].find((x) => x.dataset.passage === restore.focusPid);
    const link = li && li.querySelector("a.open");
    if (link) link.focus({ preventScroll: typeof restore.scrollY === "number" });
  }
}

/* Lists every career in ul, each a link to its document. */
export async function fillCareers(ul) {
  let docs;
  try {
    docs = await loadCareers();
  } catch (err) {
    const li = document.createElement("li");
    li.textContent = err instanceof HttpError && err.status === 503
      ? "The list of careers is not available until the index is ready."
      : "The list of careers could not be loaded; reload the page to try again.";
    ul.replaceChildren(li);
    return;
  }
  ul.replaceChildren(...docs.map((d) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = urlFor({ q: page.state.q, doc: d.doc_id });
    a.dataset.nav = "doc";
    a.textContent = d.title;
    li.append(a);
    if (d.category) {
      const c = document.createElement("span");
      c.className = "cat";
      c.textContent = d.category;
      li.append(c);
    }
    return li;
  }));
}

export function showEmpty() {
  cancelSearches();
  setView("empty");
  document.title = "Career search";
  if (!retrying()) {
    hideNotice();
    el.status.textContent = "";
  }
  if (!el.examples.children.length) {
    el.examples.replaceChildren(...EXAMPLES.map((text) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.example = text;
      b.textContent = text;
      li.append(b);
      return li;
    }));
  }
}
