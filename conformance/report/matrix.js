(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("data").textContent) || { clauses: [], reports: [] };
  const table = document.getElementById("matrix");
  const details = document.getElementById("details");
  const label = { pass: "pass", xfail: "known", fail: "FAIL", xpass: "XPASS", unchecked: "unchecked", error: "ERROR" };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const head = el("tr");
  head.appendChild(el("th", {}, "clause"));
  data.reports.forEach((r) => head.appendChild(el("th", { class: "impl" }, r.impl.impl + " / " + r.profile)));
  head.appendChild(el("th", {}, "statement"));
  table.appendChild(head);

  data.clauses.forEach((clause) => {
    const row = el("tr");
    row.appendChild(el("td", { class: "id" }, clause.id));
    data.reports.forEach((report) => {
      const td = el("td");
      const result = report.clauses.find((c) => c.id === clause.id);
      if (!result) {
        td.appendChild(el("span", { class: "cell na" }, "-"));
      } else {
        const cell = el("span", { class: "cell " + result.outcome, tabindex: "0" }, label[result.outcome]);
        cell.addEventListener("click", () => show(report, result));
        td.appendChild(cell);
      }
      row.appendChild(td);
    });
    row.appendChild(el("td", {}, clause.statement));
    table.appendChild(row);
  });

  function show(report, result) {
    details.hidden = false;
    details.replaceChildren();
    details.appendChild(el("h2", {}, result.id + " on " + report.impl.impl + " (" + report.impl.version + ")"));
    details.appendChild(el("p", {}, result.statement));
    details.appendChild(el("p", {}, "Outcome: " + result.outcome + "; checked on " + result.checked +
      " calls, failed on " + result.failed + ". Source: " + result.source));
    if (result.expected_reason) details.appendChild(el("p", {}, "Known failure: " + result.expected_reason));
    if (result.messages && result.messages.length) {
      details.appendChild(el("h3", {}, "What was seen"));
      details.appendChild(el("pre", {}, result.messages.join("\n")));
    }
    if (result.snippet) {
      details.appendChild(el("h3", {}, (result.shrunk ? "Minimal" : "First") + " failing scenario, runnable"));
      details.appendChild(el("pre", {}, result.snippet));
    }
    details.scrollIntoView();
  }
})();
