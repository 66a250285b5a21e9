// Progress of a claim build: poll its small JSON status while the optimizer runs, move the bar as product
// groups finish, then reload the page so the proposal (or the reason it failed) shows.
(function () {
  "use strict";
  var running = ["queued", "running"];

  function show(el, build) {
    var bar = el.querySelector("progress");
    if (bar) { bar.value = build.progress; bar.textContent = build.progress + "%"; }
    var pct = el.querySelector('[data-field="progress"]');
    if (pct) { pct.textContent = build.progress + "%"; }
    var groups = el.querySelector('[data-field="groups"]');
    if (groups) { groups.textContent = build.groups_done + " of " + build.groups_total; }
  }

  function poll(el) {
    fetch(el.getAttribute("data-build-status"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (build) {
        if (!build) { return; }
        show(el, build);
        if (running.indexOf(build.status) >= 0) {
          window.setTimeout(function () { poll(el); }, 1000);
        } else {
          // A moment at 100% before the proposal replaces the bar.
          window.setTimeout(function () { window.location.reload(); }, 600);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, 3000); });
  }

  document.querySelectorAll("[data-build-status]").forEach(poll);
})();
