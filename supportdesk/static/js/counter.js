/* supportdesk: a live count under long texts ("1.234 of 20.000 characters"), a clear
 * message when the text is over its limit, and the form held back until it is shortened.
 * The limit is data-max-chars (never maxlength, which makes the browser cut a long paste
 * without a word); the server checks it again and re-shows the form with the text kept.
 * No inline scripts (CSP); text only through textContent. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "el";
  function number(n) {
    try { return n.toLocaleString(lang); } catch (e) { return String(n); }
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s|\{(\w+)\}/g, function (all, a, b) {
      var key = a || b;
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }
  document.querySelectorAll("textarea[data-max-chars]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-max-chars"), 10);
    if (!limit) { return; }
    var out = document.createElement("p");
    out.className = "char-count muted small";
    out.id = (area.id || "text") + "-count";
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    area.setAttribute("aria-describedby",
      ((area.getAttribute("aria-describedby") || "") + " " + out.id).trim());
    function update() {
      var n = area.value.length;
      var over = n - limit;
      if (over > 0) {
        out.textContent = fill(area.getAttribute("data-over-text") || "", {
          over: number(over), limit: number(limit), n: number(n) });
        out.className = "char-count error small";
        area.setAttribute("aria-invalid", "true");
      } else {
        out.textContent = fill(area.getAttribute("data-count-text") || "", {
          n: number(n), limit: number(limit) });
        out.className = "char-count muted small";
        area.removeAttribute("aria-invalid");
      }
      return over <= 0;
    }
    area.addEventListener("input", update);
    if (area.form) {
      area.form.addEventListener("submit", function (event) {
        if (!update()) { event.preventDefault(); area.focus(); }
      });
    }
    update();
  });
}());
