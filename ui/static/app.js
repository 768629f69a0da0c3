// airlock's only script. Pages work without it; it adds confirmation
// dialogs, double-submit protection, checkbox selection that survives
// navigation, panels that remember whether they were open, and keyboard
// shortcuts. No inline scripts or styles: the CSP forbids them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Confirmation dialogs: a link or button with data-confirm="<dialog id>"
  // opens that <dialog> instead of navigating to the no-JS confirm page.
  document.addEventListener("click", function (ev) {
    var opener = ev.target.closest("[data-confirm]");
    if (opener) {
      var dlg = document.getElementById(opener.getAttribute("data-confirm"));
      if (dlg && typeof dlg.showModal === "function") {
        ev.preventDefault();
        dlg.showModal();
        var first = dlg.querySelector("textarea, input:not([type=hidden]), button");
        if (first) { first.focus(); }
      }
      return;
    }
    var closer = ev.target.closest("[data-close-dialog]");
    if (closer) {
      var d = closer.closest("dialog");
      if (d) { ev.preventDefault(); d.close(); }
    }
  });

  // Double-submit protection: disable the submit buttons of a form once it
  // is submitted; htmx requests re-enable them when they finish.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented) { return; }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    var el = ev.detail && ev.detail.elt;
    if (!el || !el.querySelectorAll) { return; }
    el.querySelectorAll("button[aria-busy=true]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });
  // Pages restored from the back-forward cache must not keep disabled buttons.
  window.addEventListener("pageshow", function (ev) {
    if (!ev.persisted) { return; }
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });

  // Selection that survives navigation: checkboxes named "path" inside a
  // form with data-selection="<key>" are remembered in sessionStorage.
  var STORE = "airlock-selection";
  function load() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE) || "{}"); } catch (e) { return {}; }
  }
  function save(all) {
    try { window.sessionStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* storage full or disabled */ }
  }
  function boxes(form) { return Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=path]:not(:disabled)")); }
  function updateAll(form) {
    var all = form.querySelector("input[data-select-all]");
    if (!all) { return; }
    var bs = boxes(form), n = bs.filter(function (b) { return b.checked; }).length;
    all.checked = n > 0 && n === bs.length;
    all.indeterminate = n > 0 && n < bs.length;
  }
  function updateCount(form) {
    var out = form.querySelector("[data-selected-count]");
    if (!out) { return; }
    var key = form.getAttribute("data-selection"), sel = load()[key] || {};
    var n = Object.keys(sel).length;
    out.textContent = n === 0 ? "No files selected" : (n === 1 ? "1 file selected" : n + " files selected");
    // Buttons that act on the selection wait for one.
    form.querySelectorAll("[data-needs-selection]").forEach(function (b) {
      b.disabled = n === 0;
      if (n === 0) { b.title = "Select files first"; } else { b.removeAttribute("title"); }
    });
    // Selected files from other folders are submitted too.
    form.querySelectorAll("input[data-carried]").forEach(function (i) { i.remove(); });
    var here = {};
    boxes(form).forEach(function (b) { here[b.value] = true; });
    Object.keys(sel).forEach(function (p) {
      if (here[p]) { return; }
      var i = document.createElement("input");
      i.type = "hidden"; i.name = "path"; i.value = p; i.setAttribute("data-carried", "");
      form.appendChild(i);
    });
  }
  function init(root) {
    root.querySelectorAll("form[data-selection]").forEach(function (form) {
      var key = form.getAttribute("data-selection"), all = load(), sel = all[key] || {};
      boxes(form).forEach(function (b) { if (sel[b.value]) { b.checked = true; } });
      updateAll(form);
      updateCount(form);
    });
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target, form = t.closest && t.closest("form[data-selection]");
    if (!form) { return; }
    var key = form.getAttribute("data-selection"), all = load(), sel = all[key] || {};
    if (t.hasAttribute("data-select-all")) {
      boxes(form).forEach(function (b) { b.checked = t.checked; if (t.checked) { sel[b.value] = true; } else { delete sel[b.value]; } });
    } else if (t.name === "path") {
      if (t.checked) { sel[t.value] = true; } else { delete sel[t.value]; }
    } else { return; }
    all[key] = sel; save(all);
    updateAll(form); updateCount(form);
  });
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-clear-selection]");
    if (!b) { return; }
    var form = b.closest("form[data-selection]");
    var all = load(); delete all[form.getAttribute("data-selection")]; save(all);
    boxes(form).forEach(function (x) { x.checked = false; });
    updateAll(form); updateCount(form);
  });
  // A page that completed an action clears the selection it used.
  function clearDone() {
    var done = document.querySelector("[data-selection-done]");
    if (!done) { return; }
    var all = load(); delete all[done.getAttribute("data-selection-done")]; save(all);
  }
  document.addEventListener("DOMContentLoaded", function () { clearDone(); init(document); });
  document.addEventListener("htmx:afterSettle", function (ev) { init(ev.detail.elt || document); });

  // Panels that remember being open or closed: <details data-remember="key">,
  // kept in localStorage for every page that has the same panel.
  var FOLDS = "airlock-folds";
  function folds() {
    try { return JSON.parse(window.localStorage.getItem(FOLDS) || "{}"); } catch (e) { return {}; }
  }
  function restoreFolds(root) {
    var f = folds();
    root.querySelectorAll("details[data-remember]").forEach(function (d) {
      var k = d.getAttribute("data-remember");
      if (Object.prototype.hasOwnProperty.call(f, k)) { d.open = !!f[k]; }
    });
  }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.matches || !d.matches("details[data-remember]")) { return; }
    var f = folds();
    f[d.getAttribute("data-remember")] = d.open;
    try { window.localStorage.setItem(FOLDS, JSON.stringify(f)); } catch (e) { /* storage full or disabled */ }
  }, true);
  document.addEventListener("DOMContentLoaded", function () { restoreFolds(document); });

  // Keyboard shortcuts: a key pressed outside text fields clicks the
  // enabled element with data-shortcut="<key>"; "?" shows the help.
  // A pressed vote button is left alone, since pressing it again clears
  // the vote.
  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) { return; }
    var t = ev.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])")) { return; }
    var help = document.getElementById("shortcut-help");
    if (ev.key === "?") {
      if (!help || typeof help.showModal !== "function") { return; }
      ev.preventDefault();
      if (help.open) { help.close(); } else { help.showModal(); }
      return;
    }
    if (ev.key.length !== 1 || document.querySelector("dialog[open]")) { return; }
    var el = document.querySelector('[data-shortcut="' + ev.key.toLowerCase() + '"]');
    if (!el || el.disabled || el.getAttribute("aria-pressed") === "true") { return; }
    ev.preventDefault();
    el.focus();
    el.click();
  });

  // A field that belongs to one choice of a radio group selects that choice
  // when someone uses it (the add form's existing or new group).
  function choose(ev) {
    var t = ev.target, id = t.getAttribute && t.getAttribute("data-choice");
    if (!id) { return; }
    var r = document.getElementById(id);
    if (r) { r.checked = true; }
  }
  document.addEventListener("input", choose);
  document.addEventListener("change", choose);
  document.addEventListener("focusin", choose);

  // Preview frames that fit their content: a frame showing one of our own
  // viewer pages (same origin, no scripts of its own) takes the height of
  // its page up to the window's height, so a short log or table leaves no
  // empty box and never scrolls inside the page's scroll. Frames of raw HTML outputs have an
  // opaque origin and keep their fixed height and their own look.
  function fit(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (e) { doc = null; }
    if (!doc || !doc.documentElement || !doc.body) { return; }
    // A long page stops at the window's height, where the table keeps
    // its sticky header and scrolls by itself.
    // The table's own scroll box is sized from the cap, not from the
    // frame's height, which follows the content (content.css).
    var resize = function () {
      var cap = Math.max(320, Math.floor(window.innerHeight * 0.85));
      doc.documentElement.classList.add("fitted");
      doc.documentElement.style.setProperty("--frame-cap", cap + "px");
      frame.style.height = Math.min(cap, Math.max(80, Math.ceil(doc.documentElement.scrollHeight) + 2)) + "px";
    };
    frame.classList.add("fitted");
    resize();
    if (typeof ResizeObserver === "function") {
      if (frame._fitObserver) { frame._fitObserver.disconnect(); }
      frame._fitObserver = new ResizeObserver(resize);
      frame._fitObserver.observe(doc.body);
    }
  }
  document.addEventListener("load", function (ev) {
    if (ev.target && ev.target.matches && ev.target.matches("iframe.preview-frame")) { fit(ev.target); }
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("iframe.preview-frame").forEach(function (f) {
      if (f.contentDocument && f.contentDocument.readyState === "complete") { fit(f); }
    });
  });

  // Narrow screens show the file first and fold the tree away under its
  // summary; wide screens always show it.
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 800px)") : null;
  function foldTrees() {
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (d) { d.open = !(narrow && narrow.matches); });
  }
  document.addEventListener("DOMContentLoaded", foldTrees);
  if (narrow && narrow.addEventListener) { narrow.addEventListener("change", foldTrees); }
})();
