/* supportdesk: the header collapses into a menu on narrow screens. Without this script the
 * menu is simply always shown (the CSS stacks it below the breakpoint), so nothing depends
 * on JavaScript. No inline scripts (CSP "script-src 'self'"). */
(function () {
  "use strict";
  var bar = document.getElementById("topbar");
  var button = document.getElementById("menu-toggle");
  var menu = document.getElementById("topbar-menu");
  if (!bar || !button || !menu) { return; }
  function setOpen(open) {
    bar.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  bar.classList.add("has-menu-js");
  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("menu-open")) {
      setOpen(false);
      button.focus();
    }
  });
}());
