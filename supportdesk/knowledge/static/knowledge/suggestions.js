// Suggestions on the portal's new-request form (docs/knowledge.md "Deflection at intake").
// Everything from the server is written with textContent: nothing is parsed as HTML.
(function () {
  "use strict";
  var panel = document.getElementById("kb-suggest");
  if (!panel) { return; }
  var list = document.getElementById("kb-suggest-list");
  var rowTemplate = document.getElementById("kb-suggest-row");
  var product = document.getElementById("id_product");
  var category = document.getElementById("id_category");
  var subject = document.getElementById("id_subject");
  var timer = null;
  var last = "";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // [[text, matched], ...] into ``node``: the matched pieces in <mark>, all as text.
  function fill(node, parts) {
    parts.forEach(function (part) {
      if (part[1]) {
        var mark = document.createElement("mark");
        mark.textContent = part[0];
        node.appendChild(mark);
      } else {
        node.appendChild(document.createTextNode(part[0]));
      }
    });
  }

  function render(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var row = rowTemplate.content.firstElementChild.cloneNode(true);
      var link = row.querySelector(".kb-title");
      fill(link, item.title);
      link.href = item.url;
      fill(row.querySelector(".kb-snippet"), item.snippet);
      var button = row.querySelector(".kb-solved-btn");
      button.dataset.article = String(item.id);
      button.addEventListener("click", solved);
      list.appendChild(row);
    });
    panel.hidden = results.length === 0;
  }

  function query() {
    var params = new URLSearchParams({
      token: panel.dataset.token,
      product: product ? product.value : "",
      category: category ? category.value : "",
      q: subject ? subject.value : ""
    });
    var key = params.toString();
    if (key === last) { return; }
    last = key;
    fetch(panel.dataset.url + "?" + key, {credentials: "same-origin",
                                           headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { if (key === last) { render(data.results || []); } })
      .catch(function () { /* suggestions are a help, never a hindrance */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(query, 300);
  }

  function solved(event) {
    var button = event.currentTarget;
    button.disabled = true;  // one click counts once; the server makes sure of it too
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    body.append("token", panel.dataset.token);
    body.append("article", button.dataset.article);
    body.append("product", product ? product.value : "");
    body.append("category", category ? category.value : "");
    fetch(panel.dataset.solvedUrl, {method: "POST", body: body, credentials: "same-origin",
                                    headers: {"Accept": "application/json",
                                              "X-CSRFToken": csrf()}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ok) { window.location.assign(data.redirect); } else { button.disabled = false; }
      })
      .catch(function () { button.disabled = false; });
  }

  [product, category].forEach(function (el) { if (el) { el.addEventListener("change", later); } });
  if (subject) { subject.addEventListener("input", later); }
  if ((product && product.value) || (subject && subject.value)) { later(); }
})();
