/* State: the server's page config and rules, the page's elements, and its state as the URL holds it. */

const $ = (id) => document.getElementById(id);

export function readData(id) {
  const node = $(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return null;
  }
}

export const config = readData("page-config") || {};
/* The server's rules (service/rules.py): URL keys and their limits, k and per_doc, filter parameters, separators.
   Nothing here restates them. */
export const rules = config.rules;
export const KEYS = Object.keys(rules.url_keys);
// the URL's filters (every key but the question and the open document)
export const FILTERS = Object.keys(rules.filter_params);

// Data the server rendered into the page for its first view; each is used once, and only if it fits the URL.
export const initial = {
  params: config.initial || null,
  results: readData("initial-results"),
  document: readData("initial-document"),
};

export const embed = Boolean(config.embed) || new URLSearchParams(location.search).get("embed") === "1";

export const el = {
  form: $("search-form"), q: $("q"), spinner: $("spinner"), notice: $("notice"), status: $("status"),
  empty: $("empty-view"), examples: $("examples"), browseToggle: $("browse-toggle"), browseList: $("browse-list"),
  resultsView: $("results-view"), facetDetails: $("facet-details"), facetBody: $("facet-body"), chips: $("chips"),
  results: $("results"), noMatch: $("no-match"), noResults: $("no-results"), tips: $("tips"),
  noResultsCareers: $("no-results-careers"), docView: $("doc-view"), back: $("back"), docTitle: $("doc-title"),
  docMeta: $("doc-meta"), toc: $("doc-toc"), docBody: $("doc-body"), main: $("main"), home: $("home"),
  skip: document.querySelector(".skip"),
};

export function readState() {
  const u = new URLSearchParams(location.search);
  const s = {};
  for (const k of KEYS) s[k] = (u.get(k) || "").trim().slice(0, rules.url_keys[k]);
  return s;
}

export function blank() {
  return Object.fromEntries(KEYS.map((k) => [k, ""]));
}

export function urlFor(s) {
  const u = new URLSearchParams();
  for (const k of KEYS) if (s[k]) u.set(k, s[k]);
  if (embed && location.pathname !== "/embed") u.set("embed", "1");
  const qs = u.toString();
  return location.pathname + (qs ? "?" + qs : "");
}

export const filtersOf = (s) => Object.fromEntries(FILTERS.map((k) => [k, s[k]]));
export const hasFilters = (s) => FILTERS.some((k) => s[k]);
export const topSection = (section) => section.split(rules.separator)[0];

/* What the page shows now: the URL's state, the view, and whether it waits for the index. */
export const page = {
  state: readState(),
  view: "",
  waiting: false, // the index is not ready: views wait for the notices' check instead of asking the API
};

export function setView(name) {
  page.view = name;
  el.empty.hidden = name !== "empty";
  el.resultsView.hidden = name !== "results";
  el.docView.hidden = name !== "doc";
}
