/* Casebook: site search with Pagefind in Material's search box.
 * Mounted on every page load (document$) by mountSearch.
 *
 * Pagefind finds the cases; this file makes what it found honest and useful:
 * - a case counts only if every query word starts a word of the case (compared by
 *   casebook.fold, so "Vaerebro" is "Værebro"): Pagefind answers a word it does not
 *   know with the words it starts with ("upprustning" with "up"), which is no match;
 * - each result says why it matched: its text (an excerpt around the words), or a
 *   keyword by its name in another language ("Trygghet och säkerhet");
 * - no dead ends: with no match, the keywords and places whose names come closest
 *   (in English, Swedish, Danish or Norwegian) and the ways to browse.
 * The vocabulary comes from data/search-terms.json (casebook/searchterms.py); the closest
 * names are casebook.suggestions (suggest.js), which the explorer uses too.
 * `?search=words` in a page's address opens the box with the words (the explorer links so). */
(function () {
  "use strict";

  var el = window.casebook.el, fold = window.casebook.fold, suggestions = window.casebook.suggestions;
  var SHOWN = 10;           // results listed
  var VERIFY = 200;         // results checked word by word when Pagefind's count is in doubt
  var TERMS_HEADING = "Keywords in every language"; // the search document's names section (cb-search-doc.html)
  var LANGUAGE = { sv: "Swedish", da: "Danish", nb: "Norwegian", alias: "also called" };

  function words(text) { return text.split(/[^\p{L}\p{N}]+/u).filter(Boolean); }

  /* Whether the folded word `have` is a match for the folded query word `want`: it starts
     with it (a key of two letters or more), or both share all but a short ending (Pagefind
     stems: "housing", "houses"). */
  function wordMatches(have, want) {
    if (want.length < 2) return have === want;  // "a" is a word, not the start of every word with an a
    if (have.lastIndexOf(want, 0) === 0) return true;
    var n = 0;
    while (n < have.length && n < want.length && have[n] === want[n]) n++;
    return n >= 4 && n >= want.length - 3 && n >= have.length - 3;
  }

  /* A result's text, split where its names section starts: the case's own words as
     written (with their punctuation, for the excerpt) and folded, and every word folded. */
  function parse(content) {
    var cut = content.lastIndexOf(TERMS_HEADING);
    var body = (cut >= 0 ? content.slice(0, cut) : content).split(/\s+/).filter(Boolean);
    return {
      body: body,
      bodyKeys: body.map(function (token) { return words(token).map(fold); }),
      allKeys: words(content).map(fold)
    };
  }

  function hits(keys, wanted) {
    return wanted.some(function (w) { return keys.some(function (k) { return wordMatches(k, w); }); });
  }

  function matchesAll(parsed, wanted) {
    return wanted.every(function (w) { return hits(parsed.allKeys, [w]); });
  }

  /* An excerpt of about 24 words around the first query word in the case's own text,
     the matching words marked; null when the text itself has none of them. */
  function excerpt(parsed, wanted) {
    var first = parsed.bodyKeys.findIndex(function (keys) { return hits(keys, wanted); });
    if (first < 0) return null;
    var start = Math.max(0, first - 8), out = document.createDocumentFragment();
    if (start > 0) out.appendChild(document.createTextNode("… "));
    parsed.body.slice(start, start + 24).forEach(function (token, i) {
      out.appendChild(hits(parsed.bodyKeys[start + i], wanted) ? el("mark", {}, token) : document.createTextNode(token));
      out.appendChild(document.createTextNode(" "));
    });
    if (start + 24 < parsed.body.length) out.appendChild(document.createTextNode("…"));
    return out;
  }

  /* For each of the result's keywords, its names other than the English label that match
     every query word (else, any query word of four letters or more): why the case matched. */
  function keywordReasons(vocab, labels, wanted) {
    var long = wanted.filter(function (w) { return w.length >= 4; }), out = [];
    (labels || []).forEach(function (label) {
      var kw = vocab && vocab.byLabel[label];
      if (!kw) return;
      var named = function (test) {
        return kw.names.filter(function (name) { return name[0] !== "en" && test(words(name[1]).map(fold)); });
      };
      var found = named(function (keys) { return wanted.every(function (w) { return hits(keys, [w]); }); });
      if (!found.length && long.length) found = named(function (keys) { return hits(keys, long); });
      if (found.length) out.push({ label: kw.label, names: found });
    });
    return out;
  }

  function resultItem(r, parsed, wanted, vocab) {
    var li = el("li", { "class": "md-search-result__item" });
    var a = el("a", { "class": "md-search-result__link", href: r.url });
    var article = el("article", { "class": "md-search-result__article md-typeset" });
    article.appendChild(el("h1", {}, r.meta.title || r.url));
    var text = excerpt(parsed, wanted), reasons = keywordReasons(vocab, r.filters && r.filters.keyword, wanted);
    if (text) { var p = el("p"); p.appendChild(text); article.appendChild(p); }
    reasons.slice(0, 3).forEach(function (why) {
      var names = why.names.map(function (name) {
        return name[0] === "alias" ? "also called " + name[1] : (LANGUAGE[name[0]] || name[0]) + ": " + name[1];
      });
      article.appendChild(el("p", { "class": "cb-search-why" }, "Matched keyword: " + why.label + " — " + names.join("; ")));
    });
    if (!text && !reasons.length) article.appendChild(el("p", {}, (r.meta.title || "") + " matches every word."));
    a.appendChild(article);
    li.appendChild(a);
    return li;
  }

  /* The message and links shown when nothing matches: closest names, then ways to browse. */
  function noMatch(list, vocab, query, root) {
    var close = suggestions ? suggestions(vocab, query) : [];  // none without suggest.js in mkdocs.yml
    if (close.length) {
      var li = el("li", { "class": "md-search-result__item cb-search-suggest" });
      var box = el("div", { "class": "md-search-result__article md-typeset" });
      box.appendChild(el("p", {}, "Did you mean:"));
      var ul = el("ul");
      close.forEach(function (s) {
        var item = el("li"), link = el("a", { href: root + s.url }, s.text);
        item.appendChild(link);
        var note = s.kind === "place" ? " (place, " + s.cases + (s.cases === 1 ? " case)" : " cases)")
          : s.text === s.label ? " (keyword)" : " (keyword " + s.label + ", " + (LANGUAGE[s.lang] || s.lang) + ")";
        item.appendChild(document.createTextNode(note));
        ul.appendChild(item);
      });
      box.appendChild(ul);
      li.appendChild(box);
      list.appendChild(li);
    }
    // The ways to browse: a list of links (each a tap target on a phone), not a sentence.
    var ways = el("li", { "class": "md-search-result__item cb-search-ways" });
    var article = el("div", { "class": "md-search-result__article md-typeset" }), links = el("ul");
    article.appendChild(el("p", {}, "Browse instead:"));
    [["keywords/", "all keywords"], ["explore/?q=" + encodeURIComponent(query), "the explorer"], ["cases/", "all cases"]]
      .forEach(function (way) {
        var item = el("li");
        item.appendChild(el("a", { href: root + way[0] }, way[1]));
        links.appendChild(item);
      });
    article.appendChild(links);
    ways.appendChild(article);
    list.appendChild(ways);
  }

  /* The results Pagefind found that really contain every query word, and how many there
     are: the first page is checked; if one of them fails, up to VERIFY are. */
  function verified(search, wanted) {
    var results = search.results, check = function (n) {
      return Promise.all(results.slice(0, n).map(function (r) { return r.data(); })).then(function (data) {
        return data.map(function (d) { var parsed = parse(d.content || ""); return { d: d, parsed: parsed, ok: matchesAll(parsed, wanted) }; });
      });
    };
    return check(SHOWN).then(function (first) {
      if (first.every(function (x) { return x.ok; })) return { items: first, total: results.length, more: false };
      return check(VERIFY).then(function (all) {
        var ok = all.filter(function (x) { return x.ok; });
        return { items: ok.slice(0, SHOWN), total: ok.length, more: results.length > VERIFY };
      });
    });
  }

  function mountSearch() {
    var box = document.querySelector(".cb-search"), toggle = document.getElementById("__search");
    if (!box || !toggle || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    box.classList.add("cb-search--ready");
    var input = box.querySelector("input"), meta = box.querySelector(".md-search-result__meta");
    var list = box.querySelector(".md-search-result__list"), seq = 0, loading = null;
    var bundle = new URL(box.getAttribute("data-pagefind"), location.href);
    var root = box.getAttribute("data-root") || "/", vocab = null, attempt = 0;
    function load() {
      if (!loading) {
        var terms = fetch(new URL(box.getAttribute("data-terms"), location.href).href)
          .then(function (r) { return r.json(); })
          .then(function (data) {
            data.byLabel = {};
            data.keywords.forEach(function (kw) { data.byLabel[kw.label] = kw; });
            vocab = data;
          }, function () { vocab = null; });
        // After a failed load, a fresh copy of Pagefind: the failed one may hold a bundle it could not merge.
        loading = import(bundle.href + (attempt ? "?attempt=" + attempt : "")).then(function (pf) {
          var base = bundle.pathname.replace(/pagefind\/pagefind\.js$/, "");
          pf.options({ baseUrl: base });
          // Large libraries are indexed in several bundles: merge the others into this one.
          var others = (box.getAttribute("data-merge") || "").split(" ").filter(Boolean);
          return Promise.all(others.map(function (path) {
            return pf.mergeIndex(new URL(path, location.href).href, { baseUrl: base });
          })).then(function () { return terms; }).then(function () { return pf; });
        });
        // A load that failed (the network, or a bundle being written again under mkdocs serve)
        // is tried afresh at the next search instead of failing every search on this page.
        loading.catch(function () { loading = null; attempt += 1; });
      }
      return loading;
    }
    /* Count and list change together, once both are known; data-cb-query says for what. */
    function show(query, text, items) {
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(item); });
      meta.textContent = text;
      meta.setAttribute("data-cb-query", query);
    }
    function run() {
      var query = input.value.trim(), mine = ++seq;
      if (!query) { show("", "Type to search the cases", []); return; }
      var wanted = words(query).map(fold);
      // "aaaa" folds to "a" (each "aa" an å): a word typed with three letters or more that folds to
      // one is no spelling of a real word, and would find every case with the word "a" in it.
      var nonsense = words(query).some(function (w) { return w.length > 2 && fold(w).length < 2; });
      load().then(function (pf) { return nonsense ? { results: [] } : pf.search(query); }).then(function (search) {
        return mine === seq ? verified(search, wanted) : null;
      }).then(function (found) {
        if (!found || mine !== seq) return;
        if (!found.total) {
          var fragment = document.createDocumentFragment();
          noMatch(fragment, vocab, query, root);
          show(query, "No matching cases for “" + query + "”", Array.prototype.slice.call(fragment.childNodes));
          return;
        }
        var n = found.total + (found.more ? "+" : "");
        show(query, n + (found.total === 1 ? " matching case" : " matching cases"), found.items.map(function (x) {
          return resultItem(x.d, x.parsed, wanted, vocab);
        }));
      }).catch(function () {
        if (mine === seq) show(query, "Search is not available", []);
      });
    }
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
    toggle.addEventListener("change", function () { if (toggle.checked) { load(); input.focus(); } });
    input.addEventListener("focus", function () { toggle.checked = true; load(); });
    // Tabbing on past the box closes it: it covered the page the focus had moved to. (A click
    // elsewhere, or leaving the window, has no element to go to: the box stays as it was.)
    box.addEventListener("focusout", function (e) {
      if (e.relatedTarget && !box.contains(e.relatedTarget)) toggle.checked = false;
    });
    var asked = new URLSearchParams(location.search).get("search");
    if (asked && asked.trim()) { input.value = asked; toggle.checked = true; load(); input.focus(); run(); }
    box.querySelector("form").addEventListener("submit", function (e) {
      e.preventDefault();
      var first = list.querySelector("a");
      if (first) first.click();
    });
    mountKeys();
  }

  var keysMounted = false;
  function mountKeys() {
    if (keysMounted) return;
    keysMounted = true;
    document.addEventListener("keydown", function (e) {
      var t = document.getElementById("__search"), field = document.querySelector(".cb-search input");
      if (!t || !field) return;
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (e.key === "Escape" && t.checked) { t.checked = false; field.blur(); }
      else if ((e.key === "/" || e.key === "s") && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault(); t.checked = true; field.focus();
      }
    });
  }

  window.casebook.onPage(mountSearch);
})();
