/* Notices: errors, and the index not being ready (checked again every few seconds until it is). */

import { forgetAll, HttpError } from "./api.js";
import { el, page, rules } from "./state.js";

const RETRY_MS = 3000;

let retryTimer = null;
let onReady = () => {};

/* What to do once the index is ready again (main re-renders the page). */
export function whenReady(fn) {
  onReady = fn;
}

/* Whether a notice about the index is up (views then leave it there). */
export const retrying = () => retryTimer !== null;

export function showNotice(kind, lines, action) {
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

export function hideNotice() {
  el.notice.hidden = true;
  el.notice.replaceChildren();
}

export function notReady(reason) {
  page.waiting = true;
  showNotice("wait", [
    "The search index is not ready yet" + (reason ? ": " + reason + "." : "."),
    "This page checks again every few seconds and shows results as soon as it is ready; no need to reload.",
  ]);
  el.status.textContent = "Waiting for the search index…";
  clearTimeout(retryTimer);
  retryTimer = setTimeout(checkReady, RETRY_MS);
}

export async function checkReady() {
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
    if (!page.waiting) return;
    page.waiting = false;
    hideNotice();
    forgetAll();
    onReady();
  } else {
    notReady(body.reason || "HTTP " + res.status);
  }
}

/* Says why a request failed, with a way to try again where that can help. */
export function failed(err, retry) {
  if (err && err.name === "AbortError") return;
  if (err instanceof HttpError && err.status === 503) {
    page.waiting = true;
    checkReady();
    return;
  }
  el.status.textContent = "";
  const again = { label: "Try again", run: () => { hideNotice(); retry(); } };
  if (!(err instanceof HttpError)) {
    showNotice("error", ["Cannot reach the search service.", "Check your network connection, then try again."],
      again);
  } else if (err.status === 422) {
    const most = rules.url_keys.q.toLocaleString("en");
    showNotice("error", ["That question cannot be searched: " + err.detail,
      "Rephrase it in fewer words (at most " + most + " characters) and search again."]);
  } else {
    showNotice("error", ["The search service had a problem (HTTP " + err.status + ")" +
      (err.detail ? ": " + err.detail : "."),
    "Try again in a moment; if it keeps happening, tell the team that runs career search."], again);
  }
}
