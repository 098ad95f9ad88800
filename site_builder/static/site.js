/* cardhub catalog: progressive enhancement only. Every page works without this file.
   Adds code tabs and copy buttons on model pages, and search + facets (state in the URL) on the
   index. Card data is only ever inserted with textContent, never as HTML. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var script = document.currentScript;
  var root = script ? script.src.replace(/static\/site\.js(\?.*)?$/, "") : "";

  function announce(el, text) { if (el) { el.textContent = text; } }

  /* ---- copy buttons ---- */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text; area.setAttribute("readonly", ""); area.className = "visually-hidden";
      document.body.appendChild(area); area.select();
      var ok = document.execCommand("copy"); document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }
  function setupCopy() {
    var buttons = document.querySelectorAll("button[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        if (!target) { return; }
        copyText(target.textContent).then(function () {
          button.textContent = "Copied"; button.classList.add("done");
          setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 2000);
        }, function () { button.textContent = "Copy failed: select the text instead"; });
      });
    });
  }

  /* ---- code tabs (WAI-ARIA tabs pattern) ---- */
  function setupTabs() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), function (box, boxIndex) {
      var panels = box.querySelectorAll(".tab-panel");
      if (panels.length < 2) { return; }
      var list = document.createElement("div");
      list.setAttribute("role", "tablist");
      list.setAttribute("aria-label", "Code language");
      var tabs = [];
      Array.prototype.forEach.call(panels, function (panel, i) {
        var title = panel.querySelector(".tab-title");
        var tab = document.createElement("button");
        tab.type = "button"; tab.setAttribute("role", "tab");
        tab.id = "tab-" + boxIndex + "-" + i;
        tab.textContent = title ? title.textContent : "Code " + (i + 1);
        tab.setAttribute("aria-controls", panel.id);
        panel.setAttribute("role", "tabpanel");
        panel.setAttribute("aria-labelledby", tab.id);
        tab.addEventListener("click", function () { select(i, false); });
        tab.addEventListener("keydown", function (event) {
          var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
          if (event.key === "Home") { select(0, true); event.preventDefault(); }
          else if (event.key === "End") { select(tabs.length - 1, true); event.preventDefault(); }
          else if (step) { select((i + step + tabs.length) % tabs.length, true); event.preventDefault(); }
        });
        tabs.push(tab); list.appendChild(tab);
      });
      function select(index, focus) {
        tabs.forEach(function (tab, i) {
          var on = i === index;
          tab.setAttribute("aria-selected", on ? "true" : "false");
          tab.tabIndex = on ? 0 : -1;
          panels[i].hidden = !on;
        });
        if (focus) { tabs[index].focus(); }
      }
      box.insertBefore(list, box.firstChild);
      select(0, false);
    });
  }

  /* ---- search index: chunks are scripts, so that it works from file:// too ---- */
  var chunks = {}, waiting = {};
  window.cardhubData = function (name, value) {
    chunks[name] = value;
    if (waiting[name]) { waiting[name].forEach(function (resolve) { resolve(value); }); delete waiting[name]; }
  };
  function load(name) {
    if (Object.prototype.hasOwnProperty.call(chunks, name)) { return Promise.resolve(chunks[name]); }
    return new Promise(function (resolve) {
      if (waiting[name]) { waiting[name].push(resolve); return; }
      waiting[name] = [resolve];
      var tag = document.createElement("script");
      tag.src = root + "search/" + name + ".js";
      tag.onerror = function () { window.cardhubData(name, null); };  /* no such chunk: nothing matches */
      document.head.appendChild(tag);
    });
  }
  var STOP = "a an and are as at be by for from in is it of on or that the this to with was were".split(" ");
  function terms(text) {
    return (text.toLowerCase().match(/[a-z0-9]+/g) || []).filter(function (t) {
      return t.length >= 2 && STOP.indexOf(t) < 0;
    });
  }
  /* ---- matching and ranking (layout of the chunks: site_builder/search_index.py) ---- */
  var ALPHABET = "";
  for (var c = 35; c < 127; c++) { if (c !== 92) { ALPHABET += String.fromCharCode(c); } }
  var FIELD = [1, 2, 4, 8, 12];  /* description, tags, title, name, the name's first two words */
  var EXACT = 1, PREFIX = 0.7, INNER = 0.55, TYPO = 0.45, MIN_INNER = 3, MIN_TYPO = 5;
  function within1(a, b) {  /* Damerau-Levenshtein distance <= 1 */
    if (a === b) { return true; }
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1) { return false; }
    var i = 0;
    while (i < la && i < lb && a[i] === b[i]) { i++; }
    if (la === lb) {
      if (a.slice(i + 1) === b.slice(i + 1)) { return true; }  /* one substitution */
      return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);  /* swap */
    }
    return la < lb ? a.slice(i) === b.slice(i + 1) : a.slice(i + 1) === b.slice(i);
  }
  function typo(word, key) {  /* one typo in the word, or in a word still being typed */
    if (word.length < MIN_TYPO || key.length < word.length - 1) { return false; }
    if (within1(word, key)) { return true; }
    if (key.length <= word.length) { return false; }
    return within1(word, key.slice(0, word.length)) || within1(word, key.slice(0, word.length + 1));
  }
  function addPostings(scores, list, kind) {
    var id = 0;
    for (var i = 0; i < list.length; i++) {
      id += list[i] >> 3;
      var score = kind * FIELD[list[i] & 7];
      if (!(scores.get(id) >= score)) { scores.set(id, score); }
    }
  }
  function wordScores(word) {  /* doc id -> best score of one query word */
    return load("terms/" + word.slice(0, 2)).then(function (shard) {
      var scores = new Map();
      if (!shard) { return scores; }
      var t = shard.t || {}, inner = shard.i || {};
      Object.keys(t).forEach(function (key) {
        var kind = key === word ? EXACT : key.lastIndexOf(word, 0) === 0 ? PREFIX : typo(word, key) ? TYPO : 0;
        if (kind) { addPostings(scores, t[key], kind); }
      });
      if (word.length >= MIN_INNER) {
        Object.keys(inner).forEach(function (key) {
          if (key.lastIndexOf(word, 0) === 0) { addPostings(scores, inner[key], key === word ? INNER : INNER * 0.9); }
        });
      }
      return scores;
    });
  }
  function column(facet) { return load("cols/" + facet); }
  function valuesOf(col, id) {
    if (!col) { return []; }
    var code = col.w === 1 ? ALPHABET.indexOf(col.s[id]) :
      ALPHABET.indexOf(col.s[2 * id]) * ALPHABET.length + ALPHABET.indexOf(col.s[2 * id + 1]);
    return col.c[code] || [];
  }
  function passes(col, id, wanted) {
    var values = valuesOf(col, id);
    for (var i = 0; i < values.length; i++) { if (wanted.indexOf(values[i]) >= 0) { return true; } }
    return false;
  }
  /* state: {q, facets: {facet: [values]}}; counted: facets whose value counts are wanted.
     Resolves to {meta, ids (best first), counts: {facet: {value: n}}}. */
  function query(state, counted) {
    var facetKeys = Object.keys(state.facets).filter(function (k) { return state.facets[k].length; });
    var colKeys = Array.from(new Set(facetKeys.concat(counted || [])));
    var words = Array.from(new Set(terms(state.q)));
    return Promise.all([load("meta"), Promise.all(words.map(wordScores)), Promise.all(colKeys.map(column))]).then(function (parts) {
      var meta = parts[0], lists = parts[1], cols = {};
      colKeys.forEach(function (k, i) { cols[k] = parts[2][i]; });
      var matched = [];  /* [id, text score] matching every word (or, failing that, the most words) */
      if (!words.length) {
        for (var d = 0; d < meta.docs; d++) { matched.push([d, 1]); }
      } else {
        var union = new Map();
        lists.forEach(function (scores) {
          scores.forEach(function (score, id) {
            var seen = union.get(id) || [0, 0];
            union.set(id, [seen[0] + 1, seen[1] + score]);
          });
        });
        var best = 0;
        union.forEach(function (v) { if (v[0] > best) { best = v[0]; } });
        union.forEach(function (v, id) { if (v[0] === best) { matched.push([id, v[1]]); } });
      }
      function keep(id, except) {
        for (var i = 0; i < facetKeys.length; i++) {
          var k = facetKeys[i];
          if (k !== except && !passes(cols[k], id, state.facets[k])) { return false; }
        }
        return true;
      }
      var counts = {};
      (counted || []).forEach(function (k) {
        var perValue = counts[k] = {};
        matched.forEach(function (pair) {
          if (!keep(pair[0], k)) { return; }
          valuesOf(cols[k], pair[0]).forEach(function (v) { perValue[v] = (perValue[v] || 0) + 1; });
        });
      });
      var result = matched.filter(function (pair) { return keep(pair[0], null); }).map(function (pair) {
        var rank = meta.rank ? ALPHABET.indexOf(meta.rank[pair[0]]) : 0;
        return [pair[0], pair[1] * (1 + rank / 100)];
      });
      result.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
      return { meta: meta, ids: result.map(function (pair) { return pair[0]; }), counts: counts, matched: words.length > 0 && !result.length ? 0 : result.length };
    });
  }
  function docs(meta, ids) {
    var names = Array.from(new Set(ids.map(function (id) { return "docs/" + Math.floor(id / meta.chunk); })));
    return Promise.all(names.map(load)).then(function () {
      return ids.map(function (id) { return chunks["docs/" + Math.floor(id / meta.chunk)][id % meta.chunk]; });
    });
  }
  /* For scripts and benchmarks: the first `n` result rows of a query, best first. */
  window.cardhubSearch = function (q, n) {
    return query({ q: q, facets: {} }, []).then(function (found) { return docs(found.meta, found.ids.slice(0, n || 10)); });
  };

  /* ---- the index page: search box, facet toggles, state in the URL ---- */
  var PAGE = 20;
  function setupSearch() {
    if (!document.body.hasAttribute("data-search-root")) { return; }
    var form = document.querySelector("[data-search-form]");
    var input = document.getElementById("q");
    var list = document.querySelector("[data-results]");
    var status = document.querySelector("[data-status]");
    var pager = document.querySelector("[data-pager]");
    var staticList = list.innerHTML, staticStatus = status.textContent, staticStart = list.getAttribute("start");
    var links = document.querySelectorAll("[data-facets] a[data-facet]");
    var groups = document.querySelectorAll("[data-facets] details[data-facet-group]");
    var staticCounts = Array.prototype.map.call(links, function (link) { return link.querySelector(".count").textContent; });
    Array.prototype.forEach.call(groups, function (group) {
      group.addEventListener("toggle", function () { if (group.open && active()) { update(true); } });
    });
    var state = readState(), shown = PAGE, latest = 0, timer = null;
    form.hidden = false;
    input.value = state.q;
    Array.prototype.forEach.call(links, function (link) {
      link.setAttribute("role", "button");
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var facet = link.getAttribute("data-facet"), value = link.getAttribute("data-value");
        var values = state.facets[facet] || (state.facets[facet] = []);
        var at = values.indexOf(value);
        if (at < 0) { values.push(value); } else { values.splice(at, 1); }
        shown = PAGE; update();
      });
      link.addEventListener("keydown", function (event) { if (event.key === " ") { event.preventDefault(); link.click(); } });
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); state.q = input.value; shown = PAGE; update(); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = input.value; shown = PAGE; update(); }, 180);
    });
    update(true);

    function readState() {
      var params = new URLSearchParams(window.location.search), facets = {};
      params.forEach(function (value, key) {
        if (key !== "q") { (facets[key] = facets[key] || []).push(value); }
      });
      return { q: params.get("q") || "", facets: facets };
    }
    function writeState() {
      var params = new URLSearchParams();
      if (state.q.trim()) { params.set("q", state.q.trim()); }
      Object.keys(state.facets).forEach(function (k) { state.facets[k].forEach(function (v) { params.append(k, v); }); });
      var text = params.toString();
      try { history.replaceState(null, "", window.location.pathname + (text ? "?" + text : "")); } catch (e) { /* file:// in some browsers */ }
    }
    function active() {
      return terms(state.q).length > 0 || Object.keys(state.facets).some(function (k) { return state.facets[k].length; });
    }
    function update(initial) {
      if (!initial) { writeState(); }
      Array.prototype.forEach.call(links, function (link) {
        var values = state.facets[link.getAttribute("data-facet")] || [];
        link.setAttribute("aria-pressed", values.indexOf(link.getAttribute("data-value")) >= 0 ? "true" : "false");
      });
      if (!active()) {
        Array.prototype.forEach.call(links, function (link, i) { link.querySelector(".count").textContent = staticCounts[i]; });
        list.innerHTML = staticList; list.setAttribute("start", staticStart);
        announce(status, staticStatus); if (pager) { pager.hidden = false; }
        return;
      }
      var ticket = ++latest;
      announce(status, "Searching…");
      var counted = Array.prototype.filter.call(groups, function (group) { return group.open; })
        .map(function (group) { return group.getAttribute("data-facet-group"); });
      query(state, counted).then(function (found) {
        if (ticket !== latest) { return; }
        return docs(found.meta, found.ids.slice(0, shown)).then(function (rows) {
          if (ticket !== latest) { return; }
          render(rows, found.ids.length);
          showCounts(found.counts);
        });
      });
    }
    function showCounts(counts) {
      Array.prototype.forEach.call(links, function (link) {
        var perValue = counts[link.getAttribute("data-facet")];
        if (perValue) { link.querySelector(".count").textContent = String(perValue[link.getAttribute("data-value")] || 0); }
      });
    }
    function render(rows, total) {
      if (pager) { pager.hidden = true; }
      list.textContent = ""; list.setAttribute("start", "1");
      rows.forEach(function (row) {
        var li = document.createElement("li"), a = document.createElement("a"), meta = document.createElement("span");
        a.className = "model-link"; a.href = root + row[0]; a.textContent = row[3];
        meta.className = "meta";
        var code = document.createElement("code"); code.textContent = row[1];
        meta.appendChild(code);
        meta.appendChild(document.createTextNode(" · " + row[2] + (row[4] ? " · " + row[4] : "") + (row[5] ? " · " + row[5] : "") +
          (row[7] ? " · deprecated" : "") + (row[8] ? "" : " · older version") + (row[9] ? " · needs a license" : "")));
        if (row[10]) {
          var conf = document.createElement("span");
          conf.className = "conf conf-" + row[10].replace(/ /g, "-"); conf.textContent = row[10];
          meta.appendChild(document.createTextNode(" · conformance: ")); meta.appendChild(conf);
        }
        li.setAttribute("data-url", row[0]);
        li.appendChild(a); li.appendChild(meta);
        if (row[6]) { var ex = document.createElement("span"); ex.className = "excerpt"; ex.textContent = row[6]; li.appendChild(ex); }
        list.appendChild(li);
      });
      if (total > rows.length) {
        var li = document.createElement("li"), more = document.createElement("button");
        more.type = "button"; more.className = "button"; more.textContent = "Show more (" + (total - rows.length) + " left)";
        more.addEventListener("click", function () { shown += PAGE; update(); });
        li.appendChild(more); list.appendChild(li);
      }
      announce(status, total === 0 ? "No model matches." : total + (total === 1 ? " model matches." : " models match."));
      decorateRows();
    }
  }

  /* ---- try-it panel: only where `cardhub serve` answers /api/try ---- */
  var SVG = "http://www.w3.org/2000/svg";
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  function heatMap(texts, matrix) {
    var n = texts.length, cell = 44, label = 28, size = label + n * cell;
    var svg = svgEl("svg", { viewBox: "0 0 " + size + " " + size, width: size, height: size, role: "img",
      "aria-label": "Cosine similarity of every pair of the " + n + " sentences", "class": "heat" });
    for (var i = 0; i < n; i++) {
      var rowLabel = svgEl("text", { x: label - 6, y: label + i * cell + cell / 2 + 4, "text-anchor": "end", "class": "chart-label" });
      rowLabel.textContent = String(i + 1); svg.appendChild(rowLabel);
      var colLabel = svgEl("text", { x: label + i * cell + cell / 2, y: label - 8, "text-anchor": "middle", "class": "chart-label" });
      colLabel.textContent = String(i + 1); svg.appendChild(colLabel);
      for (var j = 0; j < n; j++) {
        var value = matrix[i][j];
        var rect = svgEl("rect", { x: label + j * cell, y: label + i * cell, width: cell - 2, height: cell - 2,
          "class": "heat-cell", "fill-opacity": Math.max(0.08, (value + 1) / 2).toFixed(3), "data-value": value,
          "data-row": i, "data-col": j });
        var tip = svgEl("title", {}); tip.textContent = (i + 1) + " vs " + (j + 1) + ": " + value.toFixed(3);
        rect.appendChild(tip); svg.appendChild(rect);
        var txt = svgEl("text", { x: label + j * cell + cell / 2 - 1, y: label + i * cell + cell / 2 + 3,
          "text-anchor": "middle", "class": "heat-value" });
        txt.textContent = value.toFixed(2); svg.appendChild(txt);
      }
    }
    return svg;
  }
  function valuesTable(caption, rows) {  /* rows: [[label, [values]]] */
    var table = el("table", undefined, "try-values"), cap = el("caption", caption);
    table.appendChild(cap);
    rows.forEach(function (row) {
      var tr = el("tr"), th = el("th", row[0]); th.scope = "row"; tr.appendChild(th);
      row[1].forEach(function (v) { var td = el("td", v.toFixed(4)); td.setAttribute("data-value", String(v)); tr.appendChild(td); });
      table.appendChild(tr);
    });
    return table;
  }
  function setupTry() {
    var panel = document.querySelector("[data-try]");
    if (!panel || !window.fetch || location.protocol === "file:") { return; }
    var form = panel.querySelector("[data-try-form]"), area = panel.querySelector("textarea");
    var status = panel.querySelector("[data-try-status]"), bar = panel.querySelector("[data-try-progress]");
    var errorBox = panel.querySelector("[data-try-error]"), out = panel.querySelector("[data-try-result]");
    var busy = false;
    fetch(root + "api/try/status", { headers: { Accept: "application/json" } }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (info) {
      if (!info || !info.try) { return; }  /* a static host: the instructions stay */
      panel.querySelector("[data-try-static]").hidden = true;
      form.hidden = false;
    }, function () { /* no server: the instructions stay */ });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true; errorBox.hidden = true; out.textContent = "";
      send(area.value.split("\n"));
    });
    function send(texts) {
      announce(status, "Embedding…");
      fetch(root + "api/try", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ model: panel.getAttribute("data-model"), texts: texts }) })
        .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
        .then(function (answer) {
          var code = answer[0], data = answer[1];
          if (code === 202) {
            bar.hidden = false;
            if (data.total) { bar.max = data.total; bar.value = Math.min(data.done, data.total); } else { bar.removeAttribute("value"); }
            announce(status, "Pulling " + data.model + " into the cache" + (data.done ? ": " + (data.done / 1e6).toFixed(1) + " MB" +
              (data.total ? " of about " + (data.total / 1e6).toFixed(1) + " MB" : "") : "…"));
            setTimeout(function () { send(texts); }, 400);
            return;
          }
          bar.hidden = true; busy = false;
          if (code !== 200) { fail(data.error || ("the server answered " + code)); return; }
          show(data);
        }, function (error) { bar.hidden = true; busy = false; fail("the server did not answer (" + error + "); is cardhub serve still running?"); });
    }
    function fail(message) {
      errorBox.textContent = "Could not embed: " + message; errorBox.hidden = false; announce(status, "");
    }
    function show(data) {
      if (data.level === "token") {
        data.tokens.forEach(function (tokens, i) {
          out.appendChild(valuesTable("Sentence " + (i + 1) + ": first " + (tokens[0] ? tokens[0].head.length : 0) +
            " of " + data.dimension + " values of each token's vector", tokens.map(function (t) { return [t.token, t.head]; })));
        });
        announce(status, "Embedded " + data.tokens.length + " sentence(s), token by token.");
        return;
      }
      var figure = el("figure", undefined, "chart"), caption = el("figcaption", "Cosine similarity of each pair of sentences");
      figure.appendChild(caption); figure.appendChild(heatMap(data.texts, data.similarity));
      var legend = el("ol", undefined, "try-legend");
      data.texts.forEach(function (t) { legend.appendChild(el("li", t)); });
      figure.appendChild(legend); out.appendChild(figure);
      out.appendChild(valuesTable("First " + data.head[0].length + " of " + data.dimension + " values of each sentence's vector",
        data.head.map(function (values, i) { return [String(i + 1), values]; })));
      announce(status, "Embedded " + data.texts.length + " sentence(s).");
    }
  }

  /* ---- compare: tick up to four rows of a listing, compare.html?m=<page>&m=<page> ---- */
  var MAX_COMPARE = 4, PAGE_URL = /^models\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\.html$/;
  function selection() {
    try { return JSON.parse(sessionStorage.getItem("cardhub-compare") || "[]").filter(function (u) { return PAGE_URL.test(u); }); }
    catch (e) { return window.__cardhubCompare || []; }
  }
  function keepSelection(list) {
    window.__cardhubCompare = list;
    try { sessionStorage.setItem("cardhub-compare", JSON.stringify(list)); } catch (e) { /* memory only */ }
  }
  function compareHref(list) {
    return root + "compare.html?" + list.map(function (u) { return "m=" + encodeURIComponent(u); }).join("&");
  }
  function updateBar() {
    var bar = document.querySelector("[data-compare-bar]");
    if (!bar) { return; }
    var list = selection();
    bar.hidden = list.length === 0;
    bar.querySelector("[data-compare-count]").textContent = list.length + " of at most " + MAX_COMPARE + " selected to compare";
    var link = bar.querySelector("[data-compare-link]");
    link.href = compareHref(list);
    if (list.length < 2) { link.setAttribute("aria-disabled", "true"); } else { link.removeAttribute("aria-disabled"); }
  }
  function decorateRows() {
    var list = document.querySelector("[data-results]");
    if (!list) { return; }
    Array.prototype.forEach.call(list.querySelectorAll("li[data-url]"), function (li) {
      if (li.querySelector(".compare-box")) { return; }
      var url = li.getAttribute("data-url"), label = el("label", undefined, "compare-box"), box = el("input");
      box.type = "checkbox"; box.checked = selection().indexOf(url) >= 0;
      box.setAttribute("aria-label", "Compare " + li.querySelector(".model-link").textContent);
      box.addEventListener("change", function () {
        var chosen = selection().filter(function (u) { return u !== url; });
        if (box.checked) {
          if (chosen.length >= MAX_COMPARE) { box.checked = false; announce(document.querySelector("[data-status]"), "At most " + MAX_COMPARE + " models can be compared."); return; }
          chosen.push(url);
        }
        keepSelection(chosen); updateBar();
      });
      label.appendChild(box); label.appendChild(document.createTextNode(" Compare"));
      li.appendChild(label);
    });
  }
  function setupCompareList() {
    var bar = document.querySelector("[data-compare-bar]");
    if (!bar) { return; }
    bar.querySelector("[data-compare-clear]").addEventListener("click", function () {
      keepSelection([]); updateBar();
      Array.prototype.forEach.call(document.querySelectorAll(".compare-box input"), function (b) { b.checked = false; });
    });
    decorateRows(); updateBar();
  }
  function loadScript(name, src) {
    if (Object.prototype.hasOwnProperty.call(chunks, name)) { return Promise.resolve(chunks[name]); }
    return new Promise(function (resolve) {
      waiting[name] = (waiting[name] || []).concat([resolve]);
      var tag = document.createElement("script");
      tag.src = src;
      tag.onerror = function () { window.cardhubData(name, null); };
      document.head.appendChild(tag);
    });
  }
  function setupComparePage() {
    var box = document.querySelector("[data-compare]");
    if (!box) { return; }
    var urls = new URLSearchParams(window.location.search).getAll("m").filter(function (u) { return PAGE_URL.test(u); }).slice(0, MAX_COMPARE);
    var errorBox = document.querySelector("[data-compare-error]");
    if (urls.length < 2) {
      errorBox.textContent = "Pick at least two models: tick their Compare boxes in the list."; errorBox.hidden = false; return;
    }
    keepSelection(urls);
    Promise.all(urls.map(function (u) { return loadScript("compare:" + u, root + u.replace(/\.html$/, ".data.js")); })).then(function (cards) {
      var missing = urls.filter(function (_, i) { return !cards[i]; });
      if (missing.length) { errorBox.textContent = "No such model page in this catalog: " + missing.join(", "); errorBox.hidden = false; }
      cards = cards.filter(Boolean);
      if (!cards.length) { return; }
      var table = el("table", undefined, "compare"), head = el("tr"), corner = el("td");
      head.appendChild(corner);
      cards.forEach(function (c) {
        var th = el("th"), a = el("a", c.title); a.href = root + c.url; th.scope = "col"; th.appendChild(a); head.appendChild(th);
      });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      var body = el("tbody");
      function row(label, cell) {
        var tr = el("tr"), th = el("th", label); th.scope = "row"; tr.appendChild(th);
        cards.forEach(function (c) { var td = el("td"); var v = cell(c); if (typeof v === "string") { td.textContent = v; } else if (v) { td.appendChild(v); } tr.appendChild(td); });
        body.appendChild(tr);
      }
      row("Name", function (c) { return c.name; });
      row("Language", function (c) { return c.language; });
      row("Version", function (c) { return c.version || ""; });
      row("Task", function (c) { return c.task || ""; });
      row("Published", function (c) { return c.date || ""; });
      row("Needs a license", function (c) { return c.licensed ? "yes" : "no"; });
      if (cards.some(function (c) { return c.conformance; })) {
        row("Conformance", function (c) {
          if (!c.conformance) { return "no report"; }
          var a = el("a", c.conformance[0] + " (" + c.conformance[1] + ")", "conf conf-" + c.conformance[0].replace(/ /g, "-"));
          a.href = root + c.url + "#conformance"; return a;
        });
      }
      var labels = [];
      cards.forEach(function (c) { c.info.forEach(function (pair) { if (labels.indexOf(pair[0]) < 0) { labels.push(pair[0]); } }); });
      labels.forEach(function (label) {
        row(label, function (c) { var hit = c.info.filter(function (pair) { return pair[0] === label; })[0]; return hit ? hit[1] : "—"; });
      });
      row("Versions", function (c) {
        var ol = el("ol", undefined, "versions");
        c.versions.forEach(function (v) {
          var li = el("li"), a = el("a", v[0] + (v[2] ? " (newest)" : "")); a.href = root + v[1]; li.appendChild(a); ol.appendChild(li);
        });
        return ol;
      });
      if (cards.some(function (c) { return c.preview; })) {
        row("Probe sentences", function (c) { return c.preview ? heatMap(c.preview.texts, c.preview.matrix) : "not computed (build with --previews while the model is cached)"; });
      }
      table.appendChild(body);
      box.appendChild(table);
      document.querySelector("[data-compare-intro]").hidden = true;
    });
  }

  function start() { setupTabs(); setupCopy(); setupSearch(); setupTry(); setupCompareList(); setupComparePage(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
