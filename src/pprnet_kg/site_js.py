"""The explorer site's inline scripts (site.py puts them in the pages, allowed by their hashes in each
page's Content-Security-Policy; no file to fetch, so they work from file://). Without scripts every
page still reads in full."""

# The search page's script, inline (no file to fetch, so it works from file://), allowed by its hash
# in the page's Content-Security-Policy; the index is a JSON data block that is never executed.
SEARCH_JS = """(function () {
  var index = JSON.parse(document.getElementById("search-index").textContent);
  var params = new URLSearchParams(window.location.search);
  var q = (params.get("q") || "").trim();
  var box = document.getElementById("q");
  box.value = q;
  if (!q) { return; }
  var words = q.toLowerCase().split(/\\s+/).filter(function (w) { return w; });
  var hits = index.filter(function (d) {
    var text = d.text.toLowerCase();
    return words.every(function (w) { return text.indexOf(w) >= 0; });
  });
  document.getElementById("status").textContent = hits.length + " post(s) match";
  var list = document.getElementById("results");
  hits.slice(0, 200).forEach(function (d) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = d.url;
    a.textContent = d.title;
    li.appendChild(a);
    var at = d.text.toLowerCase().indexOf(words[0]);
    var snippet = document.createElement("p");
    snippet.className = "muted";
    snippet.textContent = (at > 60 ? "\u2026" : "") + d.text.slice(Math.max(0, at - 60), at + 140) + "\u2026";
    li.appendChild(snippet);
    list.appendChild(li);
  });
})();"""


# Sorting and filters for comparison tables: click a column heading to sort by it (numbers as numbers),
# choose values in the filters above the table. The filters and the sort are kept in the URL's query
# string (?measure=SMD&sort=-value), so a copied link reopens the same view, from file:// too.
# Without scripts the table reads as it is.
TABLE_JS = """(function () {
  function key(text) { return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }
  var params = new URLSearchParams(window.location.search);
  function remember() {
    var query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }
  document.querySelectorAll("table.findings").forEach(function (table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var keys = heads.map(function (th) { return key(th.textContent); });
    var filters = {};
    function cell(row, i) { return row.cells[i].textContent.trim(); }
    // a cell of the evidence map opened under its filters (?map-outcome=...&map-timepoint=...):
    // only the findings the map counted, by outcome concept and timepoint
    var mapOutcome = params.get("map-outcome") || "", mapTime = params.get("map-timepoint") || "";
    function fromMap(row) {
      return (!mapOutcome || (row.getAttribute("data-outcomes") || "").split("|").indexOf(mapOutcome) >= 0) &&
             (!mapTime || row.getAttribute("data-when") === mapTime);
    }
    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = fromMap(row) && Object.keys(filters).every(function (i) {
          return !filters[i] || cell(row, i) === filters[i];
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      table.setAttribute("data-shown", shown);
    }
    function sortBy(i, down) {
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      heads[i].setAttribute("aria-sort", down ? "descending" : "ascending");
      rows.sort(function (a, b) {
        var x = cell(a, i), y = cell(b, i), nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return down ? -c : c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    heads.forEach(function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.setAttribute("aria-label", "sort by " + th.textContent);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var down = th.getAttribute("aria-sort") === "ascending";
        sortBy(i, down);
        params.set("sort", (down ? "-" : "") + keys[i]);
        remember();
      });
    });
    var box = table.parentNode.previousElementSibling;
    (table.getAttribute("data-filter") || "").split(" ").forEach(function (name) {
      var i = parseInt(name, 10);
      var values = {};
      rows.forEach(function (row) { values[cell(row, i)] = true; });
      var names = Object.keys(values).sort();
      if (names.length < 2) { return; }
      var label = document.createElement("label");
      label.textContent = heads[i].textContent + " ";
      var select = document.createElement("select");
      select.setAttribute("data-column", i);
      [""].concat(names).forEach(function (v) {
        var option = document.createElement("option");
        option.value = v;
        option.textContent = v || "all";
        select.appendChild(option);
      });
      var wanted = params.get(keys[i]);
      if (wanted !== null && values[wanted]) { select.value = wanted; filters[i] = wanted; }
      select.addEventListener("change", function () {
        filters[i] = select.value;
        if (select.value) { params.set(keys[i], select.value); } else { params.delete(keys[i]); }
        remember();
        apply();
      });
      label.appendChild(select);
      box.appendChild(label);
      box.hidden = false;
    });
    if (mapOutcome || mapTime) {
      var note = document.createElement("p");
      note.className = "map-filter";
      note.textContent = "As filtered on the evidence map: " + [mapOutcome && "outcome " + mapOutcome,
        mapTime && "timepoint " + mapTime].filter(Boolean).join(", ") + ". ";
      var all = document.createElement("a");
      all.href = window.location.pathname;
      all.textContent = "Show every finding";
      note.appendChild(all);
      box.appendChild(note);
      box.hidden = false;
    }
    var sort = params.get("sort") || "";
    var at = keys.indexOf(sort.replace(/^-/, ""));
    if (at >= 0) { sortBy(at, sort.charAt(0) === "-"); }
    apply();
  });
})();"""


# The evidence map's outcome and timepoint filters: each cell's comparative findings are a JSON data
# block (outcome labels, timepoint, verdict, SMD equivalent, comparator); choosing a filter recounts
# every cell the way the page counts them (site.cell_summary) and keeps the choice in the URL
# (?outcome=...&timepoint=...). Without scripts the filters stay hidden and the map shows every finding.
MAP_JS = """(function () {
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var params = new URLSearchParams(window.location.search);
  var form = document.getElementById("map-filters");
  var status = document.getElementById("map-status");
  var names = {outcome: {}, timepoint: {}};
  Object.keys(data).forEach(function (href) {
    data[href].forEach(function (f) {
      f[0].forEach(function (o) { names.outcome[o] = true; });
      if (f[1]) { names.timepoint[f[1]] = true; }
    });
  });
  var selects = {};
  ["outcome", "timepoint"].forEach(function (which) {
    var select = document.getElementById("map-" + which);
    [""].concat(Object.keys(names[which]).sort()).forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = v || "any";
      select.appendChild(option);
    });
    var wanted = params.get(which);
    if (wanted !== null && names[which][wanted]) { select.value = wanted; }
    select.addEventListener("change", render);
    selects[which] = select;
  });
  function span(className, text) {
    var s = document.createElement("span");
    s.className = className;
    s.textContent = text;
    return s;
  }
  function render() {
    var o = selects.outcome.value, t = selects.timepoint.value, findings = 0, cells = 0;
    document.querySelectorAll("td[data-cell]").forEach(function (td) {
      var href = td.getAttribute("data-cell");
      var fs = data[href].filter(function (f) { return (!o || f[0].indexOf(o) >= 0) && (!t || f[1] === t); });
      td.textContent = "";
      td.setAttribute("data-findings", fs.length);
      if (!fs.length) {
        var gap = span("gap", o || t ? "none under this filter" : "gap");
        gap.title = "no finding";
        td.appendChild(gap);
        return;
      }
      findings += fs.length;
      cells += 1;
      var count = {excludes: 0, includes: 0, none: 0}, lo = null, hi = null, comparators = {};
      fs.forEach(function (f) {
        count[f[2]] += 1;
        if (f[3] !== null) {
          if (lo === null || parseFloat(f[3]) < parseFloat(lo)) { lo = f[3]; }
          if (hi === null || parseFloat(f[3]) > parseFloat(hi)) { hi = f[3]; }
        }
        comparators[f[4]] = true;
      });
      var a = document.createElement("a");
      var query = [o && "map-outcome=" + encodeURIComponent(o), t && "map-timepoint=" + encodeURIComponent(t)]
        .filter(Boolean).join("&");
      a.href = href + (query ? "?" + query : "");  // the cell's table opens under the same filters
      a.textContent = fs.length + " finding" + (fs.length !== 1 ? "s" : "");
      td.appendChild(a);
      td.appendChild(document.createElement("br"));
      td.appendChild(span("verdicts", count.excludes + " CI excludes null \\u00b7 " + count.includes +
                                      " includes \\u00b7 " + count.none + " no CI"));
      if (lo !== null) {
        td.appendChild(document.createElement("br"));
        td.appendChild(span("muted", "SMD " + lo + (hi !== lo ? " to " + hi : "")));
      }
      td.appendChild(document.createElement("br"));
      var names = Object.keys(comparators).sort(), more = names.length - 3;  // site.comparators_shown
      td.appendChild(span("muted", "vs " + names.slice(0, 3).join("; ") + (more > 0 ? " and " + more + " more" : "")));
    });
    status.textContent = (o || t ? "Filtered: " : "All outcomes and timepoints: ") + findings + " finding(s) in " +
                         cells + " cell(s).";
    ["outcome", "timepoint"].forEach(function (which) {
      if (selects[which].value) { params.set(which, selects[which].value); } else { params.delete(which); }
    });
    var query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }
  form.hidden = false;
  render();
})();"""
