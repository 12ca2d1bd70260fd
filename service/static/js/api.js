/* API: requests to the server, their errors, a bounded cache of answers, and the busy spinner. */

import { el, rules } from "./state.js";

const SPINNER_AFTER_MS = 300;

export class HttpError extends Error {
  constructor(status, detail) {
    super(detail || "HTTP " + status);
    this.status = status;
    this.detail = detail || "";
  }
}

export async function getJSON(url, signal) {
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

/* A map that keeps only its `size` most recently used entries. */
export class Recent {
  constructor(size) {
    this.size = size;
    this.map = new Map();
  }
  get(key) {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key, value) {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value);
  }
  clear() {
    this.map.clear();
  }
}

// answers by URL: back, forward and removing a filter are instant
export const answers = new Recent(60);

/* The /api/search URL for a page state, built from the server's rules: its k and per_doc (one career's, when a
   filter narrows the page to one career) and the parameter each URL filter becomes. */
export function searchUrl(s) {
  const u = new URLSearchParams({ q: s.q });
  const one = rules.one_career_when.some((k) => s[k]);
  for (const [key, value] of Object.entries(one ? rules.one_career : rules.search)) u.set(key, String(value));
  for (const [key, param] of Object.entries(rules.filter_params)) if (s[key]) u.set(param, s[key]);
  return "/api/search?" + u.toString();
}

export function documentUrl(doc, q) {
  return "/api/documents/" + encodeURIComponent(doc) + (q ? "?q=" + encodeURIComponent(q) : "");
}

let careers = null;
/* Every career, by title; asked once. */
export function loadCareers() {
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

export function forgetAll() {
  answers.clear();
  careers = null;
}

let busy = 0;
let spinnerTimer = null;
export function startBusy() {
  busy += 1;
  if (busy === 1) {
    spinnerTimer = setTimeout(() => {
      el.spinner.hidden = false;
      el.main.setAttribute("aria-busy", "true");
    }, SPINNER_AFTER_MS);
  }
}
export function endBusy() {
  busy = Math.max(0, busy - 1);
  if (busy === 0) {
    clearTimeout(spinnerTimer);
    el.spinner.hidden = true;
    el.main.removeAttribute("aria-busy");
  }
}
