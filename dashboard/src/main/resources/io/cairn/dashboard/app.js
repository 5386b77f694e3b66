// cairn serve: keeps the page's content live by fetching it again once a second (same origin, no inline script).
(function () {
  'use strict';
  var main = document.getElementById('content');
  var live = document.getElementById('live');
  if (!main || !main.dataset.src) return;
  var src = main.dataset.src;
  var last = null;
  var busy = false;
  function poll() {
    if (busy) return;
    busy = true;
    fetch(src, { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('the server answered ' + r.status);
        return r.text();
      })
      .then(function (text) {
        if (text !== last) {
          var open = {};
          main.querySelectorAll('details').forEach(function (d, i) { open[i] = d.open; });
          main.innerHTML = text; // HTML the server escaped (docs/dashboard.md, "Security")
          main.querySelectorAll('details').forEach(function (d, i) { if (i in open) d.open = open[i]; });
          last = text;
        }
        live.textContent = 'live ' + new Date().toLocaleTimeString();
        live.className = 'ok';
      })
      .catch(function (e) {
        live.textContent = 'not updating: ' + e.message;
        live.className = 'stale';
      })
      .finally(function () { busy = false; });
  }
  poll();
  setInterval(poll, 1000);
})();
