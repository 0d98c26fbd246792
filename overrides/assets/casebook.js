/* Casebook: shared helpers and the small components of every page (copy and
 * download buttons). Each component has one mount function, called on every
 * page load, including Material's instant navigation (document$); the explorer
 * (explore.js) and the search box (search.js) use the helpers exported here as
 * window.casebook. Text is always set with textContent. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* The key search compares (casebook/translit.py search_key, from the same table,
     assets/transliteration.js): NFC, lower case, each letter of the table by its first ASCII
     spelling; NFKD ("ﬁ" -> "fi"), lower case, accents removed, the table again (for "ǿ" -> "ø");
     then each digraph (aa/ae/oe/ue) by its first letter until none is left, so every spelling
     of a word gets one key ("Værebro", "Vaerebro" -> "varebro"; "Søerne", "Soeerne" -> "sorne"). */
  var TABLE = window.casebookTransliteration || { letters: {}, digraphs: [] };
  var DIGRAPHS = TABLE.digraphs.length ? new RegExp(TABLE.digraphs.join("|"), "g") : null;
  function fold(text) {
    function spell(s) {
      var out = "";
      for (var i = 0; i < s.length; i++) {
        var spelt = TABLE.letters[s[i]];
        out += spelt ? spelt[0] : s[i];
      }
      return out;
    }
    var out = spell(String(text).normalize("NFC").toLowerCase()), last;
    out = spell(out.normalize("NFKD").toLowerCase().replace(/[\u0300-\u036f]/g, ""));
    while (DIGRAPHS && out !== last) {
      last = out;
      out = out.replace(DIGRAPHS, function (m) { return m[0]; });
    }
    return out;
  }

  /* Edit distance with transpositions (Damerau–Levenshtein, optimal string alignment), for
     did-you-mean in the search box and the explorer. */
  function distance(a, b) {
    var d = [], i, j;
    for (i = 0; i <= a.length; i++) { d[i] = [i]; }
    for (j = 1; j <= b.length; j++) d[0][j] = j;
    for (i = 1; i <= a.length; i++) {
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.length][b.length];
  }

  /* A citation as the reader takes it, with the day they accessed it (data-cb-accessed says
     the format: text, bibtex or csl): the published text has no date, never a placeholder. */
  function withAccessed(node, text) {
    var kind = node.getAttribute("data-cb-accessed");
    if (!kind) return text;
    var d = new Date(), parts = [d.getFullYear(), d.getMonth() + 1, d.getDate()];
    var iso = parts[0] + "-" + String(parts[1]).padStart(2, "0") + "-" + String(parts[2]).padStart(2, "0");
    if (kind === "bibtex") return text.replace(/\n\}\s*$/, "\n  urldate = {" + iso + "},\n}\n");
    if (kind === "csl") {
      var items = JSON.parse(text);
      items.forEach(function (item) { item.accessed = { "date-parts": [parts] }; });
      return JSON.stringify(items, null, 2) + "\n";
    }
    return text.trim() + " (accessed " + iso + ")";
  }

  /* ---- copy buttons ("How to cite") ---- */
  function setupCopy() {
    document.querySelectorAll("[data-cb-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-cb-copy"));
      if (!target || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(withAccessed(target, target.textContent.trim())).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  /* ---- downloads of text shown on the page (citations) ---- */
  function setupDownloads() {
    document.querySelectorAll("[data-cb-download]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-cb-download"));
      if (!source) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var blob = new Blob([withAccessed(source, source.textContent)], { type: button.getAttribute("data-type") + ";charset=utf-8" });
        var link = el("a", { href: URL.createObjectURL(blob), download: button.getAttribute("data-filename") });
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
  }

  /* ---- Markdown tables: Material wraps each in a box that scrolls sideways on a phone; the
     box gets keyboard focus and a name (its section's heading), so a keyboard can scroll it
     (WCAG 2.1.1, axe's scrollable-region-focusable). Our templates' tables have their own. ---- */
  function setupScrollBoxes() {
    document.querySelectorAll(".md-typeset__scrollwrap:not([tabindex])").forEach(function (box) {
      var heading = box.previousElementSibling;
      while (heading && !/^H[2-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      if (heading && heading.id) box.setAttribute("aria-labelledby", heading.id);
      else box.setAttribute("aria-label", "Table");
    });
  }

  /* ---- The menu button on a phone: Material's <label for="__drawer"> takes no keyboard focus,
     so the navigation could not be opened from a keyboard; it gets focus, as a button that says
     whether the navigation is open, and Enter or Space opens and closes it. ---- */
  function setupMenuButton() {
    var toggle = document.getElementById("__drawer");
    if (!toggle) return;
    document.querySelectorAll('label.md-header__button[for="__drawer"]:not([tabindex])').forEach(function (label) {
      label.setAttribute("tabindex", "0");
      label.setAttribute("role", "button");
      label.setAttribute("aria-label", "Navigation");
      label.setAttribute("aria-expanded", String(toggle.checked));
      toggle.addEventListener("change", function () { label.setAttribute("aria-expanded", String(toggle.checked)); });
      label.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        e.stopPropagation();  // Material's own keyboard handler would toggle a focused label again
        toggle.click();
      });
    });
  }

  function onPage(mount) {
    if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(mount);
    else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
    else mount();
  }

  window.casebook = { el: el, fold: fold, distance: distance, onPage: onPage };
  onPage(function () { setupCopy(); setupDownloads(); setupScrollBoxes(); setupMenuButton(); });
})();
