/* Casebook: did-you-mean, shared by the search box (search.js) and the explorer (explore.js).
 * When nothing matches, both offer the keyword names (English, Swedish, Danish and Norwegian
 * labels and aliases) and the places whose search keys come closest to what was typed, from
 * data/search-terms.json (casebook/searchterms.py): one rule, one distance. Needs casebook.js
 * (fold, distance); loaded after it and before explore.js and search.js (mkdocs.yml).
 * Adds to window.casebook: closeness, suggestions, openSearch. */
(function () {
  "use strict";

  var cb = window.casebook, fold = cb.fold, distance = cb.distance;

  /* How close a name is to the query (both folded): the distance to the whole name or to its
     closest word (or run of words as long as the query); Infinity when too far to suggest
     (more than one edit per four letters of the query, at least one). */
  function closeness(query, nameKey) {
    var limit = Math.max(1, Math.floor(query.length / 4));
    var parts = nameKey.split(" "), n = query.split(" ").length, best = distance(query, nameKey);
    for (var i = 0; i + n <= parts.length; i++) best = Math.min(best, distance(query, parts.slice(i, i + n).join(" ")));
    return best <= limit ? best : Infinity;
  }

  /* The five names closest to `query` (three letters or more), closest first, then by name:
     for each keyword of vocab.keywords ({id, label, url, names: [[lang, name, key], ...]}) its
     closest name, and each place of vocab.places ({name, key, url, cases}) that is close.
     Each: {d, text, kind: "keyword"|"place", url, entry (the keyword or place)}, a keyword's
     also {lang, label}, a place's also {cases}. */
  function suggestions(vocab, query) {
    var key = fold(query).trim(), found = [];
    if (!vocab || key.length < 3) return found;
    vocab.keywords.forEach(function (kw) {
      var best = null;
      kw.names.forEach(function (name) {
        var d = closeness(key, name[2]);
        if (d < Infinity && (!best || d < best.d)) best = { d: d, name: name };
      });
      if (best) {
        found.push({ d: best.d, text: best.name[1], lang: best.name[0], label: kw.label, url: kw.url, kind: "keyword", entry: kw });
      }
    });
    vocab.places.forEach(function (place) {
      var d = closeness(key, place.key);
      if (d < Infinity) found.push({ d: d, text: place.name, url: place.url, kind: "place", cases: place.cases, entry: place });
    });
    found.sort(function (a, b) { return a.d - b.d || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0); });
    return found.slice(0, 5);
  }

  /* Open the site's search box (partials/cb-search.html, run by search.js) with `query` typed
     in, as a reader would: true if the box is there and ready, else false. */
  function openSearch(query) {
    var box = document.querySelector(".cb-search[data-ready]"), toggle = document.getElementById("__search");
    var input = box && box.querySelector("input");
    if (!input || !toggle) return false;
    input.value = query;
    toggle.checked = true;
    toggle.dispatchEvent(new Event("change"));
    input.dispatchEvent(new Event("input", { bubbles: true }));
    return true;
  }

  cb.closeness = closeness;
  cb.suggestions = suggestions;
  cb.openSearch = openSearch;
})();
