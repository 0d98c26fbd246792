/* Casebook: the case explorer (/explore/), filled in from data/explorer.json.
 * Mounted on every page load (document$); does nothing on other pages.
 * hooks/casebook/facets.py holds the reference semantics of the filters, the
 * numbers beside the choices, the text matching and the "matched keyword"
 * lines; the browser tests check this file against it. The library's own
 * facets (data.fields, from its contract) are ticked like countries (one-of,
 * several-of, boolean: yes/no) or filtered by a from/to range (year, integer).
 * When no case matches, the page says so and offers the closest names (did-you-mean, by
 * casebook.suggestions of suggest.js, the search box's rule), a search of the whole text
 * and the ways to browse. The list downloads as CSV and as a semicolon CSV for Excel.
 * Text is always set with textContent. */
(function () {
  "use strict";

  var cb = window.casebook, el = cb.el, distance = cb.distance;
  var PAGE = 50; // results shown at a time
  var WORD = /[\p{L}\p{N}]+/gu; // a word: as facets.words
  var LANGUAGES = { sv: "Swedish", da: "Danish", nb: "Norwegian", alias: "also called" };
  var LANG_ATTR = { sv: "sv", da: "da", nb: "nb" };
  var FACETS = ["keyword", "group", "country"];
  var TYPED = { q: true, from: true, to: true };
  var RANGE = { year: true, integer: true }; // the kinds of own facet filtered by a range
  var BOUNDS = { from: "from", min: "from", to: "to", max: "to" }; // <field>_from, <field>_to in the address
  var PARAMS = { keyword: "keyword", keywords: "keyword", group: "group", groups: "group",
                 country: "country", countries: "country", match: "match", from: "from", to: "to", q: "q",
                 view: "view" };
  var SHOWN_KEY = "casebook-explore-shown";

  /* ---- words, as facets.words / facets.word_text ---- */
  function words(text) { return cb.fold(text || "").match(WORD) || []; }
  function wordText(text) { return words(text).map(function (w) { return " " + w; }).join(""); }
  function hasWord(text, word) { return text.indexOf(" " + word) >= 0; }

  /* Whole numbers for readers: 450000 -> "450,000" (as contract.Field.shown). */
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function plural(n, one) { return n + " " + one + (n === 1 ? "" : "s"); }

  /* The records of a CSV text as Python's csv module writes it (RFC 4180: quoted cells may hold
   * commas, quotes doubled, line breaks): [{cells: [text], text: the record as written, with
   * its line end}]. */
  function csvRecords(text) {
    var out = [], cells = [], cell = "", quoted = false, start = 0, i;
    for (i = 0; i < text.length; i++) {
      var ch = text[i];
      if (quoted) {
        if (ch !== '"') cell += ch;
        else if (text[i + 1] === '"') { cell += '"'; i++; }
        else quoted = false;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { cells.push(cell); cell = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        cells.push(cell);
        out.push({ cells: cells, text: text.slice(start, i + 1) });
        cells = []; cell = ""; start = i + 1;
      } else cell += ch;
    }
    if (start < text.length) { cells.push(cell); out.push({ cells: cells, text: text.slice(start) }); }
    return out;
  }

  /* A cell of the semicolon CSV: quoted when it holds a semicolon, a quote or a line break. */
  function semicolonCell(cell) { return /[;"\r\n]/.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell; }

  /* A bound of a range facet, as typed or in the address, or null: a year has four digits, an
   * integer may be written with spaces, commas or underscores between its digits. */
  function bound(value, kind) {
    var v = kind === "year" ? value : value.replace(/[\s,_']/g, "");
    if (!(kind === "year" ? /^\d{4}$/ : /^-?\d{1,15}$/).test(v)) return null;
    return parseInt(v, 10);
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
  Bits.prototype.has = function (i) { return ((this.w[i >>> 5] >>> (i & 31)) & 1) === 1; };
  Bits.prototype.andCount = function (o) { return this.copy().and(o).count(); };
  Bits.prototype.indexes = function () {
    var out = [];
    for (var i = 0; i < this.w.length; i++) {
      var v = this.w[i];
      while (v) { var b = v & -v; out.push(i * 32 + 31 - Math.clz32(b)); v ^= b; }
    }
    return out;
  };

  /* ---- the view state -> the URL query (the canonical address) ---- */

  /* A view: the built-in facets, and `field` (the ticked values of each own ticked facet) and
   * `range` ({from, to} of each own range facet), by field name. */
  function emptyState(fields) {
    var s = { keyword: [], match: "all", group: [], country: [], from: null, to: null, q: "", field: {}, range: {},
              view: "list" };
    (fields || []).forEach(function (f) {
      if (f.range) s.range[f.name] = { from: null, to: null };
      else s.field[f.name] = [];
    });
    return s;
  }

  /* The values ticked in a view for a facet ("keyword", "group", "country" or an own facet's key). */
  function ticked(s, facet) { return facet.indexOf("f:") === 0 ? s.field[facet.slice(2)] : s[facet]; }

  function writeState(s, fields) {
    var p = new URLSearchParams();
    if (s.view === "map") p.set("view", "map");
    s.keyword.forEach(function (v) { p.append("keyword", v); });
    if (s.match === "any") p.set("match", "any");
    s.group.forEach(function (v) { p.append("group", v); });
    s.country.forEach(function (v) { p.append("country", v); });
    (fields || []).forEach(function (f) { // the contract's order
      if (!f.range) { s.field[f.name].forEach(function (v) { p.append(f.name, v); }); return; }
      var r = s.range[f.name];
      if (r.from !== null) p.set(f.name + "_from", r.from);
      if (r.to !== null) p.set(f.name + "_to", r.to);
    });
    if (s.from !== null) p.set("from", s.from);
    if (s.to !== null) p.set("to", s.to);
    if (s.q) p.set("q", s.q);
    var query = p.toString();
    return query ? "?" + query : "";
  }

  /* ---- the explorer ---- */
  function Explorer(root, data) {
    var self = this;
    this.root = root;
    this.data = data;
    this.n = data.cases.length;
    this.text = null;
    this.shown = PAGE;
    this.unknown = [];
    this.index = { keyword: {}, group: {}, country: {} };
    data.keywords.forEach(function (k, i) { self.index.keyword[k.id] = i; });
    data.groups.forEach(function (g, i) { self.index.group[g.id] = i; });
    data.countries.forEach(function (c, i) { self.index.country[c.code] = i; });
    this.bits = {
      keyword: data.keywords.map(function () { return new Bits(self.n); }),
      group: data.groups.map(function () { return new Bits(self.n); }),
      country: data.countries.map(function () { return new Bits(self.n); })
    };
    data.cases.forEach(function (c, i) {
      self.bits.country[c[3]].set(i);
      c[7].forEach(function (k) {
        self.bits.keyword[k].set(i);
        self.bits.group[data.keywords[k].group].set(i);
      });
    });
    this.all = new Bits(this.n).fill();
    this.fields = (data.fields || []).map(function (f, fi) { return self.ownFacet(f, fi); });
    this.maskKeys = FACETS.concat(this.fields.map(function (f) { return f.key; }));
    this.names = data.keywords.map(keywordNames);
    this.vocabulary = this.buildVocabulary();
    this.wordCache = {};
    this.buildForm();
  }

  /* One of the library's own facets (an entry of data.fields, the fi-th value of each case):
   * a range facet keeps each case's number and the cases without one; a ticked facet the
   * cases with each of its values. */
  Explorer.prototype.ownFacet = function (f, fi) {
    var n = this.n, cases = this.data.cases;
    var out = { name: f.name, kind: f.kind, label: f.label, unit: f.unit || "", min: f.min, max: f.max,
                values: f.values || [], range: RANGE[f.kind] === true, key: "f:" + f.name, index: {} };
    if (out.range) {
      out.numbers = cases.map(function (c) { return c[8][fi]; });
      out.none = new Bits(n);
      out.numbers.forEach(function (v, i) { if (v === null) out.none.set(i); });
      var given = out.numbers.filter(function (v) { return v !== null; });
      out.lowest = given.length ? Math.min.apply(null, given) : null;
      out.highest = given.length ? Math.max.apply(null, given) : null;
      return out;
    }
    out.bits = out.values.map(function (v, i) { out.index[v.value] = i; return new Bits(n); });
    cases.forEach(function (c, i) { c[8][fi].forEach(function (v) { out.bits[v].set(i); }); });
    return out;
  };

  /* A case's value of an own facet as readers see it (contract.Field.shown): '' for none. */
  function shownValue(f, v) {
    if (f.range) return v === null ? "" : f.kind === "year" ? String(v) : grouped(v) + (f.unit ? " " + f.unit : "");
    return v.map(function (i) { return f.values[i].label; }).join(", ");
  }

  /* Every name of a keyword, as facets.keyword_names: English label, sv/da/nb labels, aliases. */
  function keywordNames(k) {
    var names = [["en", k.label]];
    ["sv", "da", "nb"].forEach(function (lang) { if (k.labels && k.labels[lang]) names.push([lang, k.labels[lang]]); });
    (k.aliases || []).forEach(function (a) { names.push(["alias", a]); });
    return names.map(function (n) { return { lang: n[0], name: n[1], key: wordText(n[1]) }; });
  }

  /* The terms an address may use for each facet value: its id, label, names, country names. */
  Explorer.prototype.buildVocabulary = function () {
    var self = this, vocabulary = { keyword: [], group: [], country: [] };
    function add(facet, id, label, term) {
      var key = wordText(term);
      if (key) vocabulary[facet].push({ id: id, label: label, key: key });
    }
    this.data.keywords.forEach(function (k, i) {
      add("keyword", k.id, k.label, k.id);
      self.names[i].forEach(function (n) { add("keyword", k.id, k.label, n.name); });
    });
    this.data.groups.forEach(function (g) { add("group", g.id, g.label, g.id); add("group", g.id, g.label, g.label); });
    this.data.countries.forEach(function (c) {
      [c.code, c.name, c.native].forEach(function (t) { if (t) add("country", c.code, c.name, t); });
    });
    var SAME = { yes: ["true"], no: ["false"] }; // a boolean's values, also as YAML writes them
    this.fields.forEach(function (f) {
      if (f.range) return;
      vocabulary[f.key] = [];
      f.values.forEach(function (v) {
        [v.value, v.label].concat(f.kind === "boolean" ? SAME[v.value] : []).forEach(function (t) {
          add(f.key, v.value, f.label + ": " + v.label, t);
        });
      });
    });
    return vocabulary;
  };

  /* The own facet an address's parameter names (its name or label, in any case, with spaces,
   * hyphens or underscores; a range facet's with _from or _to), as {field, bound}, or null. */
  Explorer.prototype.ownParam = function (rawName) {
    var key = wordText(rawName), found = null;
    this.fields.some(function (f) {
      [f.name, f.label].some(function (term) {
        var base = wordText(term);
        if (!f.range && key === base) found = { field: f, bound: null };
        Object.keys(BOUNDS).forEach(function (b) {
          if (f.range && key === base + " " + b) found = { field: f, bound: BOUNDS[b] };
        });
        return found !== null;
      });
      return found !== null;
    });
    return found;
  };

  /* The value an address names (id, label or name in any language, any case), or null. */
  Explorer.prototype.resolve = function (facet, value) {
    var key = wordText(value), found = null;
    this.vocabulary[facet].some(function (t) { if (t.key === key) { found = t.id; } return found !== null; });
    return found;
  };

  /* One clear nearest value for a misspelt or partial one, or null: the only value with a
   * term whose words begin with the given words, else the only value at the least edit
   * distance (at most one edit per four letters). */
  Explorer.prototype.suggest = function (facet, value) {
    var key = wordText(value), given = words(value), terms = this.vocabulary[facet];
    if (!given.length) return null;
    function only(list) {
      var ids = list.map(function (t) { return t.id; }).filter(function (id, i, all) { return all.indexOf(id) === i; });
      return ids.length === 1 ? list[0] : null;
    }
    var prefix = only(terms.filter(function (t) { return given.every(function (w) { return hasWord(t.key, w); }); }));
    if (prefix) return prefix;
    var best = [], least = Infinity;
    terms.forEach(function (t) {
      var d = distance(key, t.key);
      if (d < least) { least = d; best = [t]; } else if (d === least) best.push(t);
    });
    return least <= Math.max(1, Math.floor(key.length / 4)) ? only(best) : null;
  };

  /* The view in an address, read leniently: parameter names in any case (and plural), values
   * by id, label or name in any language; what is not recognised is listed in `unknown`. */
  Explorer.prototype.readAddress = function (search) {
    var self = this, s = emptyState(this.fields), unknown = [];
    new URLSearchParams(search).forEach(function (raw, rawName) {
      var name = PARAMS[rawName.trim().toLowerCase()], value = raw.trim();
      var own = name ? null : self.ownParam(rawName);
      if (!name && !own) { unknown.push({ text: rawName + "=" + raw }); return; }
      if (!value) return;
      if (own && own.bound) {
        var n = bound(value, own.field.kind);
        if (n === null) unknown.push({ text: rawName + "=" + raw });
        else s.range[own.field.name][own.bound] = n;
        return;
      }
      if (own) name = own.field.key;
      if (name === "q") { s.q = s.q ? s.q + " " + value : value; return; }
      if (name === "view") {
        if (/^(list|map)$/i.test(value)) s.view = value.toLowerCase();
        else unknown.push({ text: rawName + "=" + raw });
        return;
      }
      if (name === "match") {
        if (/^(all|any)$/i.test(value)) s.match = value.toLowerCase();
        else unknown.push({ text: rawName + "=" + raw });
        return;
      }
      if (name === "from" || name === "to") {
        if (/^\d{4}$/.test(value)) s[name] = parseInt(value, 10);
        else unknown.push({ text: rawName + "=" + raw });
        return;
      }
      var id = self.resolve(name, value), parts = value.split(",");
      var ids = id !== null ? [id] : parts.length > 1 ? parts.map(function (p) { return self.resolve(name, p); }) : [null];
      if (ids.indexOf(null) >= 0) {
        unknown.push({ text: rawName + "=" + raw, facet: name, suggestion: self.suggest(name, value) });
        return;
      }
      var list = ticked(s, name);
      ids.forEach(function (v) { if (list.indexOf(v) < 0) list.push(v); });
    });
    return { state: s, unknown: unknown };
  };

  /* ---- matching ---- */
  Explorer.prototype.periodBits = function (s) {
    var out = new Bits(this.n), cases = this.data.cases;
    for (var i = 0; i < this.n; i++) {
      if (s.to !== null && cases[i][5] > s.to) continue;
      if (s.from !== null && cases[i][6] !== null && cases[i][6] < s.from) continue;
      out.set(i);
    }
    return out;
  };

  /* The cases an own range facet keeps (facets.in_range): with a value inside the bounds, or
   * every case while neither bound is set. */
  Explorer.prototype.rangeBits = function (f, r) {
    if (r.from === null && r.to === null) return this.all.copy();
    var out = new Bits(this.n);
    f.numbers.forEach(function (v, i) {
      if (v !== null && (r.from === null || v >= r.from) && (r.to === null || v <= r.to)) out.set(i);
    });
    return out;
  };

  /* The cases with any of the ticked values of an own ticked facet (all while none is ticked). */
  Explorer.prototype.fieldBits = function (f, values) {
    if (!values.length) return this.all.copy();
    var out = new Bits(this.n);
    values.forEach(function (v) { out.or(f.bits[f.index[v]]); });
    return out;
  };

  /* The cases a query word finds: in their own text, or in a name of one of their keywords. */
  Explorer.prototype.wordBits = function (word) {
    if (this.wordCache[word]) return this.wordCache[word];
    var out = new Bits(this.n), self = this;
    for (var i = 0; i < this.n; i++) if (hasWord(this.text[i], word)) out.set(i);
    this.names.forEach(function (names, k) {
      if (names.some(function (n) { return hasWord(n.key, word); })) out.or(self.bits.keyword[k]);
    });
    if (Object.keys(this.wordCache).length > 200) this.wordCache = {}; // typing makes many prefixes
    this.wordCache[word] = out;
    return out;
  };

  Explorer.prototype.keywordBits = function (ids, match) {
    var self = this;
    if (!ids.length) return this.all.copy();
    var out = match === "all" ? this.all.copy() : new Bits(this.n);
    ids.forEach(function (id) { out[match === "all" ? "and" : "or"](self.bits.keyword[self.index.keyword[id]]); });
    return out;
  };

  Explorer.prototype.anyOf = function (facet, ids) {
    var self = this;
    if (!ids.length) return this.all.copy();
    var out = new Bits(this.n);
    ids.forEach(function (id) { out.or(self.bits[facet][self.index[facet][id]]); });
    return out;
  };

  /* Bits of each facet's filter and of the rest (period, words), so each facet's counts can be computed. */
  Explorer.prototype.masks = function (s) {
    var self = this, other = this.periodBits(s);
    words(s.q).forEach(function (w) { other.and(self.wordBits(w)); });
    var m = {
      keyword: this.keywordBits(s.keyword, s.match),
      group: this.anyOf("group", s.group),
      country: this.anyOf("country", s.country),
      other: other
    };
    this.fields.forEach(function (f) {
      m[f.key] = f.range ? self.rangeBits(f, s.range[f.name]) : self.fieldBits(f, s.field[f.name]);
    });
    return m;
  };

  Explorer.prototype.without = function (m, except) {
    var out = m.other.copy();
    this.maskKeys.forEach(function (f) { if (f !== except) out.and(m[f]); });
    return out;
  };

  /* Why case i matched through its keywords, as facets.why: the words not in its own text are
   * explained greedily by the keyword name that has the most of them (ties: the case's keyword
   * order), with every name of that keyword that has as many. [{keyword, names: [{lang, name}]}]. */
  Explorer.prototype.why = function (i, ws) {
    var own = this.text ? this.text[i] : "", self = this, out = [], byKeyword = {};
    var missing = ws.filter(function (w, j) { return ws.indexOf(w) === j && !hasWord(own, w); });
    var scored = [];
    this.data.cases[i][7].forEach(function (k) {
      self.names[k].forEach(function (n) { scored.push({ keyword: k, name: n }); });
    });
    while (missing.length) {
      scored.forEach(function (s) { s.score = missing.filter(function (w) { return hasWord(s.name.key, w); }).length; });
      var best = Math.max.apply(null, scored.map(function (s) { return s.score; }).concat([0]));
      if (!best) break;
      var k = scored.filter(function (s) { return s.score === best; })[0].keyword;
      var chosen = scored.filter(function (s) { return s.keyword === k && s.score === best; });
      if (!byKeyword[k]) { byKeyword[k] = { keyword: k, names: [] }; out.push(byKeyword[k]); }
      chosen.forEach(function (s) { byKeyword[k].names.push(s.name); });
      missing = missing.filter(function (w) { return !chosen.some(function (s) { return hasWord(s.name.key, w); }); });
    }
    return out;
  };

  /* ---- the form ---- */
  Explorer.prototype.buildForm = function () {
    var self = this, form = this.root.querySelector("form"), data = this.data;
    this.form = form;
    function boxes(container, name, items, field) {
      return items.map(function (item) {
        var label = el("label", { "class": "cb-facet" }), attrs = { type: "checkbox", name: name, value: item.value };
        if (field) attrs["data-field"] = field;
        var box = label.appendChild(el("input", attrs));
        label.appendChild(el("span", { "class": "cb-facet__label" }, item.label));
        var count = el("span", { "class": "cb-facet__count", "data-count": "" });
        label.appendChild(count);
        container.appendChild(label);
        return box;
      });
    }
    boxes(form.querySelector("[data-facet=country]"), "country",
          data.countries.map(function (c) { return { value: c.code, label: c.name }; }));
    boxes(form.querySelector("[data-facet=group]"), "group",
          data.groups.map(function (g) { return { value: g.id, label: g.label }; }));
    var kwBox = form.querySelector("[data-facet=keyword]");
    data.groups.forEach(function (g, gi) {
      var details = el("details", { "class": "cb-kwgroup" });
      details.appendChild(el("summary", {}, g.label));
      var items = data.keyword_order.map(function (i) { return data.keywords[i]; })  // the library's collation
        .filter(function (k) { return k.group === gi; })
        .map(function (k) { return { value: k.id, label: k.label }; });
      boxes(details, "keyword", items);
      kwBox.appendChild(details);
    });
    var before = form.querySelector("[data-facet=group]"); // own facets: after the country, in the contract's order
    this.fields.forEach(function (f) {
      var set = f.range ? self.rangeSet(f) : el("fieldset", { "data-facet": f.key });
      if (!f.range) {
        set.appendChild(el("legend", {}, f.label));
        if (f.kind === "several-of") set.lastChild.appendChild(el("span", { "class": "cb-muted" }, " (cases with any ticked)"));
        f.boxes = boxes(set, "field-" + f.name, f.values, f.name);
      }
      form.insertBefore(set, before);
    });
    this.listen();
  };

  /* "Budget (EUR)  From [ ] to [ ]", what the cases give, and how many give nothing. */
  Explorer.prototype.rangeSet = function (f) {
    var set = el("fieldset", { "class": "cb-period cb-range", "data-facet": f.key }), id = "cb-field-" + f.name;
    set.appendChild(el("legend", {}, f.label + (f.unit ? " (" + f.unit + ")" : "")));
    f.inputs = {};
    [["from", "From"], ["to", "to"]].forEach(function (b) {
      var pair = set.appendChild(el("span", { "class": "cb-range__bound" })); // a label wraps with its input
      pair.appendChild(el("label", { "for": id + "-" + b[0] }, b[1]));
      var attrs = { id: id + "-" + b[0], name: "field-" + f.name + "-" + b[0], type: "number", step: "1",
                    "data-field": f.name, "data-bound": b[0], "aria-describedby": id + "-hint" };
      if (f.min !== undefined) attrs.min = f.min;
      if (f.max !== undefined) attrs.max = f.max;
      if (f.min !== undefined && f.min >= 0) attrs.inputmode = "numeric";
      f.inputs[b[0]] = pair.appendChild(el("input", attrs));
    });
    var hint = set.appendChild(el("p", { "class": "cb-hint cb-range__hint", id: id + "-hint" }));
    if (f.lowest !== null) {
      var unit = f.unit ? " " + f.unit : "", shown = f.kind === "year" ? String : grouped;
      var span = f.lowest === f.highest ? shown(f.lowest) : shown(f.lowest) + " to " + shown(f.highest);
      hint.appendChild(el("span", {}, "In the cases: " + span + unit + ". "));
    }
    f.missing = hint.appendChild(el("span", { "data-missing": "" }));
    return set;
  };

  Explorer.prototype.listen = function () {
    var self = this, form = this.form, root = this.root;
    var typed = function (box) { return TYPED[box.name] || box.hasAttribute("data-bound"); };
    form.addEventListener("change", function (e) {
      if (!typed(e.target)) self.commit(self.fromForm(), "push");
    });
    form.addEventListener("input", function (e) {
      if (!typed(e.target)) return;
      clearTimeout(self.typing);
      self.typing = setTimeout(function () { self.commit(self.fromForm(), "type"); }, 250);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(self.typing);
      self.commit(self.fromForm(), "type");
      var heading = root.querySelector("#cb-results-title");
      if (heading.getBoundingClientRect().top > window.innerHeight) heading.focus();
    });
    form.addEventListener("reset", function () {
      clearTimeout(self.typing);
      setTimeout(function () { self.commit(self.fromForm(), "push"); }, 0);
    });
    root.querySelector("#cb-more").addEventListener("click", function () { self.showMore(); });
    this.listenMap();
    root.querySelectorAll("[data-download]").forEach(function (button) {
      button.addEventListener("click", function () { self.download(button.getAttribute("data-download")); });
    });
    root.querySelector("#cb-link").addEventListener("click", function (e) { self.copyLink(e); });
    root.querySelector("#cb-jump").addEventListener("click", function (e) {
      e.preventDefault();
      e.stopPropagation(); // not Material's instant navigation: it would push the address the link was resolved against
      root.querySelector("#cb-results-title").focus();
    });
    root.querySelector("#cb-list").addEventListener("click", keepPlace);
    root.addEventListener("click", function (e) { // links to another view of the explorer ("did you mean")
      var a = e.target.closest ? e.target.closest("a[data-view], a[data-search]") : null;
      if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      if (a.hasAttribute("data-search")) { // the site search, opened here with the words
        if (cb.openSearch && cb.openSearch(a.getAttribute("data-search"))) e.preventDefault();
        return;
      }
      e.preventDefault();
      e.stopPropagation();
      var s = self.readAddress(new URL(a.href).search).state;
      self.toForm(s);
      self.commit(s, "push");
    });
  };

  /* Leaving for a case: keep the place now (case pages load in full, not by instant
   * navigation, and Material records the offset only 100 ms after scrolling stops). */
  function keepPlace(e) {
    if (e.target.closest && e.target.closest("a")) {
      history.replaceState(Object.assign({}, history.state, { x: window.scrollX, y: window.scrollY }), "");
    }
  }

  /* List | Map (one history entry each switch), the markers that open a list, links to cases. */
  Explorer.prototype.listenMap = function () {
    var self = this, root = this.root;
    root.querySelectorAll("[data-show]").forEach(function (button) {
      button.addEventListener("click", function () {
        var view = button.getAttribute("data-show");
        if (view !== self.state.view) self.commit(Object.assign({}, self.state, { view: view }), "push");
      });
    });
    root.querySelector("#cb-map").addEventListener("click", function (e) {
      var marker = e.target.closest ? e.target.closest("button[data-places]") : null;
      // A click the keyboard made (detail 0) is never the end of a drag: moved() stays true from
      // the last mouse drag until the next press on the map.
      var dragged = e.detail !== 0 && self.map && self.map.leaflet.dragging && self.map.leaflet.dragging.moved();
      if (marker && !dragged) self.openPlace(marker.getAttribute("data-key"), true);
      keepPlace(e);
    });
    root.querySelector("#cb-map").addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || !self.map || self.openKey === null || self.openKey === undefined) return;
      e.preventDefault();
      self.root.querySelector("#cb-map-place .cb-map__close").click();
    });
  };

  Explorer.prototype.fromForm = function () {
    var f = this.form, year = function (v) { return /^\d{4}$/.test(v) ? parseInt(v, 10) : null; };
    var checked = function (name) {
      return Array.prototype.map.call(f.querySelectorAll("input[name=" + name + "]:checked"), function (b) { return b.value; });
    };
    var previous = this.state || emptyState(this.fields);
    var keep = function (old, now) { // keep the order in which values were chosen
      return old.filter(function (v) { return now.indexOf(v) >= 0; })
        .concat(now.filter(function (v) { return old.indexOf(v) < 0; }));
    };
    var s = {
      keyword: keep(previous.keyword, checked("keyword")),
      match: f.querySelector("input[name=match]:checked").value,
      group: keep(previous.group, checked("group")),
      country: keep(previous.country, checked("country")),
      from: year(f.elements.from.value.trim()), to: year(f.elements.to.value.trim()), q: f.elements.q.value.trim(),
      field: {}, range: {}, view: previous.view
    };
    this.fields.forEach(function (o) {
      if (o.range) {
        s.range[o.name] = { from: bound(o.inputs.from.value.trim(), o.kind), to: bound(o.inputs.to.value.trim(), o.kind) };
      } else {
        s.field[o.name] = keep(previous.field[o.name], checked("field-" + o.name));
      }
    });
    return s;
  };

  /* The form as the state says (after reading an address; typing is never overwritten). */
  Explorer.prototype.toForm = function (s) {
    var f = this.form;
    f.querySelectorAll("input[type=checkbox]").forEach(function (b) {
      var field = b.getAttribute("data-field");
      b.checked = ((field ? s.field[field] : s[b.name]) || []).indexOf(b.value) >= 0;
    });
    this.fields.forEach(function (o) {
      if (!o.range) return;
      ["from", "to"].forEach(function (b) { o.inputs[b].value = s.range[o.name][b] === null ? "" : s.range[o.name][b]; });
    });
    f.querySelector("input[name=match][value=" + s.match + "]").checked = true;
    f.elements.from.value = s.from === null ? "" : s.from;
    f.elements.to.value = s.to === null ? "" : s.to;
    f.elements.q.value = s.q;
    f.querySelectorAll("details.cb-kwgroup").forEach(function (d) {
      if (d.querySelector("input:checked")) d.open = true;
    });
  };

  /* ---- the address and the history ---- */

  /* A change made in the form: one history entry per discrete change (box, radio, reset,
   * suggestion); typing (words, years) makes one entry and then replaces it. */
  Explorer.prototype.commit = function (s, how) {
    var query = writeState(s, this.fields);
    if (query !== location.search) {
      if (how === "type" && this.typingEntry) history.replaceState(history.state, "", location.pathname + query);
      else history.pushState(null, "", location.pathname + query);
      this.typingEntry = how === "type";
    } else if (how !== "type") {
      this.typingEntry = false;
    }
    this.unknown = [];
    this.root.querySelector("#cb-copied").textContent = "";
    this.apply(s);
  };

  /* Show the view in the address (on load and on Back/Forward); `done` runs once it is shown. */
  Explorer.prototype.load = function (done) {
    var read = this.readAddress(location.search), canonical = writeState(read.state, this.fields);
    if (canonical !== location.search) history.replaceState(history.state, "", location.pathname + canonical + location.hash);
    this.typingEntry = false;
    this.unknown = read.unknown;
    this.toForm(read.state);
    this.apply(read.state, done);
  };

  Explorer.prototype.apply = function (s, done) {
    var self = this;
    this.state = s;
    this.shown = this.restoreShown || PAGE;
    this.restoreShown = 0;
    if (words(s.q).length && !this.text) {
      this.root.setAttribute("aria-busy", "true");
      this.loadText().then(function () {
        if (self.state !== s) return;
        self.render();
        self.whenShown(done);
      });
      return;
    }
    this.render();
    this.whenShown(done);
  };

  /* Run `done` once the view is drawn: at once, or when the map's data has come. */
  Explorer.prototype.whenShown = function (done) {
    if (!done) return;
    if (this.state.view === "map" && !this.map && this.mapLoading) this.mapLoading.then(done, done);
    else done();
  };

  Explorer.prototype.loadText = function () {
    var self = this;
    if (!this.textLoading) {
      this.textLoading = fetch(this.root.getAttribute("data-text"))
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (text) { self.text = text.map(function (t) { return " " + t; }); })
        .catch(function () {
          self.textLoading = null;
          self.root.removeAttribute("aria-busy");
          self.root.querySelector("#cb-total").textContent = "The text to search could not be loaded: try again.";
          return new Promise(function () {}); // never shows a result without its words
        });
    }
    return this.textLoading;
  };

  /* ---- rendering: the count and the list always together ---- */
  Explorer.prototype.render = function () {
    var s = this.state, root = this.root, self = this;
    var m = this.masks(s), result = this.without(m, null);
    this.ids = result.indexes();
    this.result = result;
    this.renderCounts(m, result);
    var total = this.ids.length + " of " + this.n + " " + (this.n === 1 ? "case" : "cases");
    root.querySelector("#cb-total").textContent = total;
    root.querySelector("#cb-bar-total").textContent = total;
    root.querySelector("#cb-link").href = location.href;
    root.querySelectorAll("[data-download]").forEach(function (b) { b.disabled = self.ids.length === 0; });
    root.querySelector(".cb-downloads").hidden = this.ids.length === 0;
    this.renderNotice();
    this.renderEmpty();
    this.renderList();
    this.renderView();
    root.removeAttribute("aria-busy");
  };

  /* The number beside each choice (facets.counts): the cases with it that the list shows
   * when it is ticked. Any-of facets: the cases with it among those matching the other
   * facets; keywords with match=all: the cases of the result that have it. */
  Explorer.prototype.renderCounts = function (m, result) {
    var self = this, s = this.state;
    function show(box, n) {
      var label = box.parentNode, count = label.querySelector("[data-count]");
      count.textContent = n;
      count.appendChild(el("span", { "class": "cb-sr" }, n === 1 ? " case" : " cases"));
      label.setAttribute("data-count-value", n);
      box.disabled = n === 0 && !box.checked;
      label.classList.toggle("cb-facet--empty", box.disabled);
    }
    FACETS.forEach(function (facet) {
      var base = facet === "keyword" && s.match !== "any" ? result : self.without(m, facet);
      self.form.querySelectorAll("input[name=" + facet + "]").forEach(function (box) {
        show(box, base.andCount(self.bits[facet][self.index[facet][box.value]]));
      });
    });
    this.fields.forEach(function (f) {
      var base = self.without(m, f.key);
      if (!f.range) { f.boxes.forEach(function (box, i) { show(box, base.andCount(f.bits[i])); }); return; }
      self.renderMissing(f, base.andCount(f.none), s.range[f.name]);
    });
  };

  /* How many cases the rest of the view has without a value of a range facet (facets.counts'
   * "missing"): the ones a bound leaves out. */
  Explorer.prototype.renderMissing = function (f, n, r) {
    var bounded = r.from !== null || r.to !== null;
    f.missing.setAttribute("data-missing", n);
    f.missing.textContent = n === 0 ? "" : "Not given in " + plural(n, "case") + (bounded
      ? ", left out by the " + (r.from !== null && r.to !== null ? "bounds." : "bound.")
      : ", which a bound leaves out.");
  };

  Explorer.prototype.renderNotice = function () {
    var box = this.root.querySelector("#cb-notice"), self = this;
    box.textContent = "";
    box.hidden = this.unknown.length === 0;
    if (box.hidden) return;
    box.appendChild(el("p", { "class": "admonition-title" }, "Not recognised in the address, so left out:"));
    var list = el("ul");
    this.unknown.forEach(function (u) {
      var item = el("li");
      item.appendChild(el("code", {}, u.text));
      if (u.suggestion) {
        var s = JSON.parse(JSON.stringify(self.state)), chosen = ticked(s, u.facet);
        if (chosen.indexOf(u.suggestion.id) < 0) chosen.push(u.suggestion.id);
        item.appendChild(document.createTextNode(" – did you mean "));
        item.appendChild(el("a", { href: location.pathname + writeState(s, self.fields), "data-view": "" }, u.suggestion.label));
        item.appendChild(document.createTextNode("?"));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  };

  /* ---- no case matches: say so, and offer a way on (never a dead end) ---- */

  /* The ranges whose lower bound is above the upper one, by their labels ("Period", "Budget (EUR)"). */
  function reversedRanges(s, fields) {
    var out = [];
    if (s.from !== null && s.to !== null && s.from > s.to) out.push("Period");
    (fields || []).forEach(function (f) {
      var r = s.range && s.range[f.name];
      if (r && r.from !== null && r.to !== null && r.from > r.to) out.push(f.label + (f.unit ? " (" + f.unit + ")" : ""));
    });
    return out;
  }

  /* What the reader sees when the view is empty: what did not match; the names closest to the
   * words (did-you-mean: keyword names in every language, places, countries), each a link to
   * the view it gives, with its number of cases; a search of the whole text of the cases for
   * the words; clearing the filters, the keywords and the list of all cases. */
  Explorer.prototype.renderEmpty = function () {
    var box = this.root.querySelector(".cb-nomatch"), s = this.state, base = this.root.getAttribute("data-root");
    box.textContent = "";
    box.removeAttribute("data-suggested");
    box.hidden = this.ids.length > 0;
    if (box.hidden) return;
    var rest = writeState(Object.assign({}, s, { q: "", view: "list" }), this.fields) !== "";
    var cleared = writeState(Object.assign(emptyState(this.fields), { view: s.view }), this.fields);
    box.appendChild(el("p", { "class": "cb-nomatch__what" }, !s.q ? "No case matches these filters."
      : "No case matches “" + s.q + "”" + (rest ? " with the other filters." : ".")));
    reversedRanges(s, this.fields).forEach(function (what) {  // from above to: nothing can lie between
      box.appendChild(el("p", { "class": "cb-nomatch__reversed" }, what + ": “from” is above “to”; swap the two."));
    });
    if (s.q) {
      box.appendChild(el("p", {}, "The words are looked for in the cases' titles, summaries and places, and in the "
        + "names of their keywords in English, Swedish, Danish and Norwegian, not in the whole text of the cases."));
    }
    var close = box.appendChild(el("div", { "class": "cb-nomatch__close" }));
    var ways = [];
    if (s.q) ways.push(el("a", { href: base + "?search=" + encodeURIComponent(s.q), "data-search": s.q },
      "Search the whole text of the cases for “" + s.q + "”"));
    ways.push(el("a", { href: location.pathname + cleared, "data-view": "" }, "Clear all filters"));
    ways.push(el("a", { href: base + "keywords/" }, "All keywords, with their names in every language"));
    ways.push(el("a", { href: base + "cases/" }, "The list of all cases"));
    box.appendChild(el("p", {}, "Or:"));
    var list = box.appendChild(el("ul", { "class": "cb-nomatch__ways" }));
    ways.forEach(function (a) { list.appendChild(el("li")).appendChild(a); });
    this.renderSuggestions(close, s);
  };

  /* The did-you-mean list of an empty view, once data/search-terms.json is loaded; the box
   * gets data-suggested (the number offered) when it is complete. */
  Explorer.prototype.renderSuggestions = function (close, s) {
    var self = this, box = close.parentNode;
    if (!s.q || !cb.suggestions) { box.setAttribute("data-suggested", "0"); return; }
    if (!this.terms) {
      this.loadTerms().then(function () { if (self.state === s && close.isConnected) self.renderSuggestions(close, s); });
      return;
    }
    var found = this.suggestionsFor(s);
    if (found.length) {
      close.appendChild(el("p", {}, "Did you mean:"));
      var list = close.appendChild(el("ul", { "class": "cb-nomatch__list" }));
      found.forEach(function (f) {
        var item = list.appendChild(el("li")), attrs = { href: f.href, "data-view": "" };
        if (LANG_ATTR[f.lang]) attrs.lang = LANG_ATTR[f.lang];
        item.appendChild(el("a", attrs, f.text));
        item.appendChild(document.createTextNode(" (" + f.what + "): " + plural(f.count, "case")
          + (f.without ? " without the other filters" : "")));
      });
    }
    box.setAttribute("data-suggested", String(found.length));
  };

  /* data/search-terms.json (casebook/searchterms.py), with the countries of the explorer's
   * data as places; an empty vocabulary when it cannot be loaded. */
  Explorer.prototype.loadTerms = function () {
    var self = this, data = this.data;
    if (!this.termsLoading) {
      this.termsLoading = fetch(this.root.getAttribute("data-terms"))
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .catch(function () { return { keywords: [], places: [] }; })
        .then(function (terms) {
          var countries = [];
          data.countries.forEach(function (c, i) {
            [c.name, c.native].forEach(function (name) {
              if (name) countries.push({ name: name, key: cb.fold(name), url: "", cases: self.bits.country[i].count(), country: c.code });
            });
          });
          self.terms = { keywords: terms.keywords || [], places: (terms.places || []).concat(countries) };
        });
    }
    return this.termsLoading;
  };

  /* Up to five suggestions for the words of an empty view, each as the view it leads to and
   * that view's number of cases, never none: for the words as a whole and, when there are
   * several, for each that no case has. A keyword's name ticks the keyword and a country's the
   * country, in place of the words they stand for; a place replaces them. When the other filters
   * leave no case with it, the suggestion leads to a view without them (`alone`). */
  Explorer.prototype.suggestionsFor = function (s) {
    var self = this, tokens = s.q.split(/\s+/).filter(Boolean), out = [], seen = {};
    var tries = [{ at: -1, text: s.q }];
    if (tokens.length > 1) {
      tokens.forEach(function (token, at) {
        if (words(token).some(function (w) { return self.wordBits(w).count() === 0; })) tries.push({ at: at, text: token });
      });
    }
    var alone = emptyState(this.fields);
    alone.q = s.q;
    alone.view = s.view;
    tries.forEach(function (attempt) {
      cb.suggestions(self.terms, attempt.text).forEach(function (found) {
        var view = self.suggested(s, tokens, attempt.at, found), count = view && self.countOf(view), without = false;
        if (view && !count) {
          view = self.suggested(alone, tokens, attempt.at, found);
          count = self.countOf(view);
          without = true;
        }
        var address = view && writeState(view, self.fields);
        if (!count || seen[address] || out.length >= 5) return;
        seen[address] = true;
        out.push({ text: found.text, lang: found.lang, href: location.pathname + address, count: count,
                   what: self.what(found), without: without });
      });
    });
    return out;
  };

  /* The view `s` with a suggestion applied to its words (`tokens`; `at`: the index of the word
   * it stands for, -1 for all of them), or null for a keyword or country the data lacks. */
  Explorer.prototype.suggested = function (s, tokens, at, found) {
    var view = JSON.parse(JSON.stringify(s)), left = at < 0 ? [] : tokens.slice();
    var tick = found.kind === "keyword" ? ["keyword", found.entry.id] : found.entry.country ? ["country", found.entry.country] : null;
    if (tick && this.index[tick[0]][tick[1]] === undefined) return null;
    if (tick && view[tick[0]].indexOf(tick[1]) < 0) view[tick[0]].push(tick[1]);
    if (at < 0) left = tick ? [] : [found.text];
    else if (tick) left.splice(at, 1);
    else left[at] = found.text;
    view.q = left.join(" ");
    return view;
  };

  /* What a suggestion is: "place", "country", "keyword", "Swedish for the keyword Safety and security". */
  Explorer.prototype.what = function (found) {
    if (found.kind !== "keyword") return found.entry.country ? "country" : "place";
    if (found.text === found.label) return "keyword";
    if (found.lang === "alias") return "another name for the keyword " + found.label;
    return (LANGUAGES[found.lang] || found.lang) + " for the keyword " + found.label;
  };

  /* The number of cases a view shows (its words' text is loaded). */
  Explorer.prototype.countOf = function (s) { return this.without(this.masks(s), null).count(); };

  Explorer.prototype.renderList = function () {
    var self = this, list = this.root.querySelector("#cb-list"), ws = words(this.state.q);
    list.textContent = "";
    this.ids.slice(0, this.shown).forEach(function (i) { list.appendChild(self.item(i, ws)); });
    var more = this.root.querySelector("#cb-more");
    more.hidden = this.ids.length <= this.shown;
    more.textContent = "Show " + Math.min(PAGE, this.ids.length - this.shown) + " more";
    try {
      sessionStorage.setItem(SHOWN_KEY, JSON.stringify({ search: location.search, shown: this.shown }));
    } catch (e) { /* storage off: Back shows the first page of results */ }
  };

  Explorer.prototype.item = function (i, ws) {
    var self = this, c = this.data.cases[i], base = this.root.getAttribute("data-root");
    var li = el("li", { "class": "cb-item", "data-case-id": c[0] });
    li.appendChild(el("a", { "class": "cb-item__title", href: base + "cases/" + c[0] + "/" }, c[1]));
    if (c[2]) li.appendChild(el("span", { "class": "cb-muted" }, " (" + c[2] + ")"));
    var end = c[6] === null ? "ongoing" : c[6];
    var period = c[5] === c[6] ? String(c[5]) : c[5] + "–" + end;
    li.appendChild(el("div", { "class": "cb-item__meta" },
      this.data.countries[c[3]].name + " · " + c[4] + " · " + period));
    li.appendChild(el("div", { "class": "cb-shared" },
      c[7].map(function (k) { return self.data.keywords[k].label; }).join(", ")));
    var own = this.fields.map(function (f, fi) {
      var shown = shownValue(f, c[8][fi]);
      return shown ? f.label + ": " + shown : "";
    }).filter(Boolean);
    if (own.length) li.appendChild(el("div", { "class": "cb-item__fields" }, own.join(" · ")));
    this.why(i, ws).forEach(function (hit) { li.appendChild(self.whyLine(hit)); });
    return li;
  };

  /* "Matched keyword: Safety and security (Swedish: Trygghet och säkerhet)". */
  Explorer.prototype.whyLine = function (hit) {
    var k = this.data.keywords[hit.keyword], line = el("p", { "class": "cb-why", "data-keyword": k.id });
    var english = hit.names.some(function (n) { return n.lang === "en"; });
    line.appendChild(document.createTextNode("Matched keyword: "));
    line.appendChild(el("strong", english ? { "data-lang": "en" } : {}, k.label));
    var others = hit.names.filter(function (n) { return n.lang !== "en"; });
    others.forEach(function (n, j) {
      line.appendChild(document.createTextNode((j ? "; " : " (") + LANGUAGES[n.lang] + ": "));
      var attrs = { "data-lang": n.lang };
      if (LANG_ATTR[n.lang]) attrs.lang = LANG_ATTR[n.lang];
      line.appendChild(el("span", attrs, n.name));
    });
    if (others.length) line.appendChild(document.createTextNode(")"));
    return line;
  };

  Explorer.prototype.showMore = function () {
    var first = this.shown;
    this.shown += PAGE;
    this.renderList();
    var next = this.root.querySelectorAll("#cb-list .cb-item__title")[first];
    if (next) next.focus();
  };

  /* "Link to this view": a real link to the address, which a plain click copies. */
  Explorer.prototype.copyLink = function (e) {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation(); // the view is already shown: no navigation
    var status = this.root.querySelector("#cb-copied"), href = e.currentTarget.href;
    var say = function (text) { status.textContent = text; };
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      say("Copying is not available here: the link is this page's address.");
      return;
    }
    say("");
    navigator.clipboard.writeText(href).then(function () { say("Link copied"); },
      function () { say("Could not copy: the link is this page's address."); });
  };

  /* The list as a file, from the published cases.csv: its header and the rows of the cases in
   * the view. "csv": the rows byte for byte; "excel": the same cells separated by semicolons
   * (Excel's list separator in Swedish, Danish and Norwegian), so a double-click opens it in
   * columns. Both UTF-8 with a byte-order mark and CRLF; a cell the export defused against
   * formulas (a leading apostrophe, exports.csv_cell) keeps it. */
  Explorer.prototype.download = function (kind) {
    var self = this, wanted = {};
    this.ids.forEach(function (i) { wanted[self.data.cases[i][0]] = true; });
    fetch(this.root.getAttribute("data-csv")).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (text) {
      var kept = csvRecords(text.replace(/^\ufeff/, "")).filter(function (r, i) {
        return r.text.trim() && (i === 0 || wanted[r.cells[0]] === true);
      });
      var body = kind === "excel"
        ? kept.map(function (r) { return r.cells.map(semicolonCell).join(";") + "\r\n"; })
        : kept.map(function (r) { return r.text; });
      var blob = new Blob(["\ufeff" + body.join("")], { type: "text/csv;charset=utf-8" });
      var link = el("a", { href: URL.createObjectURL(blob), download: kind === "excel" ? "casebook-cases-excel.csv" : "casebook-cases.csv" });
      document.body.appendChild(link);
      link.click();
      link.remove();
    }).catch(function () {
      self.root.querySelector("#cb-copied").textContent = "The file could not be made: try again.";
    });
  };

  /* ---- the map view (view=map) ----
   * Leaflet 1.9 and Leaflet.markercluster 1.4, served by the site itself (assets/vendor/, copied
   * from their pinned PyPI packages by casebook/vendor.py), and data/map.json (casebook/maps.py):
   * {bounds: [[s, w], [n, e]], land: [{code, name, rings: [[lat, lon, lat, lon, …]]}], places:
   * [{name, country, lat, lon, cases: [case id]}], unplaced: [case id]}, in degrees. All of it is
   * loaded when the map is first shown. The basemap is the land (or the tile layer the library
   * configured, data-tiles; none by default, so no other host is asked for anything). Each place
   * with matching cases is a marker: a link (one case) or a button (several: it opens their list
   * under the map). Markers nearer each other than CLUSTER px are gathered by markercluster into
   * one button, which lists all their cases and offers to zoom in. The markers follow every filter
   * change, and the map fits the matching places. Touch: drag to pan, pinch to zoom; keyboard:
   * the markers are links and buttons, the map itself pans with the arrow keys and zooms with + and -. */
  var MARKER = 28; // CSS px: a marker's width and height (WCAG 2.5.8 asks for 24)
  var CLUSTER = 36; // CSS px: markers nearer each other than this are gathered into one
  var FIT_ZOOM = 7; // the deepest zoom a fit to the matching places goes to: a region (the outlines hold no more)
  var TILE_FIT_ZOOM = 12; // the same over a tile layer: a town
  var OUTLINE_ZOOM = 10; // the deepest zoom of the outlines alone (Natural Earth 1:50m: a few km of detail)
  var NAMES = 5; // place names a gathered marker's label lists before "and N more places"
  var OFF_LINKS = 50; // links to the cases not on the map, at most

  /* List or map, as the view says; the map is drawn (and its data loaded) only when shown. */
  Explorer.prototype.renderView = function () {
    var map = this.state.view === "map";
    this.root.classList.toggle("cb-explore--map", map);
    this.root.querySelectorAll("[data-show]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-show") === this.state.view));
    }, this);
    this.root.querySelector("#cb-map").hidden = !map;
    if (map) this.renderMap();
    else if (this.map) this.map.fitted = null; // fit again when shown again: a hidden map has no size
  };

  /* A <script> or <link> added to the page's head: a promise of its having loaded. */
  function attach(tag, attrs) {
    return new Promise(function (done, fail) {
      var node = el(tag, attrs);
      node.addEventListener("load", done);
      node.addEventListener("error", fail);
      document.head.appendChild(node);
    });
  }

  /* Leaflet and markercluster (in that order) and Leaflet's stylesheet, once per page. */
  function loadLeaflet(box) {
    if (window.L && window.L.markerClusterGroup) return Promise.resolve();
    return Promise.all([
      attach("link", { rel: "stylesheet", href: box.getAttribute("data-css") }),
      attach("script", { src: box.getAttribute("data-leaflet") }).then(function () {
        return attach("script", { src: box.getAttribute("data-cluster") });
      })
    ]);
  }

  /* The map's data and library, once: the basemap drawn and the places indexed (a promise). */
  Explorer.prototype.loadMap = function () {
    var self = this, box = this.root.querySelector("#cb-map");
    if (!this.mapLoading) {
      var data = fetch(box.getAttribute("data-src")).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
      this.mapLoading = Promise.all([data, loadLeaflet(box)])
        .then(function (got) { self.map = self.drawBasemap(got[0]); })
        .catch(function (e) { self.mapLoading = null; throw e; });
    }
    return this.mapLoading;
  };

  Explorer.prototype.renderMap = function () {
    var self = this, s = this.state, status = this.root.querySelector("#cb-map-status");
    if (!this.map) {
      status.textContent = "Loading the map…";
      this.loadMap().then(function () { if (self.state === s) self.renderMap(); }, function () {
        if (self.state === s) status.textContent = "The map could not be loaded. The list shows the same cases: choose List.";
      });
      return;
    }
    status.textContent = "";
    this.map.leaflet.invalidateSize({ pan: false });
    this.renderMarkers();
    this.renderPlace(false);
    this.renderOff();
    this.root.querySelector("#cb-map").setAttribute("data-for", location.search);
  };

  /* Text as HTML, for Leaflet's attribution line (the only place Leaflet takes HTML from us). */
  function html(text) {
    return String(text).replace(/[&<>"']/g, function (ch) { return "&#" + ch.charCodeAt(0) + ";"; });
  }

  /* The Leaflet map with its basemap, and the places with their cases' indexes: {leaflet,
   * cluster, canvas, bounds, places: [{name, key, latlng, cases: [index]}], placed: Bits of the
   * cases at some place, groups: {key: marker's group}, fitted: the places the map was fitted to,
   * fit: that fit again, moved: whether the reader moved the map since, fitZoom, order}. */
  Explorer.prototype.drawBasemap = function (data) {
    var self = this, box = this.root.querySelector("#cb-map"), ids = {}, placed = new Bits(this.n);
    this.data.cases.forEach(function (c, i) { ids[c[0]] = i; });
    var canvas = this.root.querySelector(".cb-map__frame").appendChild(el("div", { "class": "cb-map__canvas",
      role: "region", "aria-label": "Map of the matching cases: arrow keys move it, plus and minus zoom" }));
    var tiles = box.getAttribute("data-tiles"), top = tiles ? Number(box.getAttribute("data-max-zoom")) || 18 : OUTLINE_ZOOM;
    var leaflet = L.map(canvas, { zoomSnap: 0.25, minZoom: 1, maxZoom: top, scrollWheelZoom: false, zoomAnimation: false,
      fadeAnimation: false, markerZoomAnimation: false });
    drawLand(leaflet, box, data.land || [], top);
    var pane = leaflet.getPane("markerPane");
    pane.setAttribute("role", "group");
    pane.setAttribute("aria-label", "Places on the map");
    L.MarkerCluster.mergeOptions({ keyboard: false }); // its icon is no tab stop: the button inside is
    var cluster = L.markerClusterGroup({ maxClusterRadius: CLUSTER, showCoverageOnHover: false, zoomToBoundsOnClick: false,
      spiderfyOnMaxZoom: false, animate: false, iconCreateFunction: function (c) {
        return markerIcon(function () {
          return self.markerNode(gathered(c.getAllChildMarkers().map(function (m) { return m.options.group; }), self.n));
        });
      } }).addTo(leaflet);
    var places = (data.places || []).map(function (p, k) {
      var cases = p.cases.map(function (id) { return ids[id]; }).filter(function (i) { return i !== undefined; });
      cases.forEach(function (i) { placed.set(i); });
      return { name: p.name, key: String(k), latlng: [p.lat, p.lon], cases: cases };
    });
    var map = { leaflet: leaflet, cluster: cluster, canvas: canvas, bounds: data.bounds, places: places, placed: placed,
                groups: {}, fitted: null, count: 0, fit: null, moved: false, fitZoom: tiles ? TILE_FIT_ZOOM : FIT_ZOOM,
                order: function () { inReadingOrder(pane); } };
    watchMap(map);
    return map;
  };

  /* The basemap: the library's tile layer (data-tiles), else the country outlines, and the credits
   * (text: Leaflet puts them in as HTML). */
  function drawLand(leaflet, box, land, top) {
    var tiles = box.getAttribute("data-tiles"), shapes = [];
    leaflet.attributionControl.setPrefix(false);
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: top, attribution: html(box.getAttribute("data-attribution") || "") }).addTo(leaflet);
    } else {
      land.forEach(function (c) {
        c.rings.forEach(function (flat) {
          var ring = [];
          for (var i = 0; i + 1 < flat.length; i += 2) ring.push([flat[i], flat[i + 1]]);
          shapes.push([ring]);
        });
      });
      L.polygon(shapes, { className: "cb-map__country", interactive: false }).addTo(leaflet);
      leaflet.attributionControl.addAttribution("Country outlines: Natural Earth");
    }
    leaflet.attributionControl.addAttribution("Map: Leaflet");
  }

  /* A resized map is fitted again unless the reader has moved it; the markers are kept in reading
   * order; a focused marker is brought into view (as Leaflet's autoPanOnFocus, for the link or
   * button inside the icon); the canvas's data-zoom is Leaflet's zoom level, for styles and tests. */
  function watchMap(map) {
    var leaflet = map.leaflet, canvas = map.canvas;
    if (window.ResizeObserver) new ResizeObserver(function () {
      leaflet.invalidateSize({ pan: false });
      if (map.fit && !map.moved && canvas.clientWidth) map.fit();
    }).observe(canvas);
    leaflet.on("movestart", function () { if (!map.fitting) map.moved = true; });
    leaflet.on("moveend zoomend", map.order);
    leaflet.on("zoomend", function () { canvas.setAttribute("data-zoom", leaflet.getZoom()); });
    canvas.addEventListener("focusin", function (e) {
      var icon = e.target.closest && e.target.closest(".leaflet-marker-icon");
      if (icon) leaflet.panInside(leaflet.layerPointToLatLng(L.DomUtil.getPosition(icon)), { padding: [MARKER, MARKER], animate: false });
    });
  }

  /* The marker pane's icons top to bottom, then left to right: the keyboard's order (markercluster
   * adds them in its own order). Moving a focused node blurs it: the focus is put back. */
  function inReadingOrder(pane) {
    var focused = document.activeElement, icons = Array.prototype.slice.call(pane.children);
    icons.sort(function (a, b) {
      var p = L.DomUtil.getPosition(a), q = L.DomUtil.getPosition(b);
      return p.y - q.y || p.x - q.x;
    });
    if (icons.every(function (n, i) { return pane.children[i] === n; })) return;
    icons.forEach(function (n) { pane.appendChild(n); });
    if (focused && pane.contains(focused) && document.activeElement !== focused) focused.focus({ preventScroll: true });
  }

  /* One marker's group from several (a gathered marker): their places and cases, each once
   * (`n`: the number of cases in the library). Linear in the cases, as a top-level marker may
   * gather thousands of places. */
  function gathered(groups, n) {
    var places = [], seen = new Bits(n), cases = [];
    groups.forEach(function (g) {
      Array.prototype.push.apply(places, g.places);
      g.cases.forEach(function (i) { if (!seen.has(i)) { seen.set(i); cases.push(i); } });
    });
    places.sort(function (a, b) { return Number(a.key) - Number(b.key); });
    return group(places, cases.sort(function (a, b) { return a - b; }));
  }

  /* {key, places, cases, label}: the key names its places ("3,7"), the label says them in words. */
  function group(places, cases) {
    var names = places.map(function (p) { return p.name; });
    return { key: places.map(function (p) { return p.key; }).join(","), places: places, cases: cases, label: listed(names) };
  }

  /* "Malmö", "Botkyrka and Huddinge", "A, B and C", "A, B, C, D, E and 7 more places". */
  function listed(names) {
    if (names.length > NAMES + 1) return names.slice(0, NAMES).join(", ") + " and " + (names.length - NAMES) + " more places";
    return names.length < 2 ? names.join("") : names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  /* A marker's icon: a Leaflet DivIcon whose element, `make()`, is made only when Leaflet shows it
   * (a library has thousands of places; a few dozen markers show). The class is made once. */
  var MarkerIcon = null;
  function markerIcon(make) {
    MarkerIcon = MarkerIcon || L.DivIcon.extend({ createIcon: function (old) {
      this.options.html = this.options.make();
      return L.DivIcon.prototype.createIcon.call(this, old);
    } });
    return new MarkerIcon({ className: "cb-marker-icon", iconSize: [MARKER, MARKER], make: make });
  }

  /* A marker's element: a link to the one case, or a button with the number of cases that opens
   * their list. The group is kept for the list (this.map.groups). */
  Explorer.prototype.markerNode = function (g) {
    var one = g.cases.length === 1, c = this.data.cases[g.cases[0]], base = this.root.getAttribute("data-root"), node;
    var attrs = { "class": "cb-marker" + (one ? "" : " cb-marker--many"), "data-key": g.key, "data-count": g.cases.length,
                  "data-places": JSON.stringify(g.places.map(function (p) { return p.name; })),
                  title: one ? g.label + ": " + c[1] : plural(g.cases.length, "case") + " in " + g.label };
    this.map.groups[g.key] = g;
    if (one) {
      attrs.href = base + "cases/" + c[0] + "/";
      node = el("a", attrs);
      node.appendChild(el("span", { "class": "cb-sr" }, g.label + ": " + c[1]));
      return node;
    }
    Object.assign(attrs, { type: "button", "aria-expanded": String(this.openKey === g.key), "aria-controls": "cb-map-place" });
    node = el("button", attrs, String(g.cases.length));
    node.appendChild(el("span", { "class": "cb-sr" }, " cases in " + g.label));
    return node;
  };

  /* The markers of the places with matching cases, north to south (the keyboard's order); the map
   * is fitted to them when they are other places than it was last fitted to. */
  Explorer.prototype.renderMarkers = function () {
    var self = this, map = this.map, result = this.result, focused = document.activeElement;
    var again = focused && map.canvas.contains(focused) ? focused.getAttribute("data-key") : null;
    var found = [];
    map.places.forEach(function (p) {
      var cases = p.cases.filter(function (i) { return result.has(i); });
      if (cases.length) found.push(group([p], cases));
    });
    found.sort(function (a, b) { return b.places[0].latlng[0] - a.places[0].latlng[0] || a.places[0].latlng[1] - b.places[0].latlng[1]; });
    map.groups = {};
    map.count = found.length;
    map.cluster.clearLayers();
    var fit = found.map(function (g) { return g.key; }).join(" ");
    if (map.fitted !== fit) {
      map.fitted = fit;
      var points = found.map(function (g) { return g.places[0].latlng; });
      map.fit = function () {
        map.fitting = true;
        map.leaflet.fitBounds(points.length ? points : map.bounds, { maxZoom: map.fitZoom, padding: [MARKER, MARKER], animate: false });
        map.fitting = false;
      };
      map.fit();
      map.moved = false;
    }
    map.cluster.addLayers(found.map(function (g) {
      map.groups[g.key] = g;
      var icon = markerIcon(function () { return self.markerNode(g); });
      return L.marker(g.places[0].latlng, { icon: icon, keyboard: false, group: g, autoPanOnFocus: false });
    }));
    map.order();
    var marker = again && map.canvas.querySelector("[data-key='" + again + "']");
    if (marker) marker.focus();
  };

  /* The list of a marker's cases under the map; the same marker again closes it. */
  Explorer.prototype.openPlace = function (key, toggle) {
    this.openKey = toggle && this.openKey === key ? null : key;
    this.renderPlace(this.openKey !== null);
    var self = this;
    this.map.canvas.querySelectorAll("button[data-key]").forEach(function (b) {
      b.setAttribute("aria-expanded", String(b.getAttribute("data-key") === self.openKey));
    });
  };

  /* The open marker's matching cases (closed when the filters leave it one or none). A gathered
   * marker's list names each case's place and offers to zoom in on them. */
  Explorer.prototype.renderPlace = function (focus) {
    var self = this, box = this.root.querySelector("#cb-map-place"), g = this.map.groups[this.openKey];
    var base = this.root.getAttribute("data-root");
    box.textContent = "";
    if (!g || g.cases.length < 2) { this.openKey = null; box.hidden = true; return; }
    box.hidden = false;
    box.setAttribute("data-key", g.key);
    var title = box.appendChild(el("p", { "class": "cb-map__place-title", tabindex: "-1" }));
    title.appendChild(el("strong", {}, g.label));
    title.appendChild(document.createTextNode(": " + plural(g.cases.length, "matching case")));
    var list = box.appendChild(el("ul"));
    g.cases.forEach(function (i) {
      var c = self.data.cases[i], item = list.appendChild(el("li"));
      item.appendChild(el("a", { href: base + "cases/" + c[0] + "/", "data-case-id": c[0] }, c[1]));
      if (g.places.length > 1) item.appendChild(el("span", { "class": "cb-muted" }, " (" + c[4] + ")"));
    });
    var actions = box.appendChild(el("p", { "class": "cb-map__actions" }));
    if (g.places.some(function (p) { return String(p.latlng) !== String(g.places[0].latlng); })) { // not one point
      actions.appendChild(el("button", { type: "button", "class": "cb-linkbutton cb-map__zoom" }, "Zoom in on these places"))
        .addEventListener("click", function () {
          self.map.leaflet.fitBounds(g.places.map(function (p) { return p.latlng; }), { padding: [MARKER, MARKER], animate: false });
        });
    }
    actions.appendChild(el("button", { type: "button", "class": "cb-linkbutton cb-map__close" }, "Close this list"))
      .addEventListener("click", function () {
        var key = self.openKey;
        self.openPlace(null, false);
        var marker = self.map.canvas.querySelector("button[data-key='" + key + "']");
        (marker || self.map.canvas).focus();
      });
    if (focus) title.focus();
  };

  /* How many matching cases the map shows, and the ones it cannot, with links to them. */
  Explorer.prototype.renderOff = function () {
    var self = this, line = this.root.querySelector("#cb-map-off"), base = this.root.getAttribute("data-root");
    var off = this.ids.filter(function (i) { return !self.map.placed.has(i); }), on = this.ids.length - off.length;
    line.textContent = "";
    line.setAttribute("data-off", off.length);
    if (!this.ids.length) { line.textContent = "No case matches the filters, so the map shows none."; return; }
    line.appendChild(document.createTextNode(plural(on, "matching case") + " on the map, at "
      + plural(this.map.count, "place") + ". "));
    if (!off.length) { line.appendChild(document.createTextNode("Every matching case is on the map.")); return; }
    line.appendChild(document.createTextNode(plural(off.length, "matching case") + (off.length === 1 ? " is" : " are")
      + " not on the map, as no place of theirs could be located: "));
    off.slice(0, OFF_LINKS).forEach(function (i, j) {
      if (j) line.appendChild(document.createTextNode(", "));
      line.appendChild(el("a", { href: base + "cases/" + self.data.cases[i][0] + "/", "data-case-id": self.data.cases[i][0] },
        self.data.cases[i][1]));
    });
    line.appendChild(document.createTextNode(off.length > OFF_LINKS ? ", and " + (off.length - OFF_LINKS) + " more (in the list)." : "."));
  };

  /* Where the reader was, when the page is shown again (Back from a case, reload): Material
   * keeps the scroll offset in history.state and scrolls before the explorer has drawn its
   * list, so the explorer scrolls again once the list is there, with as many results shown. */
  function savedPlace() {
    var state = history.state;
    if (!state || typeof state.y !== "number") return null;
    var place = { x: state.x || 0, y: state.y, shown: 0 };
    try {
      var saved = JSON.parse(sessionStorage.getItem(SHOWN_KEY) || "null");
      if (saved && saved.search === location.search) place.shown = saved.shown;
    } catch (e) { /* storage off */ }
    return place;
  }

  function setupExplorer() {
    var root = document.getElementById("cb-explore");
    if (!root) return;
    var place = savedPlace(), failed = root.parentNode.querySelector(".cb-explore-error");
    fetch(root.getAttribute("data-src")).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (data) {
      var explorer = new Explorer(root, data);
      root.hidden = false;
      explorer.restoreShown = place ? place.shown : 0;
      explorer.load(function () { if (place) window.scrollTo(place.x, place.y); });
      var onPop = function () {
        if (!document.body.contains(root)) { window.removeEventListener("popstate", onPop); return; }
        var back = savedPlace();
        explorer.restoreShown = back ? back.shown : 0;
        explorer.load(function () { if (back) window.scrollTo(back.x, back.y); });
      };
      window.addEventListener("popstate", onPop);
    }).catch(function () { if (failed) failed.hidden = false; });
  }

  cb.onPage(setupExplorer);
})();
