// The knowledge base beside a staff reply box: search, then insert the customer's link or
// the article's text where the cursor is, or mark the request as solved by the article.
(function () {
  "use strict";
  var box = document.getElementById("kb-reply");
  if (!box) { return; }
  var input = document.getElementById("kb-reply-q");
  var lang = document.getElementById("kb-reply-lang");
  var list = document.getElementById("kb-reply-results");
  var rowTemplate = document.getElementById("kb-reply-row");
  var timer = null;

  function target() { return document.getElementById(box.dataset.target); }

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function insert(text) {
    var area = target();
    if (!area) { return; }
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || 0;
    var before = area.value.slice(0, start);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    area.value = before + glue + text + area.value.slice(end);
    var caret = (before + glue + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function mark(item, status) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    body.append("ticket", box.dataset.ticket);
    fetch(item.link_url, {method: "POST", body: body, credentials: "same-origin",
                          headers: {"Accept": "application/json", "X-CSRFToken": csrf()}})
      .then(function (r) { return r.json(); })
      .then(function (data) { status.textContent = data.message || ""; });
  }

  function render(results) {
    list.textContent = "";
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = box.dataset.msgNone;
      list.appendChild(none);
      return;
    }
    results.forEach(function (item) {
      var row = rowTemplate.content.firstElementChild.cloneNode(true);
      row.querySelector(".kb-title").textContent = item.title;
      row.querySelector(".kb-vis").textContent = item.visibility_label;
      var snippet = row.querySelector(".kb-snippet");
      item.snippet.forEach(function (part) {
        var node = part[1] ? document.createElement("mark") : document.createTextNode(part[0]);
        if (part[1]) { node.textContent = part[0]; }
        snippet.appendChild(node);
      });
      var status = row.querySelector(".kb-status");
      var linkButton = row.querySelector(".kb-insert-link");
      if (item.link) {
        linkButton.addEventListener("click", function () { insert(item.title + ": " + item.link); });
      } else {
        linkButton.disabled = true;
        linkButton.title = box.dataset.msgStaff;
      }
      row.querySelector(".kb-insert-text").addEventListener("click", function () { insert(item.text); });
      var markButton = row.querySelector(".kb-mark");
      if (markButton) { markButton.addEventListener("click", function () { mark(item, status); }); }
      list.appendChild(row);
    });
  }

  function search() {
    var q = input.value.trim();
    if (!q) { list.textContent = ""; return; }
    var params = new URLSearchParams({q: q, lang: lang.value});
    fetch(box.dataset.searchUrl + "?" + params.toString(),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { render(data.results || []); });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
  lang.addEventListener("change", search);
  input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
})();
