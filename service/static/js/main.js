/* Main: the career search page's start, its navigation (URL and history) and its keyboard and click handlers.
 *
 * Everything the page shows comes from the JSON API, or from the same answer the server rendered into the page.
 * Text from documents and the query is only ever set with textContent; the one exception is the API's snippet,
 * which is already HTML-escaped with <mark> around the query's terms, and even that is rebuilt keeping nothing but
 * text and <mark>. The URL holds the whole state, so every view can be shared and back/forward work.
 */

import { showDocument } from "./document.js";
import { toggleExpanded } from "./facets.js";
import { notReady, whenReady } from "./notices.js";
import { cancelSearches, fillCareers, showEmpty, showResults } from "./results.js";
import { blank, config, el, embed, filtersOf, KEYS, page, readState, urlFor } from "./state.js";

const DEBOUNCE_MS = 150;

if (embed) document.body.classList.add("embed");

function saveHere(extra) {
  history.replaceState({ ...(history.state || {}), scrollY: window.scrollY, ...extra }, "");
}

/* Moves to a new state. push adds a history entry (unless the URL is unchanged); force re-renders even then. */
function go(next, { push = false, force = false, entry = {} } = {}) {
  const url = urlFor(next);
  const same = url === location.pathname + location.search;
  if (same && !force) return;
  if (push && !same) {
    saveHere({});
    history.pushState(entry, "", url);
  } else {
    history.replaceState({ ...(history.state || {}), ...entry }, "", url);
  }
  page.state = next;
  render({ fresh: push });
}

function render({ fresh = false, restore = null } = {}) {
  const s = page.state;
  if (el.q.value.trim() !== s.q) el.q.value = s.q;
  if (s.doc) {
    cancelSearches(); // results still on their way are not wanted now
    showDocument(s, restore);
  } else if (s.q) {
    showResults(s, { fresh, restore });
  } else {
    showEmpty();
  }
}

function leaveDocument() {
  if (history.state && history.state.fromList) history.back();
  else go({ ...page.state, doc: "", p: "" }, { push: true });
}

// ---------- typing and the form ----------

let typingTimer = null;
let typingPushed = false;

el.q.addEventListener("input", () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    const q = el.q.value.trim();
    if (q.length === 1) return; // one letter finds nothing useful; Enter still searches it
    go({ ...blank(), ...filtersOf(page.state), q }, { push: !typingPushed });
    typingPushed = true;
  }, DEBOUNCE_MS);
});

el.form.addEventListener("submit", (e) => {
  e.preventDefault();
  clearTimeout(typingTimer);
  typingPushed = false;
  go({ ...blank(), ...filtersOf(page.state), q: el.q.value.trim() }, { push: true, force: true });
  if (window.matchMedia("(hover: none)").matches) el.q.blur(); // closes a phone's keyboard
});

el.q.addEventListener("blur", () => {
  typingPushed = false;
});

el.q.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown" && page.view === "results") {
    const first = el.results.querySelector("a.open");
    if (first) {
      e.preventDefault();
      first.focus();
    }
  }
});

// ---------- keys ----------

const isEditable = (t) =>
  t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "/" && !isEditable(e.target)) {
    e.preventDefault();
    el.q.focus();
    el.q.select();
  } else if (e.key === "Escape" && page.view === "doc" && !isEditable(e.target)) {
    e.preventDefault();
    leaveDocument();
  }
});

el.results.addEventListener("keydown", (e) => {
  if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key)) return;
  const links = [...el.results.querySelectorAll("a.open")];
  const li = e.target.closest && e.target.closest(".result");
  if (!li || !links.length) return;
  const i = [...el.results.children].indexOf(li);
  e.preventDefault();
  let next;
  if (e.key === "Home") next = 0;
  else if (e.key === "End") next = links.length - 1;
  else if (e.key === "ArrowDown") next = Math.min(i + 1, links.length - 1);
  else next = i - 1;
  if (next < 0) el.q.focus();
  else links[next].focus();
});

// ---------- clicks ----------

// A click anywhere on a result card opens it (unless the reader is selecting text or clicked another link).
el.results.addEventListener("click", (e) => {
  if (e.target.closest("a") || e.button !== 0) return;
  if (String(window.getSelection ? window.getSelection() : "").trim()) return;
  const li = e.target.closest(".result");
  const link = li && li.querySelector("a.open");
  if (link) link.click();
});

// In-page links: a plain click changes the view here; a modified click (new tab) follows the real URL.
document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a[data-nav]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  const u = new URL(a.href, location.href);
  const next = {};
  for (const k of KEYS) next[k] = (u.searchParams.get(k) || "").trim();
  typingPushed = false;
  if (a.dataset.nav === "doc") {
    saveHere({ focusPid: next.p || "" });
    go(next, { push: true, entry: { fromList: true } });
  } else {
    go(next, { push: true });
  }
});

document.addEventListener("click", (e) => {
  const t = e.target.closest && e.target.closest("button");
  if (!t) return;
  const s = page.state;
  if (t.dataset.example) {
    el.q.value = t.dataset.example;
    typingPushed = false;
    go({ ...blank(), q: t.dataset.example }, { push: true });
  } else if (t.dataset.facet) {
    const active = t.getAttribute("aria-pressed") === "true";
    typingPushed = false;
    go({ ...s, [t.dataset.facet]: active ? "" : t.dataset.value, doc: "", p: "" }, { push: true });
  } else if (t.dataset.clear) {
    const next = { ...s, doc: "", p: "" };
    if (t.dataset.clear === "all") Object.assign(next, filtersOf(blank()));
    else next[t.dataset.clear] = "";
    typingPushed = false;
    go(next, { push: true });
  } else if (t.dataset.expand) {
    toggleExpanded(t.dataset.expand);
  } else if (t.dataset.jump) {
    const h = document.getElementById(t.dataset.jump);
    if (h) {
      h.scrollIntoView({ block: "start" });
      h.focus({ preventScroll: true });
    }
  }
});

el.back.addEventListener("click", leaveDocument);

el.browseToggle.addEventListener("click", () => {
  const open = el.browseToggle.getAttribute("aria-expanded") !== "true";
  el.browseToggle.setAttribute("aria-expanded", String(open));
  el.browseList.hidden = !open;
  el.browseToggle.textContent = open ? "Hide the list of careers" : "Browse all careers";
  if (open) fillCareers(el.browseList);
});

el.home.addEventListener("click", (e) => {
  if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  typingPushed = false;
  go(blank(), { push: true });
  el.q.focus();
});

el.skip.addEventListener("click", (e) => {
  e.preventDefault();
  const target = page.view === "doc" ? el.docTitle : el.results.querySelector("a.open") || el.main;
  target.focus();
});

window.addEventListener("popstate", (e) => {
  clearTimeout(typingTimer);
  typingPushed = false;
  page.state = readState();
  render({ restore: e.state || {} });
});

// On a narrow screen the filters start folded away under their summary; on a wide one they are always open.
const wide = window.matchMedia("(min-width: 800px)");
const fitFilters = () => {
  el.facetDetails.open = wide.matches;
};
fitFilters();
wide.addEventListener("change", fitFilters);

// ---------- embedding: tell the framing page how tall the content is ----------

if (embed && window.parent !== window && Array.isArray(config.allowed_origins) && config.allowed_origins.length) {
  const allowed = config.allowed_origins.map((o) => String(o).replace(/\/+$/, ""));
  const ancestors = location.ancestorOrigins ? [...location.ancestorOrigins] : [];
  const targets = ancestors.length ? allowed.filter((o) => o === ancestors[0]) : allowed;
  let lastHeight = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height === lastHeight) return;
    lastHeight = height;
    for (const origin of targets) window.parent.postMessage({ type: "career-search:height", height }, origin);
  };
  new ResizeObserver(post).observe(document.body);
}

// ---------- start ----------

whenReady(() => render({}));
if ("scrollRestoration" in history) history.scrollRestoration = "manual";
history.replaceState({ ...(history.state || {}) }, "");
if (config.ready === false) notReady(config.reason || "");
render({ restore: history.state && typeof history.state.scrollY === "number" ? history.state : null });
if (!page.state.q && !page.state.doc && !embed && !window.matchMedia("(hover: none)").matches) el.q.focus();
