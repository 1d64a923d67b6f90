/* Okuyucu testi: the pharmacist scans the printed test labels in order into #check-input.
 *
 * For each read the page sends what arrived (GS as \x1d), how it ended (enter / tab, or
 * timeout when no key came for IDLE_MS, or blur) and the milliseconds between characters
 * (measured on each input event) to the server, which says in Turkish what it found. When
 * every label is read, the reads go to the server once more and the check is stored with the
 * count session. Plain JS, no framework, no CDN.
 */
(function () {
  "use strict";
  var root = document.getElementById("okuyucu-testi");
  var input = document.getElementById("check-input");
  if (!root || !input) return;

  var IDLE_MS = 1500;
  var GS = "\x1d";
  var n = parseInt(root.dataset.labels, 10);
  var current = 1;
  var reads = [];
  var times = [];
  var idle = null;
  var busy = false;
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = tokenMeta ? tokenMeta.content : "";
  function $(id) { return document.getElementById(id); }

  function deviceId() {
    var d = localStorage.getItem("eczane.device");
    if (!d) {
      var a = new Uint8Array(3);
      window.crypto.getRandomValues(a);
      d = "cihaz-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      localStorage.setItem("eczane.device", d);
    }
    return d;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }
  function item(label, cls, text) {
    var li = document.createElement("li");
    li.className = cls;
    li.dataset.label = String(label);
    li.textContent = text;
    return li;
  }

  function mark() {
    times.push(performance.now());
    clearTimeout(idle);
    idle = setTimeout(function () { finishRead("timeout"); }, IDLE_MS);
  }
  var pending = [];
  function finishRead(endedBy) {
    clearTimeout(idle);
    var raw = input.value;
    input.value = "";
    var stamps = times;
    times = [];
    if (!raw.replace(/[\s\x1d]/g, "").length) return;
    var intervals = [];
    for (var i = 1; i < stamps.length; i++) intervals.push(Math.round((stamps[i] - stamps[i - 1]) * 10) / 10);
    pending.push({ raw: raw, ended_by: endedBy, intervals_ms: intervals });
    pumpReads();
  }
  /* One read at a time, each for the label expected when it is sent: a label scanned while the
     previous answer is on its way waits its turn instead of being lost. */
  function pumpReads() {
    if (busy || !pending.length) return;
    if (current > n) { pending = []; return; }
    var read = pending.shift();
    read.label = current;
    busy = true;
    post(root.dataset.readApi, read).then(function (d) {
      busy = false;
      var list = $("check-reads");
      var head = read.label + ". etiket: ";
      if (!d.symptoms) { list.appendChild(item(read.label, "fail", head + (d.detail || d.message || "Hata"))); pumpReads(); return; }
      if (!d.symptoms.length) list.appendChild(item(read.label, "ok", head + "Doğru okundu."));
      d.symptoms.forEach(function (s) { list.appendChild(item(read.label, s.severity, head + s.message)); });
      if (!d.retry) {
        reads.push(read);
        current += 1;
        if (current > n) finishCheck(); else $("check-current").textContent = String(current);
      }
      pumpReads();
    }, function () {
      busy = false;
      $("check-reads").appendChild(item(read.label, "fail", read.label + ". etiket: Sunucuya ulaşılamadı; etiketi yeniden okutun."));
      pumpReads();
    });
  }
  function finishCheck() {
    $("check-prompt").hidden = true;
    post(root.dataset.finishApi, { device_id: deviceId(), reads: reads }).then(function (d) {
      var box = $("check-summary");
      box.hidden = false;
      box.dataset.passed = d.passed ? "yes" : "no";
      $("check-summary-title").textContent = d.passed
        ? "Okuyucu testi geçti: bu cihazla sayıma başlayabilirsiniz."
        : "Okuyucu testi geçmedi: aşağıdakileri değiştirip testi yeniden yapın.";
      var ul = $("check-advice");
      ul.textContent = "";
      (d.advice || []).forEach(function (s) { ul.appendChild(item(0, s.severity, s.message)); });
      refreshChecks();
    });
  }

  /* The stored checks of this count, as the server lists them now (the one just stored too). */
  function refreshChecks() {
    fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("scanner-checks");
      var old = $("scanner-checks");
      if (fresh && old) old.replaceWith(fresh);
    });
  }

  input.addEventListener("input", mark);
  function insertGS() {
    input.setRangeText(GS, input.selectionStart, input.selectionEnd, "end");
    mark();
  }
  var altDigits = "";
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); finishRead(e.key.toLowerCase()); return; }
    // GS as a wedge sends it (the same keys the count page accepts, count.js)
    if (e.ctrlKey && !e.altKey && e.code === "BracketRight") { e.preventDefault(); insertGS(); return; }
    if (/^F([1-9]|1[0-2])$/.test(e.key) && input.value.length) { e.preventDefault(); insertGS(); return; }
    if (e.altKey && /^Numpad[0-9]$/.test(e.code)) { altDigits += e.code.slice(6); e.preventDefault(); }
  });
  input.addEventListener("keyup", function (e) {
    if (e.key === "Alt") {
      if (/^0{0,2}29$/.test(altDigits)) insertGS();
      altDigits = "";
    }
  });
  input.addEventListener("blur", function () { if (input.value) finishRead("blur"); });
  $("check-again").addEventListener("click", function () {
    current = 1; reads = []; pending = []; $("check-reads").textContent = "";
    $("check-summary").hidden = true; $("check-prompt").hidden = false;
    $("check-current").textContent = "1"; input.focus();
  });
  $("check-device").textContent = deviceId();
  input.focus();
})();
