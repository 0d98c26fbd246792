/* Casebook: the case explorer and the copy buttons.
 * Small, no framework; text is always set with textContent. Runs on every
 * page load, including Material's instant navigation (document$). */
(function () {
  "use strict";

  var PAGE = 50; // results shown at a time

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /* ---- copy buttons ("How to cite") ---- */
  function setupCopy() {
    document.querySelectorAll("[data-cb-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-cb-copy"));
      if (!target || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
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
        var blob = new Blob([source.textContent], { type: button.getAttribute("data-type") + ";charset=utf-8" });
        var link = el("a", { href: URL.createObjectURL(blob), download: button.getAttribute("data-filename") });
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
  }

  /* ---- bitsets over case indexes ---- */
  function Bits(n) { this.n = n; this.w = new Uint32Array((n + 31) >>> 5); }
  Bits.prototype.set = function (i) { this.w[i >>> 5] |= 1 << (i & 31); return this; };
  Bits.prototype.fill = function () {
    this.w.fill(0xffffffff);
    var extra = this.w.length * 32 - this.n;
    if (extra) this.w[this.w.length - 1] >>>= extra;
    return this;
  };
  Bits.prototype.copy = function () { var b = new Bits(this.n); b.w.set(this.w); return b; };
  Bits.prototype.and = function (o) { for (var i = 0; i < this.w.length; i++) this.w[i] &= o.w[i]; return this; };
  Bits.prototype.or = function (o) { for (var i = 0; i < this.w.length; i++) this.w[i] |= o.w[i]; return this; };
  Bits.prototype.count = function () {
    var c = 0;
    for (var i = 0; i < this.w.length; i++) {
      var v = this.w[i] - ((this.w[i] >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      c += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return c;
  };
  Bits.prototype.andCount = function (o) { return this.copy().and(o).count(); };
  Bits.prototype.indexes = function () {
    var out = [];
    for (var i = 0; i < this.w.length; i++) {
      var v = this.w[i];
      while (v) { var b = v & -v; out.push(i * 32 + 31 - Math.clz32(b)); v ^= b; }
    }
    return out;
  };

  /* ---- the view state <-> the URL query ---- */
  function readState(search) {
    var p = new URLSearchParams(search);
    var year = function (v) { return /^\d{4}$/.test(v || "") ? parseInt(v, 10) : null; };
    return {
      keyword: p.getAll("keyword"), match: p.get("match") === "any" ? "any" : "all",
      group: p.getAll("group"), country: p.getAll("country"),
      from: year(p.get("from")), to: year(p.get("to")), q: (p.get("q") || "").trim()
    };
  }

  function writeState(s) {
    var p = new URLSearchParams();
    s.keyword.forEach(function (v) { p.append("keyword", v); });
    if (s.match === "any") p.set("match", "any");
    s.group.forEach(function (v) { p.append("group", v); });
    s.country.forEach(function (v) { p.append("country", v); });
    if (s.from !== null) p.set("from", s.from);
    if (s.to !== null) p.set("to", s.to);
    if (s.q) p.set("q", s.q);
    var query = p.toString();
    return query ? "?" + query : "";
  }

  function toggle(list, value) {
    return list.indexOf(value) >= 0 ? list.filter(function (v) { return v !== value; }) : list.concat([value]);
  }

  /* ---- the explorer ---- */
  function Explorer(root, data) {
    var self = this;
    this.root = root;
    this.data = data;
    this.n = data.cases.length;
    this.text = null;
    this.shown = PAGE;
    var kwIndex = {}, groupIndex = {}, countryIndex = {};
    data.keywords.forEach(function (k, i) { kwIndex[k.id] = i; });
    data.groups.forEach(function (g, i) { groupIndex[g.id] = i; });
    data.countries.forEach(function (c, i) { countryIndex[c.code] = i; });
    this.kwIndex = kwIndex; this.groupIndex = groupIndex; this.countryIndex = countryIndex;
    this.kwBits = data.keywords.map(function () { return new Bits(self.n); });
    this.groupBits = data.groups.map(function () { return new Bits(self.n); });
    this.countryBits = data.countries.map(function () { return new Bits(self.n); });
    data.cases.forEach(function (c, i) {
      self.countryBits[c[3]].set(i);
      c[7].forEach(function (k) {
        self.kwBits[k].set(i);
        self.groupBits[data.keywords[k].group].set(i);
      });
    });
    this.all = new Bits(this.n).fill();
    this.buildForm();
  }

  Explorer.prototype.keywordBits = function (ids, match) {
    var self = this, known = ids.filter(function (id) { return id in self.kwIndex; });
    if (!ids.length) return this.all.copy();
    if (known.length < ids.length && match === "all") return new Bits(this.n);
    var out = match === "all" ? this.all.copy() : new Bits(this.n);
    known.forEach(function (id) { out[match === "all" ? "and" : "or"](self.kwBits[self.kwIndex[id]]); });
    return out;
  };

  Explorer.prototype.anyOf = function (ids, index, bits) {
    if (!ids.length) return this.all.copy();
    var out = new Bits(this.n);
    ids.forEach(function (id) { if (id in index) out.or(bits[index[id]]); });
    return out;
  };

  Explorer.prototype.otherBits = function (s) {
    var out = new Bits(this.n), cases = this.data.cases, text = this.text;
    var words = fold(s.q).split(/\s+/).filter(Boolean);
    for (var i = 0; i < this.n; i++) {
      var c = cases[i];
      if (s.to !== null && c[5] > s.to) continue;
      if (s.from !== null && c[6] !== null && c[6] < s.from) continue;
      if (words.length) {
        var hay = text ? text[i] : fold(c[1] + " " + c[2]);
        if (!words.every(function (w) { return hay.indexOf(w) >= 0; })) continue;
      }
      out.set(i);
    }
    return out;
  };

  /* Bits for every facet but `except`, so each facet's counts can be computed. */
  Explorer.prototype.masks = function (s) {
    return {
      keyword: this.keywordBits(s.keyword, s.match),
      group: this.anyOf(s.group, this.groupIndex, this.groupBits),
      country: this.anyOf(s.country, this.countryIndex, this.countryBits),
      other: this.otherBits(s)
    };
  };

  Explorer.prototype.without = function (m, except) {
    var out = m.other.copy();
    ["keyword", "group", "country"].forEach(function (f) { if (f !== except) out.and(m[f]); });
    return out;
  };

  Explorer.prototype.buildForm = function () {
    var self = this, form = this.root.querySelector("form");
    this.form = form;
    function boxes(container, name, items) {
      items.forEach(function (item) {
        var label = el("label", { "class": "cb-facet" });
        var box = el("input", { type: "checkbox", name: name, value: item.value });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + item.label + " "));
        label.appendChild(el("span", { "class": "cb-count", "data-count": "" }));
        container.appendChild(label);
      });
    }
    boxes(form.querySelector("[data-facet=country]"), "country",
          this.data.countries.map(function (c) { return { value: c.code, label: c.name }; }));
    boxes(form.querySelector("[data-facet=group]"), "group",
          this.data.groups.map(function (g) { return { value: g.id, label: g.label }; }));
    var kwBox = form.querySelector("[data-facet=keyword]");
    this.data.groups.forEach(function (g, gi) {
      var details = el("details", { "class": "cb-kwgroup" });
      details.appendChild(el("summary", {}, g.label));
      var items = self.data.keywords.filter(function (k) { return k.group === gi; })
        .sort(function (a, b) { return a.label.localeCompare(b.label, "en"); })
        .map(function (k) { return { value: k.id, label: k.label }; });
      boxes(details, "keyword", items);
      kwBox.appendChild(details);
    });
    form.addEventListener("change", function () { self.fromForm(); });
    form.addEventListener("input", function (e) {
      if (e.target.name === "q" || e.target.name === "from" || e.target.name === "to") {
        clearTimeout(self.typing);
        self.typing = setTimeout(function () { self.fromForm(); }, 250);
      }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); self.fromForm(); });
    form.addEventListener("reset", function () { setTimeout(function () { self.fromForm(); }, 0); });
    this.root.querySelector("#cb-more").addEventListener("click", function () {
      self.shown += PAGE; self.render(false);
    });
    this.root.querySelector("#cb-csv").addEventListener("click", function () { self.downloadCsv(); });
  };

  Explorer.prototype.fromForm = function () {
    var f = this.form, year = function (v) { return /^\d{4}$/.test(v) ? parseInt(v, 10) : null; };
    var checked = function (name) {
      return Array.prototype.map.call(f.querySelectorAll("input[name=" + name + "]:checked"), function (b) { return b.value; });
    };
    var previous = this.state || readState("");
    var keep = function (old, now) {  // keep the order in which values were chosen
      return old.filter(function (v) { return now.indexOf(v) >= 0; })
        .concat(now.filter(function (v) { return old.indexOf(v) < 0; }));
    };
    var s = {
      keyword: keep(previous.keyword, checked("keyword")),
      match: f.querySelector("input[name=match]:checked").value,
      group: keep(previous.group, checked("group")),
      country: keep(previous.country, checked("country")),
      from: year(f.elements.from.value.trim()), to: year(f.elements.to.value.trim()), q: f.elements.q.value.trim()
    };
    if (writeState(s) !== location.search) history.pushState(null, "", location.pathname + writeState(s));
    this.apply(s);
  };

  Explorer.prototype.toForm = function (s) {
    var f = this.form;
    f.querySelectorAll("input[type=checkbox]").forEach(function (b) {
      b.checked = (s[b.name] || []).indexOf(b.value) >= 0;
    });
    f.querySelector("input[name=match][value=" + s.match + "]").checked = true;
    f.elements.from.value = s.from === null ? "" : s.from;
    f.elements.to.value = s.to === null ? "" : s.to;
    f.elements.q.value = s.q;
    f.querySelectorAll("details.cb-kwgroup").forEach(function (d) {
      if (d.querySelector("input:checked")) d.open = true;
    });
  };

  Explorer.prototype.apply = function (s) {
    var self = this;
    this.state = s;
    this.shown = PAGE;
    if (s.q && !this.text) {
      fetch(this.root.getAttribute("data-text")).then(function (r) { return r.json(); }).then(function (text) {
        self.text = text;
        if (self.state === s) self.render(true);
      });
    }
    this.render(true);
  };

  Explorer.prototype.render = function (recount) {
    var self = this, s = this.state, root = this.root;
    if (recount) {
      var m = this.masks(s);
      this.result = this.without(m, null);
      this.ids = this.result.indexes();
      var facets = {
        keyword: function (v) { return self.keywordBits(toggle(s.keyword, v), s.match); },
        group: function (v) { return self.anyOf(toggle(s.group, v), self.groupIndex, self.groupBits); },
        country: function (v) { return self.anyOf(toggle(s.country, v), self.countryIndex, self.countryBits); }
      };
      Object.keys(facets).forEach(function (facet) {
        var base = self.without(m, facet);
        self.form.querySelectorAll("input[name=" + facet + "]").forEach(function (box) {
          var n = base.andCount(facets[facet](box.value));
          var label = box.parentNode, count = label.querySelector("[data-count]");
          count.textContent = n;
          label.setAttribute("data-count-value", n);
          box.disabled = n === 0 && !box.checked;
          label.classList.toggle("cb-facet--empty", box.disabled);
        });
      });
      this.toForm(s);
      var total = this.ids.length;
      root.querySelector("#cb-total").textContent =
        total + " of " + this.n + " " + (this.n === 1 ? "case" : "cases");
      root.querySelector("#cb-link").href = location.href;
      root.querySelector("#cb-csv").disabled = total === 0;
    }
    var list = root.querySelector("#cb-list"), base = root.getAttribute("data-root");
    list.textContent = "";
    this.ids.slice(0, this.shown).forEach(function (i) {
      var c = self.data.cases[i];
      var li = el("li", { "class": "cb-item", "data-case-id": c[0] });
      var a = el("a", { "class": "cb-item__title", href: base + "cases/" + c[0] + "/" }, c[1]);
      li.appendChild(a);
      if (c[2]) li.appendChild(el("span", { "class": "cb-muted" }, " (" + c[2] + ")"));
      var end = c[6] === null ? "ongoing" : c[6];
      var period = c[5] === c[6] ? String(c[5]) : c[5] + "–" + end;
      li.appendChild(el("div", { "class": "cb-item__meta" },
        self.data.countries[c[3]].name + " · " + c[4] + " · " + period));
      li.appendChild(el("div", { "class": "cb-shared" },
        c[7].map(function (k) { return self.data.keywords[k].label; }).join(", ")));
      list.appendChild(li);
    });
    var more = root.querySelector("#cb-more");
    more.hidden = this.ids.length <= this.shown;
    more.textContent = "Show " + Math.min(PAGE, this.ids.length - this.shown) + " more";
  };

  /* The rows of the published cases.csv whose id is in the view, byte for byte. */
  Explorer.prototype.downloadCsv = function () {
    var self = this, wanted = {};
    this.ids.forEach(function (i) { wanted[self.data.cases[i][0]] = true; });
    fetch(this.root.getAttribute("data-csv")).then(function (r) { return r.text(); }).then(function (text) {
      text = text.replace(/^\ufeff/, "");
      var out = [], start = 0, quoted = false, i, first = null;
      for (i = 0; i <= text.length; i++) {
        var ch = text[i];
        if (ch === '"') quoted = !quoted;
        else if (!quoted && ch === "," && first === null) first = text.slice(start, i);
        else if (!quoted && (ch === "\n" || i === text.length)) {
          var record = text.slice(start, i + 1);
          if (record.trim() && (out.length === 0 || wanted[first])) out.push(record);
          start = i + 1; first = null;
        }
      }
      var blob = new Blob(["\ufeff" + out.join("")], { type: "text/csv;charset=utf-8" });
      var link = el("a", { href: URL.createObjectURL(blob), download: "casebook-cases.csv" });
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  };

  function setupExplorer() {
    var root = document.getElementById("cb-explore");
    if (!root) return;
    fetch(root.getAttribute("data-src")).then(function (r) { return r.json(); }).then(function (data) {
      var explorer = new Explorer(root, data);
      root.hidden = false;
      root.parentNode.querySelectorAll(".cb-explore-nojs").forEach(function (n) { n.hidden = true; });
      explorer.apply(readState(location.search));
      var onPop = function () {
        if (!document.body.contains(root)) { window.removeEventListener("popstate", onPop); return; }
        explorer.apply(readState(location.search));
      };
      window.addEventListener("popstate", onPop);
    });
  }

  /* ---- site search (Pagefind) in Material's search box ---- */
  function excerpt(html) {
    // Pagefind's excerpt is HTML with <mark> around hits: keep only its text and the marks.
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var out = document.createDocumentFragment();
    doc.body.firstChild.childNodes.forEach(function (node) {
      out.appendChild(node.nodeName === "MARK" ? el("mark", {}, node.textContent) : document.createTextNode(node.textContent));
    });
    return out;
  }

  var searchKeys = false;
  function setupSearch() {
    var box = document.querySelector(".cb-search"), toggle = document.getElementById("__search");
    if (!box || !toggle || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    var input = box.querySelector("input"), meta = box.querySelector(".md-search-result__meta");
    var list = box.querySelector(".md-search-result__list"), seq = 0, loading = null;
    var bundle = new URL(box.getAttribute("data-pagefind"), location.href);
    function load() {
      if (!loading) {
        loading = import(bundle.href).then(function (pf) {
          var base = bundle.pathname.replace(/pagefind\/pagefind\.js$/, "");
          pf.options({ baseUrl: base });
          // Large libraries are indexed in several bundles: merge the others into this one.
          var others = (box.getAttribute("data-merge") || "").split(" ").filter(Boolean);
          return Promise.all(others.map(function (path) {
            return pf.mergeIndex(new URL(path, location.href).href, { baseUrl: base });
          })).then(function () { return pf; });
        });
      }
      return loading;
    }
    function run() {
      var query = input.value.trim(), mine = ++seq;
      if (!query) { meta.textContent = "Type to search the cases"; list.textContent = ""; return; }
      load().then(function (pf) { return pf.search(query); }).then(function (search) {
        if (mine !== seq) return null;
        var n = search.results.length;
        meta.textContent = n === 0 ? "No matching cases" : n + (n === 1 ? " matching case" : " matching cases");
        return Promise.all(search.results.slice(0, 10).map(function (r) { return r.data(); }));
      }, function () {
        meta.textContent = "Search is not available";
        return null;
      }).then(function (results) {
        if (!results || mine !== seq) return;
        list.textContent = "";
        results.forEach(function (r) {
          var li = el("li", { "class": "md-search-result__item" });
          var a = el("a", { "class": "md-search-result__link", href: r.url });
          var article = el("article", { "class": "md-search-result__article md-typeset" });
          article.appendChild(el("h1", {}, r.meta.title || r.url));
          var p = el("p");
          p.appendChild(excerpt(r.excerpt || ""));
          article.appendChild(p);
          a.appendChild(article);
          li.appendChild(a);
          list.appendChild(li);
        });
      });
    }
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
    toggle.addEventListener("change", function () { if (toggle.checked) { load(); input.focus(); } });
    input.addEventListener("focus", function () { toggle.checked = true; load(); });
    box.querySelector("form").addEventListener("submit", function (e) {
      e.preventDefault();
      var first = list.querySelector("a");
      if (first) first.click();
    });
    if (!searchKeys) {
      searchKeys = true;
      document.addEventListener("keydown", function (e) {
        var t = document.getElementById("__search"), field = document.querySelector(".cb-search input");
        if (!t || !field) return;
        var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
        if (e.key === "Escape" && t.checked) { t.checked = false; field.blur(); }
        else if ((e.key === "/" || e.key === "s") && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
          e.preventDefault(); t.checked = true; load(); field.focus();
        }
      });
    }
  }

  function init() { setupCopy(); setupDownloads(); setupExplorer(); setupSearch(); }
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
