/* Son kontrol: a keyboard-wedge scanner types a karekod and Enter into #scan-input; each scan
 * is posted to the recount API one at a time (in order), and the answer is shown with the
 * count page's colours and beeps. A pack found on the shelf leaves the draft: its row goes
 * (blind mode: it is added to the found list) and the counters and the phrase follow.
 * Plain JS, no framework, no CDN.
 */
(function () {
  "use strict";
  var root = document.getElementById("son-kontrol");
  var input = document.getElementById("scan-input");
  if (!root || !input) return;
  var api = root.dataset.api;
  var blind = root.dataset.blind === "1";
  var GS = "\x1d";
  var queue = [];
  var sending = false;
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = tokenMeta ? tokenMeta.content : "";
  function $(id) { return document.getElementById(id); }

  function beep(kind) { window.eczaneBeep(root, kind); }   /* beep.js */

  function show(state, code, title, product, message, pack) {
    var box = $("result");
    box.className = "result noprint " + state;
    box.dataset.state = state;
    box.dataset.code = code || "";
    $("result-title").textContent = title || "";
    $("result-product").textContent = product || "";
    $("result-message").textContent = message || "";
    $("result-pack").textContent = pack || "";
  }
  function setText(id, value) { var el = $(id); if (el) el.textContent = value; }
  function fmt(n) { return Number(n).toLocaleString("tr-TR"); }

  function applyFound(d) {
    var key = d.gtin + "/" + d.serial;
    var row = $("g-" + d.gtin);
    if (!blind) {
      var li = document.querySelector('#pick-list li[data-key="' + CSS.escape(key) + '"]');
      if (li) li.remove();
      if (row) {
        var rem = row.querySelector(".remaining");
        if (rem) rem.textContent = String(Math.max(0, Number(rem.textContent) - 1));
      }
    } else if (row) {
      var f = row.querySelector(".found-n");
      if (f) f.textContent = String(Number(f.textContent) + 1);
    }
    if (row) { row.classList.add("flash"); setTimeout(function () { row.classList.remove("flash"); }, 800); }
    var item = document.createElement("li");
    item.dataset.key = key;
    item.textContent = (d.product_name || d.gtin) + " · " + d.serial;
    $("found-list").insertBefore(item, $("found-list").firstChild);
  }

  function answer(d) {
    var pack = d.gtin ? ("GTIN " + d.gtin + " · Seri " + d.serial) : "";
    show(d.state, d.code, d.title, d.product_name, d.message, pack);
    setText("saved", fmt(d.saved));
    setText("pending", fmt(d.pending));
    setText("phrase", d.phrase);
    if (d.code === "found") applyFound(d);
    beep(d.state);
  }

  function pump() {
    if (sending || !queue.length) return;
    sending = true;
    var raw = queue.shift();
    fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify({ raw: raw })
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var d;
        try { d = JSON.parse(text); } catch (e) { d = { message: text }; }
        if (resp.status === 200) answer(d);
        else if (resp.status === 401) { show("red", "login", "OTURUM KAPANDI", "", "Oturum süresi doldu: yeniden giriş yapın.", ""); beep("red"); }
        else { show("red", "refused", "KAYDEDİLMEDİ", "", d.message || d.detail || ("Hata " + resp.status), ""); beep("red"); }
      });
    }).catch(function () {
      show("red", "offline", "BAĞLANTI YOK", "", "Sunucuya ulaşılamadı: kutuyu yeniden okutun.", "");
      beep("red");
    }).then(function () { sending = false; pump(); });
  }

  function insertGS() { input.setRangeText(GS, input.selectionStart, input.selectionEnd, "end"); }
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      var raw = input.value;
      input.value = "";
      if (raw.replace(/[\s\x1d]/g, "").length) { queue.push(raw); pump(); }
      return;
    }
    // GS from scanners that cannot type ASCII 29: Ctrl+], or F1–F12 inside a karekod
    // (research/its.md §6), as on the count page.
    if (e.ctrlKey && !e.altKey && e.code === "BracketRight") { e.preventDefault(); insertGS(); return; }
    if (/^F([1-9]|1[0-2])$/.test(e.key) && input.value.length) { e.preventDefault(); insertGS(); }
  });
  function refocus() {
    setTimeout(function () {
      var a = document.activeElement;
      if (!a || a === document.body || a.tagName === "A" || a.tagName === "BUTTON") input.focus();
    }, 0);
  }
  input.addEventListener("blur", refocus);
  input.focus();
})();
