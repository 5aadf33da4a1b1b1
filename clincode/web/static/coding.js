/* The coding screen's links between codes and their evidence, and its keyboard shortcuts.
 * Everything else (accept, reject, re-order, add, validate, queries) is plain forms and htmx, so
 * the screen works with a keyboard alone: Tab reaches every control.
 *
 *   click "Show evidence" on a code   -> the document scrolls to its words, which light up
 *   click or Enter on highlighted words -> the code they support is scrolled to and lit
 *   j / k        next / previous code            /  search the classifications (encoder)
 *   a / x        accept / reject the focused proposed code
 *   e            show the focused code's evidence
 */
(function () {
  "use strict";

  function clearLit() {
    document.querySelectorAll(".cc-on").forEach(function (el) { el.classList.remove("cc-on"); });
  }

  function marksFor(ref) {
    return Array.prototype.filter.call(document.querySelectorAll("mark.cc-evidence"), function (m) {
      return (m.dataset.refs || "").split(" ").indexOf(ref) >= 0;
    });
  }

  function showEvidence(ref) {
    clearLit();
    var marks = marksFor(ref);
    if (!marks.length) { return false; }
    marks.forEach(function (m) { m.classList.add("cc-on"); });
    var row = document.getElementById("row-" + ref);
    if (row) { row.classList.add("cc-on"); }
    marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
    marks[0].focus({ preventScroll: true });
    return true;
  }

  function showCode(refs) {
    clearLit();
    var first = null;
    refs.forEach(function (ref) {
      var row = document.getElementById("row-" + ref);
      if (row) { row.classList.add("cc-on"); first = first || row; }
      marksFor(ref).forEach(function (m) { m.classList.add("cc-on"); });
    });
    if (first) {
      first.scrollIntoView({ block: "center", behavior: "smooth" });
      var target = first.querySelector(".cc-code__focus") || first;
      target.focus({ preventScroll: true });
    }
  }

  // Raise a clinician query from a code ("Query" on its row) or from words selected in a document.
  function openQuery(code, words) {
    var box = document.getElementById("raise-query");
    if (!box) { return; }
    box.open = true;
    if (code !== null) { document.getElementById("query-code").value = code; }
    if (words) { document.getElementById("query-reason").value = "\u201c" + words + "\u201d"; }
    var question = document.getElementById("query-question");
    box.scrollIntoView({ block: "center" });
    question.focus();
  }

  var selected = "";
  document.addEventListener("selectionchange", function () {
    var tools = document.getElementById("selection-tools");
    if (!tools) { return; }
    var sel = window.getSelection();
    var text = sel && sel.rangeCount ? sel.toString().trim() : "";
    var inDoc = text && sel.anchorNode && sel.anchorNode.parentElement &&
      sel.anchorNode.parentElement.closest(".cc-doc__text");
    if (inDoc && text.length <= 500) {
      selected = text;
      tools.hidden = false;
    } else if (!tools.contains(document.activeElement)) {
      tools.hidden = true;
    }
  });

  document.addEventListener("click", function (ev) {
    var q = ev.target.closest("[data-query-code]");
    if (q) { ev.preventDefault(); openQuery(q.dataset.queryCode, ""); return; }
    if (ev.target.closest("#query-selection")) {
      ev.preventDefault();
      openQuery(null, selected);
      document.getElementById("selection-tools").hidden = true;
      return;
    }
    var btn = ev.target.closest("[data-show-evidence]");
    if (btn) {
      ev.preventDefault();
      if (!showEvidence(btn.dataset.showEvidence)) {
        btn.setAttribute("aria-describedby", "no-evidence");
      }
      return;
    }
    var mark = ev.target.closest("mark.cc-evidence");
    if (mark) { showCode((mark.dataset.refs || "").split(" ").filter(Boolean)); }
  });

  function codeRows() { return Array.prototype.slice.call(document.querySelectorAll(".cc-code")); }

  function focusedRow() {
    return document.activeElement ? document.activeElement.closest(".cc-code") : null;
  }

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      el.isContentEditable);
  }

  // WCAG 2.2 SC 2.1.4 (character key shortcuts): the coder can turn single-key shortcuts off;
  // the choice is remembered in this browser.
  var KEY = "clincode-shortcuts";
  function shortcutsOn() {
    try { return window.localStorage.getItem(KEY) !== "off"; } catch (e) { return true; }
  }
  function syncToggle() {
    var box = document.getElementById("shortcuts-on");
    if (box) { box.checked = shortcutsOn(); }
  }
  document.addEventListener("DOMContentLoaded", syncToggle);
  document.addEventListener("change", function (ev) {
    if (ev.target && ev.target.id === "shortcuts-on") {
      try { window.localStorage.setItem(KEY, ev.target.checked ? "on" : "off"); } catch (e) { /* private mode */ }
    }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    var active = document.activeElement;
    if (active && active.matches && active.matches("mark.cc-evidence") && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      showCode((active.dataset.refs || "").split(" ").filter(Boolean));
      return;
    }
    if (typing(active) || !document.querySelector(".cc-codes") || !shortcutsOn()) { return; }
    var row = focusedRow();
    if (ev.key === "/") {
      var search = document.getElementById("encoder-q");
      if (search) { ev.preventDefault(); search.focus(); }
    } else if (ev.key === "j" || ev.key === "k") {
      var rows = codeRows();
      if (!rows.length) { return; }
      var i = row ? rows.indexOf(row) : -1;
      i = ev.key === "j" ? Math.min(rows.length - 1, i + 1) : Math.max(0, i - 1);
      var next = rows[i].querySelector(".cc-code__focus") || rows[i];
      ev.preventDefault();
      next.focus();
      rows[i].scrollIntoView({ block: "nearest" });
    } else if (row && (ev.key === "a" || ev.key === "x" || ev.key === "e")) {
      var name = { a: "accept", x: "reject", e: "evidence" }[ev.key];
      var control = row.querySelector('[data-key="' + name + '"]');
      if (control && !control.disabled) { ev.preventDefault(); control.click(); }
    }
  });

  // The documents pane is re-rendered with every change (so its marks match the codes): keep
  // the coder's place in it, and keyboard focus on the code they were working on.
  var docsScroll = 0;
  var refocus = null;
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var docs = document.getElementById("docs");
    docsScroll = docs ? docs.scrollTop : 0;
    var elt = ev.detail && ev.detail.elt;
    refocus = elt && elt.dataset ? elt.dataset.refocus || null : null;
  });
  // Words half-typed elsewhere on the screen (a query, a reason) survive an action that redraws
  // the workspace; only the form that was sent starts afresh.
  var typed = {};
  document.addEventListener("htmx:beforeSwap", function (ev) {
    typed = {};
    var ws = document.getElementById("workspace");
    var sent = ev.detail && ev.detail.requestConfig && ev.detail.requestConfig.elt;
    var sentForm = sent && sent.closest ? sent.closest("form") : null;
    if (!ws) { return; }
    ws.querySelectorAll("textarea[id], input[id]:not([type=hidden]):not([type=checkbox])").forEach(function (el) {
      if (el.value && (!sentForm || !sentForm.contains(el))) {
        var box = el.closest("details");
        typed[el.id] = { value: el.value, open: box ? box.id || null : null };
      }
    });
  });

  // A request that never reached the server: say so, so nobody believes it was saved.
  function unreachable() {
    var box = document.getElementById("messages");
    if (box) {
      box.innerHTML = '<div class="nhsuk-error-summary cc-message" role="alert"><h2 class="nhsuk-error-summary__title">' +
        "Not saved</h2><div class=\"nhsuk-error-summary__body\"><p>The server did not answer, so that change " +
        "was not saved. Check your connection and try again.</p></div></div>";
    }
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:responseError", unreachable);

  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(typed).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && !el.value) {
        el.value = typed[id].value;
        var box = el.closest("details");
        if (box) { box.open = true; }
      }
    });
    typed = {};
    var docs = document.getElementById("docs");
    if (docs && docsScroll) { docs.scrollTop = docsScroll; }
    if (refocus) {
      var row = document.querySelector('.cc-code[data-key="' + refocus + '"]');
      if (row) { (row.querySelector(".cc-code__focus") || row).focus({ preventScroll: false }); }
      refocus = null;
    }
  });
})();
