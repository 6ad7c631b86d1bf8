// Sort a table by the clicked column: numbers by data-sort, text otherwise,
// empty cells last; the footer (a total) stays where it is. Inlined into report.html.
(function () {
  function key(cell) {
    if (!cell) return [2, ""];
    var raw = cell.getAttribute("data-sort");
    if (raw !== null && raw !== "" && !isNaN(parseFloat(raw))) return [0, parseFloat(raw)];
    var text = cell.textContent.trim();
    return text === "" ? [2, ""] : [1, text.toLowerCase()];
  }
  function compare(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  }
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var ka = key(a.cells[column]), kb = key(b.cells[column]);
      if (ka[0] === 2 || kb[0] === 2) return ka[0] - kb[0];
      return ascending ? compare(ka, kb) : compare(kb, ka);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable thead th").forEach(function (th) {
    th.tabIndex = 0;
    th.title = "sort by this column";
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
  });
})();
