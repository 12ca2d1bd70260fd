/* Career search page: search as you type, results with filters, and a document view.
 *
 * Everything the page shows comes from the JSON API. Text from documents and the query is only ever set with
 * textContent; the one exception is the API's snippet, which is already HTML-escaped with <mark> around the query's
 * terms, and even that is rebuilt here keeping nothing but text and <mark>.
 * The URL holds the whole state (q, title, section, from, doc, p), so every view can be shared and back/forward work.
 */
(() => {
  "use strict";

  const DEBOUNCE_MS = 150;
  const SPINNER_AFTER_MS = 300;
  const RETRY_MS = 3000;
  const PAGE_K = 10;
  const FACET_K = 50;
  const SEP = " › ";
  const EXAMPLES = [
    "what does a principal engineer do",
    "registered nurse salary in Chicago",
    "how to become a data scientist",
    "SRE on-call",
  ];
  const KEYS = ["q", "title", "section", "from", "doc", "p"];

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $("search-form"), q: $("q"), spinner: $("spinner"), notice: $("notice"), status: $("status"),
    empty: $("empty-view"), examples: $("examples"), browseToggle: $("browse-toggle"), browseList: $("browse-list"),
    resultsView: $("results-view"), facetDetails: $("facet-details"), facetBody: $("facet-body"), chips: $("chips"),
    results: $("results"), noMatch: $("no-match"), noResults: $("no-results"), tips: $("tips"), noResultsCareers: $("no-results-careers"),
    docView: $("doc-view"), back: $("back"), docTitle: $("doc-title"), docMeta: $("doc-meta"), toc: $("doc-toc"),
    docBody: $("doc-body"), main: $("main"),
  };

  function readData(id) {
    const node = $(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch {
      return null;
    }
  }

  const config = readData("page-config") || {};
  // Data the server rendered into the page for its first view; each is used once, and only if it fits the URL.
  const initial = {
    params: config.initial || null,
    results: readData("initial-results"),
    facets: readData("initial-facets"),
    document: readData("initial-document"),
  };
  const embed = Boolean(config.embed) || new URLSearchParams(location.search).get("embed") === "1";
  if (embed) document.body.classList.add("embed");

  // ---------- state and URL ----------

  function readState() {
    const u = new URLSearchParams(location.search);
    const s = {};
    for (const k of KEYS) s[k] = (u.get(k) || "").trim().slice(0, k === "q" ? 1000 : 200);
    return s;
  }

  function urlFor(s) {
    const u = new URLSearchParams();
    for (const k of KEYS) if (s[k]) u.set(k, s[k]);
    if (embed && location.pathname !== "/embed") u.set("embed", "1");
    const qs = u.toString();
    return location.pathname + (qs ? "?" + qs : "");
  }

  let state = readState();
  let view = "";

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
    state = next;
    render({ fresh: push });
  }

  function filtersOf(s) {
    return { title: s.title, section: s.section, from: s.from };
  }

  function hasFilters(s) {
    return Boolean(s.title || s.section || s.from);
  }

  function render({ fresh = false, restore = null } = {}) {
    syncInput(state.q);
    if (state.doc) showDocument(state, restore);
    else if (state.q) showResults(state, { fresh, restore });
    else showEmpty();
  }

  function syncInput(q) {
    if (el.q.value.trim() !== q) el.q.value = q;
  }

  function setView(name) {
    view = name;
    el.empty.hidden = name !== "empty";
    el.resultsView.hidden = name !== "results";
    el.docView.hidden = name !== "doc";
  }

  // ---------- fetching ----------

  class HttpError extends Error {
    constructor(status, detail) {
      super(detail || "HTTP " + status);
      this.status = status;
      this.detail = detail || "";
    }
  }

  async function getJSON(url, signal) {
    const res = await fetch(url, { signal, headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (!res.ok) throw new HttpError(res.status, body && typeof body.detail === "string" ? body.detail : "");
    return body;
  }

  const cache = new Map(); // url -> response; small and recent, so back/forward and facet toggles are instant
  function remember(url, data) {
    cache.set(url, data);
    if (cache.size > 60) cache.delete(cache.keys().next().value);
  }

  let busy = 0;
  let spinnerTimer = null;
  function startBusy() {
    busy += 1;
    if (busy === 1) {
      spinnerTimer = setTimeout(() => {
        el.spinner.hidden = false;
        el.main.setAttribute("aria-busy", "true");
      }, SPINNER_AFTER_MS);
    }
  }
  function endBusy() {
    busy = Math.max(0, busy - 1);
    if (busy === 0) {
      clearTimeout(spinnerTimer);
      el.spinner.hidden = true;
      el.main.removeAttribute("aria-busy");
    }
  }

  // ---------- notices: errors and the index not being ready ----------

  let retryTimer = null;
  let waiting = false; // the index is not ready: views wait for checkReady instead of asking the API

  function showNotice(kind, lines, action) {
    el.notice.replaceChildren();
    el.notice.className = "notice" + (kind === "error" ? " error" : "");
    el.notice.setAttribute("role", kind === "error" ? "alert" : "status");
    for (const line of lines) {
      const p = document.createElement("p");
      p.textContent = line;
      el.notice.append(p);
    }
    if (action) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn retry";
      b.textContent = action.label;
      b.addEventListener("click", action.run);
      el.notice.append(b);
    }
    el.notice.hidden = false;
  }

  function hideNotice() {
    el.notice.hidden = true;
    el.notice.replaceChildren();
  }

  function notReady(reason) {
    waiting = true;
    showNotice("wait", [
      "The search index is not ready yet" + (reason ? ": " + reason + "." : "."),
      "This page checks again every few seconds and shows results as soon as it is ready; no need to reload.",
    ]);
    el.status.textContent = "Waiting for the search index…";
    clearTimeout(retryTimer);
    retryTimer = setTimeout(checkReady, RETRY_MS);
  }

  async function checkReady() {
    retryTimer = null;
    let res;
    let body = {};
    try {
      res = await fetch("/readyz", { headers: { Accept: "application/json" }, cache: "no-store" });
      body = await res.json().catch(() => ({}));
    } catch {
      notReady("the server did not answer");
      return;
    }
    if (res.ok && body.status === "ready") {
      if (!waiting) return;
      waiting = false;
      hideNotice();
      cache.clear();
      careers = null;
      render({});
    } else {
      notReady(body.reason || "HTTP " + res.status);
    }
  }

  function failed(err, retry) {
    if (err && err.name === "AbortError") return;
    if (err instanceof HttpError && err.status === 503) {
      waiting = true;
      checkReady();
      return;
    }
    el.status.textContent = "";
    const again = { label: "Try again", run: () => { hideNotice(); retry(); } };
    if (!(err instanceof HttpError)) {
      showNotice("error", ["Cannot reach the search service.", "Check your network connection, then try again."],
        again);
    } else if (err.status === 422) {
      showNotice("error", ["That question cannot be searched: " + err.detail,
        "Rephrase it in fewer words (at most 1,000 characters) and search again."]);
    } else {
      showNotice("error", ["The search service had a problem (HTTP " + err.status + ")" +
        (err.detail ? ": " + err.detail : "."),
      "Try again in a moment; if it keeps happening, tell the team that runs career search."], again);
    }
  }

  // ---------- results ----------

  let searchSeq = 0;
  let searchCtl = null;
  let facetCtl = null;

  function cancelSearches() {
    searchSeq += 1;
    for (const ctl of [searchCtl, facetCtl]) if (ctl) ctl.abort();
    searchCtl = null;
    facetCtl = null;
  }

  function clearResults() {
    setView("none"); // only the notice is left to read
    el.results.replaceChildren();
    el.chips.replaceChildren();
    el.facetBody.replaceChildren();
    el.noResults.hidden = true;
    el.noMatch.hidden = true;
  }

  function searchParams(s, facets) {
    const u = new URLSearchParams({ q: s.q });
    if (facets) {
      u.set("k", String(FACET_K));
      u.set("per_doc", "0");
      u.set("snippets", "false"); // only titles and sections are counted: no snippet to build
    } else if (s.from || s.title) {
      // one career: show its passages, not just the best two
      u.set("k", "20");
      u.set("per_doc", "10");
    } else {
      u.set("k", String(PAGE_K));
      u.set("per_doc", "2");
    }
    if (s.from) u.set("doc", s.from);
    if (s.title) u.set("title", s.title);
    if (s.section) u.set("section", s.section);
    return "/api/search?" + u.toString();
  }

  /* The answer the server put in the page, once, if it was made for this state; kept for back and forward. */
  function takeInitial(kind, s, url) {
    const data = initial[kind];
    if (!data) return null;
    initial[kind] = null;
    const p = initial.params;
    if (!p || !["q", "title", "section", "from"].every((k) => p[k] === s[k])) return null;
    remember(url, data);
    return data;
  }

  const topSection = (section) => section.split(SEP)[0];

  /* The API's filters match substrings ("careers-page" also matches "careers-page--platform-engineer"); the page's
     filters come from exact values, so keep exact matches whenever there are any. */
  function narrow(results, s) {
    let out = results;
    const tests = [
      [s.from, (r) => r.doc_id === s.from],
      [s.title, (r) => r.title.toLowerCase() === s.title.toLowerCase()],
      [s.section, (r) => topSection(r.section).toLowerCase() === s.section.toLowerCase()],
    ];
    for (const [value, test] of tests) {
      if (!value) continue;
      const exact = out.filter(test);
      if (exact.length) out = exact;
    }
    return out;
  }

  async function showResults(s, { fresh = false, restore = null } = {}) {
    // The current view stays until the answer is here: typing does not blank the page between keystrokes.
    document.title = s.q + " – Career search";
    cancelSearches();
    const seq = searchSeq;
    const url = searchParams(s, false);
    let data = takeInitial("results", s, url) || cache.get(url);
    if (!data && waiting) {
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
          failed(err, () => render({}));
        }
        return;
      } finally {
        endBusy();
      }
      if (seq !== searchSeq) return; // a newer search started while this one ran: drop it
      remember(url, data);
    }
    if (retryTimer === null) hideNotice();
    setView("results");
    renderResults(s, data);
    if (restore) restoreResults(restore);
    else if (fresh) window.scrollTo(0, 0);
    loadFacets(s, seq);
  }

  function renderResults(s, data) {
    const list = narrow(data.results || [], s);
    el.results.replaceChildren(...list.map((r, i) => resultItem(r, i, s)));
    el.results.hidden = list.length === 0;
    el.noResults.hidden = list.length !== 0;
    // nothing answers well: the results are shown as the closest matches, not as answers
    const closest = Boolean(data.no_match) && list.length > 0;
    el.noMatch.hidden = !closest;
    el.results.classList.toggle("closest", closest);
    el.results.setAttribute("aria-label", closest ? "Closest matches" : "Results");
    renderChips(s, data.results || []);
    if (!list.length) renderNoResults(s);
    const n = list.length;
    let msg = n === 0 ? "No results" : n === 1 ? "1 result" : n + " results";
    if (closest) msg = "No good match; " + (n === 1 ? "1 closest match" : n + " closest matches");
    msg += " for “" + s.q + "”";
    if (data.corrected) msg += " (searched as “" + data.corrected + "”)"; // misspelled words were corrected
    if (s.from) msg += " in " + (list[0] ? list[0].title : s.from);
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
    if (s.from !== r.doc_id && s.title.toLowerCase() !== r.title.toLowerCase()) {
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

  function renderChips(s, results) {
    const chips = [];
    const titleOf = (id) => (results.find((r) => r.doc_id === id) || {}).title || id;
    if (s.from) chips.push(["from", "Only: " + titleOf(s.from)]);
    if (s.title) chips.push(["title", "Career: " + s.title]);
    if (s.section) chips.push(["section", "Section: " + s.section]);
    const nodes = chips.map(([key, label]) => {
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
    });
    if (chips.length > 1) {
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

  // ---------- facets ----------

  let facetsExpanded = { title: false, section: false };

  async function loadFacets(s, seq) {
    const url = searchParams(s, true);
    let data = takeInitial("facets", s, url) || cache.get(url);
    if (!data) {
      el.facetBody.setAttribute("aria-busy", "true");
      const ctl = new AbortController();
      facetCtl = ctl;
      try {
        data = await getJSON(url, ctl.signal);
      } catch (err) {
        if (seq === searchSeq && err.name !== "AbortError") {
          el.facetBody.removeAttribute("aria-busy");
          const p = document.createElement("p");
          p.className = "facet-note";
          p.textContent = "Filters are not available right now.";
          el.facetBody.replaceChildren(p);
        }
        return;
      }
      remember(url, data);
    }
    if (seq !== searchSeq) return;
    el.facetBody.removeAttribute("aria-busy");
    renderFacets(s, narrow(data.results || [], s));
  }

  function countBy(rows, keyOf) {
    const counts = new Map();
    for (const r of rows) {
      const k = keyOf(r);
      if (k) counts.set(k, (counts.get(k) || 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  function renderFacets(s, rows) {
    const groups = [
      ["title", "Career", countBy(rows, (r) => r.title)],
      ["section", "Section", countBy(rows, (r) => topSection(r.section || ""))],
    ];
    const nodes = [];
    for (const [key, label, counts] of groups) {
      if (s[key] && !counts.some(([v]) => v.toLowerCase() === s[key].toLowerCase())) counts.unshift([s[key], 0]);
      if (!counts.length) continue;
      const g = document.createElement("div");
      g.className = "facet-group";
      const h = document.createElement("h2");
      h.id = "facet-h-" + key;
      h.textContent = label;
      const ul = document.createElement("ul");
      ul.setAttribute("aria-labelledby", h.id);
      const limit = facetsExpanded[key] ? counts.length : 6;
      counts.slice(0, limit).forEach(([value, n]) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.className = "facet";
        b.dataset.facet = key;
        b.dataset.value = value;
        const active = Boolean(s[key]) && s[key].toLowerCase() === value.toLowerCase();
        b.setAttribute("aria-pressed", String(active));
        b.setAttribute("aria-label", value + ", " + n + (n === 1 ? " passage" : " passages"));
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = value;
        const c = document.createElement("span");
        c.className = "count";
        c.textContent = String(n);
        b.append(name, c);
        li.append(b);
        ul.append(li);
      });
      g.append(h, ul);
      if (counts.length > 6) {
        const more = document.createElement("button");
        more.type = "button";
        more.className = "linkish facet-more";
        more.dataset.expand = key;
        more.textContent = facetsExpanded[key] ? "Show fewer" : "Show all " + counts.length;
        g.append(more);
      }
      nodes.push(g);
    }
    if (rows.length) {
      const note = document.createElement("p");
      note.className = "facet-note";
      note.textContent = "Counts are of the top " + rows.length + " matching passages.";
      nodes.push(note);
    }
    el.facetBody.replaceChildren(...nodes);
    el.facetBody.dataset.ready = "true";
  }

  // ---------- careers list (empty and no-results states) ----------

  let careers = null;
  function loadCareers() {
    if (!careers) {
      careers = getJSON("/api/documents").then((d) =>
        (d.documents || []).slice().sort((a, b) => a.title.localeCompare(b.title)),
      );
      careers.catch(() => {
        careers = null;
      });
    }
    return careers;
  }

  async function fillCareers(ul) {
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
      a.href = urlFor({ q: state.q, doc: d.doc_id });
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

  // ---------- empty state ----------

  function showEmpty() {
    cancelSearches();
    setView("empty");
    document.title = "Career search";
    if (retryTimer === null) {
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

  // ---------- document view ----------

  let docSeq = 0;
  const docCache = new Map();

  async function showDocument(s, restore) {
    cancelSearches(); // results still on their way are not wanted now
    const seq = ++docSeq;
    setView("doc");
    el.status.textContent = "";
    el.back.textContent = s.q ? "← Back to results" : "← Back";
    // the server lists the question's words as it searched them (corrected, no stop words): those get marked
    const key = s.doc + "\n" + (s.q || "");
    let d = initial.document && initial.document.doc_id === s.doc ? initial.document : null;
    initial.document = null;
    d = d || docCache.get(key);
    if (!d && waiting) {
      setView("none");
      return;
    }
    if (!d) {
      el.docTitle.textContent = "Loading…";
      el.docMeta.textContent = "";
      el.toc.hidden = true;
      el.docBody.replaceChildren();
      startBusy();
      try {
        const query = s.q ? "?q=" + encodeURIComponent(s.q) : "";
        d = await getJSON("/api/documents/" + encodeURIComponent(s.doc) + query);
      } catch (err) {
        if (seq !== docSeq) return;
        if (err instanceof HttpError && err.status === 404) {
          el.docTitle.textContent = "Career not found";
          el.docMeta.textContent = "There is no document “" + s.doc + "” in the index any more. " +
            "Go back to the results or search again.";
          document.dispatchEvent(new CustomEvent("careersearch:document", { detail: { doc: s.doc, found: false } }));
        } else {
          setView("none");
          failed(err, () => render({}));
        }
        return;
      } finally {
        endBusy();
      }
      if (seq !== docSeq) return;
      docCache.set(key, d);
    }
    if (retryTimer === null) hideNotice();
    renderDocument(d, s, restore);
  }

  function sectionAnchor(i) {
    return "doc-sec-" + i;
  }

  function renderDocument(d, s, restore) {
    document.title = d.title + " – Career search";
    el.docTitle.textContent = d.title;
    const meta = [];
    if (d.category) meta.push(d.category);
    if (d.aliases && d.aliases.length) meta.push("Also known as " + d.aliases.join(", "));
    meta.push("Source: " + d.source);
    el.docMeta.textContent = meta.join(" · ");

    const groups = [];
    for (const p of d.passages) {
      const last = groups[groups.length - 1];
      if (last && last.section === p.section) last.passages.push(p);
      else groups.push({ section: p.section, passages: [p] });
    }
    let hit = null;
    const sections = groups.map((g, i) => {
      const sec = document.createElement("section");
      sec.className = "doc-section";
      const h = document.createElement("h3");
      h.id = sectionAnchor(i);
      h.tabIndex = -1;
      h.textContent = g.section || "Introduction";
      sec.append(h);
      for (const p of g.passages) {
        const para = document.createElement("div");
        para.className = "passage";
        para.dataset.passage = p.passage_id;
        para.tabIndex = -1;
        if (p.passage_id === s.p) {
          hit = para;
          para.classList.add("hit");
          const label = document.createElement("span");
          label.className = "hit-label";
          label.textContent = "Best match for your question";
          para.append(label);
        }
        appendPassage(para, p.text, p.marks || []);
        sec.append(para);
      }
      return sec;
    });
    el.docBody.replaceChildren(...sections);
    renderToc(groups);

    if (restore && typeof restore.scrollY === "number") {
      window.scrollTo(0, restore.scrollY);
    } else if (hit) {
      const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      hit.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
      hit.focus({ preventScroll: true });
      hit.classList.add("flash");
    } else {
      window.scrollTo(0, 0);
      el.docTitle.focus({ preventScroll: true });
    }
    document.dispatchEvent(new CustomEvent("careersearch:document", { detail: { doc: d.doc_id, found: true } }));
  }

  function renderToc(groups) {
    if (groups.length < 3) {
      el.toc.hidden = true;
      el.toc.replaceChildren();
      return;
    }
    const h = document.createElement("h3");
    h.textContent = "On this page";
    const ul = document.createElement("ul");
    groups.forEach((g, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "linkish";
      b.dataset.jump = sectionAnchor(i);
      b.textContent = g.section || "Introduction";
      li.append(b);
      ul.append(li);
    });
    el.toc.replaceChildren(h, ul);
    el.toc.hidden = false;
  }

  /* text is the piece of a passage that starts at offset `at`; marks are the passage's [start, end) spans to mark
     (the server's: the words the search matched, found by the index's own tokenizer). */
  function appendMarked(parent, text, at, marks) {
    let last = 0;
    for (const [start, end] of marks) {
      const a = Math.max(start - at, last);
      const b = Math.min(end - at, text.length);
      if (b <= a) continue;
      if (a > last) parent.append(document.createTextNode(text.slice(last, a)));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(a, b);
      parent.append(mark);
      last = b;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  /* Lines starting with a bullet become a list; other lines become paragraphs. */
  function appendPassage(parent, text, marks) {
    let list = null;
    let offset = 0; // where the current raw line starts in text
    for (const raw of text.split("\n")) {
      const lineStart = offset + (raw.length - raw.trimStart().length);
      offset += raw.length + 1;
      const line = raw.trim();
      if (!line) continue;
      const bullet = /^[•·▪◦*-]\s+/.exec(line);
      if (bullet) {
        if (!list) {
          list = document.createElement("ul");
          parent.append(list);
        }
        const li = document.createElement("li");
        appendMarked(li, line.slice(bullet[0].length), lineStart + bullet[0].length, marks);
        list.append(li);
      } else {
        list = null;
        const para = document.createElement("p");
        appendMarked(para, line, lineStart, marks);
        parent.append(para);
      }
    }
  }

  function leaveDocument() {
    if (history.state && history.state.fromList) history.back();
    else go({ ...state, doc: "", p: "" }, { push: true });
  }

  // ---------- events ----------

  let typingTimer = null;
  let typingPushed = false;

  el.q.addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      const q = el.q.value.trim();
      if (q.length === 1) return; // one letter finds nothing useful; Enter still searches it
      const next = { ...filtersOf(state), q, doc: "", p: "" };
      go(next, { push: !typingPushed });
      typingPushed = true;
    }, DEBOUNCE_MS);
  });

  el.form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(typingTimer);
    const q = el.q.value.trim();
    typingPushed = false;
    go({ ...filtersOf(state), q, doc: "", p: "" }, { push: true, force: true });
    if (window.matchMedia("(hover: none)").matches) el.q.blur(); // closes a phone's keyboard
  });

  el.q.addEventListener("blur", () => {
    typingPushed = false;
  });

  el.q.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && view === "results") {
      const first = el.results.querySelector("a.open");
      if (first) {
        e.preventDefault();
        first.focus();
      }
    }
  });

  function isEditable(t) {
    return t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/" && !isEditable(e.target)) {
      e.preventDefault();
      el.q.focus();
      el.q.select();
    } else if (e.key === "Escape" && view === "doc" && !isEditable(e.target)) {
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
    if (t.dataset.example) {
      el.q.value = t.dataset.example;
      typingPushed = false;
      go({ q: t.dataset.example, title: "", section: "", from: "", doc: "", p: "" }, { push: true });
    } else if (t.dataset.facet) {
      const key = t.dataset.facet;
      const active = t.getAttribute("aria-pressed") === "true";
      typingPushed = false;
      go({ ...state, [key]: active ? "" : t.dataset.value, doc: "", p: "" }, { push: true });
    } else if (t.dataset.clear) {
      const next = { ...state, doc: "", p: "" };
      if (t.dataset.clear === "all") Object.assign(next, { title: "", section: "", from: "" });
      else next[t.dataset.clear] = "";
      typingPushed = false;
      go(next, { push: true });
    } else if (t.dataset.expand) {
      facetsExpanded[t.dataset.expand] = !facetsExpanded[t.dataset.expand];
      loadFacets(state, searchSeq);
    } else if (t.dataset.jump) {
      const h = $(t.dataset.jump);
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

  $("home").addEventListener("click", (e) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    typingPushed = false;
    go({ q: "", title: "", section: "", from: "", doc: "", p: "" }, { push: true });
    el.q.focus();
  });

  document.querySelector(".skip").addEventListener("click", (e) => {
    e.preventDefault();
    const target = view === "doc" ? el.docTitle : el.results.querySelector("a.open") || el.main;
    target.focus();
  });

  window.addEventListener("popstate", (e) => {
    clearTimeout(typingTimer);
    typingPushed = false;
    state = readState();
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

  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  history.replaceState({ ...(history.state || {}) }, "");
  if (config.ready === false) notReady(config.reason || "");
  render({ restore: history.state && typeof history.state.scrollY === "number" ? history.state : null });
  if (!state.q && !state.doc && !embed && !window.matchMedia("(hover: none)").matches) el.q.focus();
})();
