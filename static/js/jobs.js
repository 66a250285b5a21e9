// Progress of work running on a worker (a filing package, a check with CBP, a risk assessment): poll the
// job's JSON status, move the bar, then reload the page so what the work did shows.
(function () {
  "use strict";
  var running = ["queued", "running"];

  function show(el, job) {
    var bar = el.querySelector("progress");
    if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
    var pct = el.querySelector('[data-field="progress"]');
    if (pct) { pct.textContent = job.progress + "%"; }
    var status = el.querySelector('[data-field="status"]');
    if (status) { status.textContent = job.status_display; }
  }

  function poll(el) {
    fetch(el.getAttribute("data-job-status"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        show(el, job);
        if (running.indexOf(job.status) >= 0) {
          window.setTimeout(function () { poll(el); }, 1000);
        } else {
          window.setTimeout(function () { window.location.reload(); }, 400);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, 3000); });
  }

  document.querySelectorAll("[data-job-status]").forEach(poll);
})();
