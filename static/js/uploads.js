// Progress of uploads being processed: poll the upload's JSON status until the load ends, then reload the
// page so the final counts, errors and rejected-rows link show.
(function () {
  "use strict";
  var running = ["queued", "processing"];

  function show(el, upload) {
    var bar = el.querySelector("progress");
    if (bar) { bar.value = upload.progress; bar.textContent = upload.progress + "%"; }
    ["rows", "created", "updated", "unchanged", "errors"].forEach(function (name) {
      var cell = el.querySelector('[data-field="' + name + '"]');
      if (cell) { cell.textContent = Number(upload[name]).toLocaleString("en-US"); }
    });
  }

  function poll(el) {
    var url = el.getAttribute("data-upload-status");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (upload) {
        if (!upload) { return; }
        show(el, upload);
        if (running.indexOf(upload.status) >= 0) {
          window.setTimeout(function () { poll(el); }, 1000);
        } else {
          // A moment at 100% before the final page, as for builds and jobs.
          window.setTimeout(function () { window.location.reload(); }, 400);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(el); }, 3000); });
  }

  document.querySelectorAll("[data-upload-status]").forEach(poll);
})();
