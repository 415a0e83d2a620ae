// report desk: the Check screen's findings and the status line follow each save (server-sent events).
"use strict";
(function () {
  if (!window.EventSource) return;
  var source = new EventSource("/events");
  source.addEventListener("check", function (event) {
    var data = JSON.parse(event.data);
    var live = document.getElementById("live");
    var status = document.getElementById("status");
    if (live && live.dataset.version !== String(data.version)) {
      live.innerHTML = data.html;  // rendered by the desk's own autoescaped template
      live.dataset.version = String(data.version);
    }
    if (status && status.textContent !== data.summary) status.textContent = data.summary;
  });
})();
