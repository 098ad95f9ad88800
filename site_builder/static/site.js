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
  function undelta(list) {
    var out = [], id = 0;
    for (var i = 0; i < list.length; i++) { id += list[i]; out.push(id); }
    return out;
  }
  function termScores(term) {  /* doc id -> score for every indexed term starting with `term` */
    return load("terms/" + term.slice(0, 2)).then(function (shard) {
      var scores = new Map();
      if (!shard) { return scores; }
      [["w", 1], ["s", 2]].forEach(function (pair) {
        var table = shard[pair[0]];
        Object.keys(table).forEach(function (indexed) {
          if (indexed.lastIndexOf(term, 0) !== 0) { return; }
          var weight = pair[1] * (indexed === term ? 2 : 1);
          undelta(table[indexed]).forEach(function (id) { scores.set(id, Math.max(scores.get(id) || 0, weight)); });
        });
      });
      return scores;
    });
  }
  function facetIds(meta, facet, values) {
    return Promise.all(values.map(function (value) {
      var slug = (meta.facets[facet] || {})[value];
      return slug ? load("facets/" + facet + "/" + slug) : Promise.resolve([]);
    })).then(function (lists) {
      var ids = new Set();
      lists.forEach(function (list) { undelta(list || []).forEach(function (id) { ids.add(id); }); });
      return ids;
    });
  }
  function query(state) {
    return load("meta").then(function (meta) {
      var facetKeys = Object.keys(state.facets).filter(function (k) { return state.facets[k].length; });
      return Promise.all([
        Promise.all(terms(state.q).map(termScores)),
        Promise.all(facetKeys.map(function (k) { return facetIds(meta, k, state.facets[k]); })),
      ]).then(function (parts) {
        var scoreLists = parts[0], facetSets = parts[1], result = [];
        var candidates = scoreLists.length ? Array.from(scoreLists[0].keys()) : Array.from({ length: meta.docs }, function (_, i) { return i; });
        candidates.forEach(function (id) {
          var score = 0;
          for (var i = 0; i < scoreLists.length; i++) {
            var s = scoreLists[i].get(id);
            if (!s) { return; }
            score += s;
          }
          for (var j = 0; j < facetSets.length; j++) { if (!facetSets[j].has(id)) { return; } }
          result.push([id, score]);
        });
        result.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
        return { meta: meta, ids: result.map(function (pair) { return pair[0]; }) };
      });
    });
  }
  function docs(meta, ids) {
    var names = Array.from(new Set(ids.map(function (id) { return "docs/" + Math.floor(id / meta.chunk); })));
    return Promise.all(names.map(load)).then(function () {
      return ids.map(function (id) { return chunks["docs/" + Math.floor(id / meta.chunk)][id % meta.chunk]; });
    });
  }

  /* ---- the index page: search box, facet toggles, state in the URL ---- */
  var PAGE = 50;
  function setupSearch() {
    if (!document.body.hasAttribute("data-search-root")) { return; }
    var form = document.querySelector("[data-search-form]");
    var input = document.getElementById("q");
    var list = document.querySelector("[data-results]");
    var status = document.querySelector("[data-status]");
    var pager = document.querySelector("[data-pager]");
    var staticList = list.innerHTML, staticStatus = status.textContent, staticStart = list.getAttribute("start");
    var links = document.querySelectorAll("[data-facets] a[data-facet]");
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
        list.innerHTML = staticList; list.setAttribute("start", staticStart);
        announce(status, staticStatus); if (pager) { pager.hidden = false; }
        return;
      }
      var ticket = ++latest;
      announce(status, "Searching…");
      query(state).then(function (found) {
        if (ticket !== latest) { return; }
        return docs(found.meta, found.ids.slice(0, shown)).then(function (rows) {
          if (ticket !== latest) { return; }
          render(rows, found.ids.length);
        });
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
          (row[7] ? " · deprecated" : "") + (row[8] ? "" : " · older version")));
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
    }
  }

  function start() { setupTabs(); setupCopy(); setupSearch(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
