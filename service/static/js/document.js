/* Document view: one career's whole document, the passage that answered marked and scrolled to. */

import { documentUrl, endBusy, getJSON, HttpError, Recent, startBusy } from "./api.js";
import { failed, hideNotice, retrying } from "./notices.js";
import { el, initial, page, rules, setView } from "./state.js";

let docSeq = 0;
const documents = new Recent(24); // documents by id and question: bounded, however many are opened
const listItem = new RegExp(rules.list_item, "u");

export async function showDocument(s, restore) {
  const seq = ++docSeq;
  setView("doc");
  el.status.textContent = "";
  el.back.textContent = s.q ? "← Back to results" : "← Back";
  // the server lists the question's words as it searched them (corrected, no stop words): those get marked
  const key = s.doc + "\n" + (s.q || "");
  let d = initial.document && initial.document.doc_id === s.doc ? initial.document : null;
  initial.document = null;
  d = d || documents.get(key);
  if (!d && page.waiting) {
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
      d = await getJSON(documentUrl(s.doc, s.q));
    } catch (err) {
      if (seq !== docSeq) return;
      if (err instanceof HttpError && err.status === 404) {
        el.docTitle.textContent = "Career not found";
        el.docMeta.textContent = "There is no document “" + s.doc + "” in the index any more. " +
          "Go back to the results or search again.";
        document.dispatchEvent(new CustomEvent("careersearch:document", { detail: { doc: s.doc, found: false } }));
      } else {
        setView("none");
        failed(err, () => showDocument(page.state, null));
      }
      return;
    } finally {
      endBusy();
    }
    if (seq !== docSeq) return;
  }
  documents.set(key, d);
  if (!retrying()) hideNotice();
  renderDocument(d, s, restore);
}

const sectionAnchor = (i) => "doc-sec-" + i;

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

/* Lines that are list items by the server's rule become a list; other lines become paragraphs. */
function appendPassage(parent, text, marks) {
  let list = null;
  let offset = 0; // where the current raw line starts in text
  for (const raw of text.split("\n")) {
    const lineStart = offset + (raw.length - raw.trimStart().length);
    offset += raw.length + 1;
    const line = raw.trim();
    if (!line) continue;
    const bullet = listItem.exec(line);
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
