// Asks the API which app server and worker answered (GET /api/health) and shows it.
// Loaded as an external file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };

  // The first of several plausible field names, so the page survives small API changes.
  function pick(obj, keys) {
    for (var i = 0; i < keys.length; i++) {
      if (obj && obj[keys[i]] !== undefined && obj[keys[i]] !== null) { return String(obj[keys[i]]); }
    }
    return "—";
  }

  function show(status, cls, body, requestId) {
    $("status").textContent = status;
    $("status").className = cls;
    $("server").textContent = pick(body, ["server", "app_server"]);
    $("worker").textContent = pick(body, ["worker", "worker_class"]);
    $("pid").textContent = pick(body, ["worker_pid", "pid"]);
    $("request-id").textContent = requestId || "—";
  }

  function check() {
    $("status").textContent = "asking…";
    $("status").className = "";
    fetch("/api/health", { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (res) {
        var rid = res.headers.get("X-Request-ID");
        return res.json().then(
          function (body) { show(res.ok ? "healthy (" + res.status + ")" : "HTTP " + res.status, res.ok ? "ok" : "bad", body, rid); },
          function () { show("HTTP " + res.status + " (not JSON)", "bad", null, rid); }
        );
      })
      .catch(function (err) { show("unreachable: " + err.message, "bad", null, null); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("again").addEventListener("click", check);
    check();
  });
})();
