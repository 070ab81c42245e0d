/* supportdesk worklog: a running timer's elapsed time, and the live price preview of a work
 * entry being typed. No inline scripts (CSP); text only via textContent (no HTML injection). */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function startTimers() {
    var nodes = document.querySelectorAll("[data-started-at]");
    if (!nodes.length) { return; }
    // Count from the server's clock, not the browser's: the page says what "now" was.
    nodes.forEach(function (node) {
      var started = Date.parse(node.getAttribute("data-started-at"));
      var serverNow = Date.parse(node.getAttribute("data-server-now") || "");
      var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
      function tick() {
        var seconds = Math.max(0, Math.floor((Date.now() + skew - started) / 1000));
        var h = Math.floor(seconds / 3600);
        var m = Math.floor((seconds % 3600) / 60);
        node.textContent = h + ":" + pad(m) + ":" + pad(seconds % 60);
      }
      if (!isNaN(started)) { tick(); window.setInterval(tick, 1000); }
    });
  }

  function startPreview() {
    var form = document.querySelector("form[data-preview-url]");
    if (!form) { return; }
    var out = document.getElementById("price-preview");
    var url = form.getAttribute("data-preview-url");
    var fixedChannel = form.getAttribute("data-preview-channel");
    var names = ["started_at", "ended_at", "channel", "kind", "flat_fee", "travel", "lodging"];
    var timer = null;
    var seq = 0;

    function show(text, isError) {
      out.textContent = text;
      out.classList.toggle("error", !!isError);
    }

    function refresh() {
      var params = new URLSearchParams();
      names.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.value !== undefined) { params.set(name, field.value); }
      });
      if (fixedChannel) { params.set("channel", fixedChannel); }
      if (!params.get("started_at") || !params.get("ended_at")) { return; }
      var mine = ++seq;
      out.setAttribute("aria-busy", "true");
      var target = new URL(url, window.location.href);
      params.forEach(function (value, key) { target.searchParams.set(key, value); });
      fetch(target.toString(), {
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
      }).then(function (response) {
        return response.json();
      }).then(function (data) {
        if (mine !== seq) { return; }  // an older answer arriving late
        out.removeAttribute("aria-busy");
        if (data.ok) {
          // The unit comes translated from the page ("(90 λεπ.)"), never English in Greek.
          var unit = out.getAttribute("data-minutes-unit") || "min";
          show(data.label + " (" + data.rounded_minutes + " " + unit + ")", false);
        } else {
          var first = "";
          Object.keys(data.errors || {}).some(function (key) {
            first = (data.errors[key] || [])[0] || "";
            return !!first;
          });
          show(first || out.getAttribute("data-error-text"), true);
        }
      }).catch(function () {
        if (mine === seq) { show(out.getAttribute("data-error-text"), true); }
      });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    startTimers();
    startPreview();
  });
}());
