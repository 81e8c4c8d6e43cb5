// The page viewer's keys: n / p go to the next / previous page holding the words searched,
// + / - zoom; the page's text scrolls to its first marked word. Everything also works by links.
(function () {
  "use strict";
  var keys = { n: "next-match", p: "previous-match", "+": "zoom-in", "=": "zoom-in", "-": "zoom-out" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) { return; }
    var link = keys[event.key] && document.getElementById(keys[event.key]);
    if (link && link.href) { window.location.assign(link.href); }
  });
  var first = document.getElementById("m0");
  var pane = document.querySelector(".page-text");
  if (first && pane) { pane.scrollTop = Math.max(0, first.offsetTop - pane.offsetTop - 80); }
})();
