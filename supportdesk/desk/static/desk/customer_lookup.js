// Customer autocomplete on the intake form: fetches staff-only JSON and fills the list.
// Built with DOM nodes and textContent only (never innerHTML), so names cannot inject markup.
(function () {
  "use strict";
  var input = document.getElementById("customer_q");
  var list = document.getElementById("customer-results");
  var hidden = document.getElementById("id_customer");
  var chosen = document.getElementById("chosen-customer");
  if (!input || !list || !hidden) { return; }
  var timer = null;
  var latest = 0;

  function choose(id, label) {
    hidden.value = String(id);
    if (chosen) { chosen.textContent = label; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
  }

  function render(results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    results.forEach(function (c) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      var label = c.name + " · " + c.tax_number + " · " + c.city;
      a.href = "?customer=" + encodeURIComponent(c.id);
      a.textContent = label;
      a.addEventListener("click", function (event) {
        event.preventDefault();
        choose(c.id, c.name + " · " + c.tax_number);
      });
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  list.addEventListener("click", function (event) {
    var a = event.target.closest("a[data-customer-id]");
    if (!a) { return; }
    event.preventDefault();
    choose(a.getAttribute("data-customer-id"), a.textContent);
  });

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch(input.getAttribute("data-lookup-url") + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (ticket === latest) { render(data.results || []); } })
        .catch(function () { /* the Find button still works without scripts */ });
    }, 200);
  });
})();
