// The ticket page's collision warning: every few seconds it tells the server this page is
// open (and whether a reply is being typed), and shows who else has the request open or is
// typing, and whether the request changed since the page was rendered. DOM nodes and
// textContent only (never innerHTML); without JavaScript the server's stale-write guard
// still stops a reply made on an old page.
(function () {
  "use strict";
  var box = document.getElementById("presence");
  if (!box || !window.fetch) { return; }
  var body = document.getElementById("id_body");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var lastKey = 0;
  var INTERVAL = 10000;
  if (body) {
    body.addEventListener("input", function () { lastKey = Date.now(); });
  }

  function show(data) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var shown = false;
    if (data.others && data.others.length) {
      var p = document.createElement("p");
      p.textContent = box.dataset.here + " " + data.others.map(function (o) {
        return o.typing ? o.name + " (" + box.dataset.typing + ")" : o.name;
      }).join(", ");
      box.appendChild(p);
      shown = true;
    }
    if (data.changed) {
      var c = document.createElement("p");
      c.className = "scope-warning";
      c.textContent = box.dataset.changed;
      box.appendChild(c);
      shown = true;
    }
    box.hidden = !shown;
  }

  function beat() {
    var form = new FormData();
    form.append("typing", Date.now() - lastKey < INTERVAL ? "1" : "0");
    form.append("seen_version", box.dataset.version);
    fetch(box.dataset.url, {
      method: "POST", body: form, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf ? csrf.value : ""}
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline for a moment: try again at the next beat */ });
  }

  beat();
  window.setInterval(beat, INTERVAL);
})();
