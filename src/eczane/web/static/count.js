/* Stok sayımı counter: a keyboard-wedge scanner types a karekod and Enter into #scan-input.
 *
 * Every scan goes first into a queue in localStorage (with its client_scan_id), then to
 * POST /api/sayim/{id}/scan, which commits before it answers; only then is it removed from the
 * queue. A lost server, a reload or a closed tab loses nothing: the queue is sent again when
 * the page is back (the server ignores a client_scan_id it already stored).
 * Plain JS, no framework, no CDN.
 */
(function () {
  "use strict";
  var root = document.getElementById("sayim");
  var input = document.getElementById("scan-input");
  if (!root || !input) return;

  var sid = root.dataset.session;
  var api = root.dataset.api;
  var QKEY = "eczane.sayim." + sid + ".queue";
  var RKEY = "eczane.sayim." + sid + ".refused";
  var PKEY = "eczane.sayim." + sid + ".problems";
  var DKEY = "eczane.device";
  var GS = "\x1d";
  var sending = false;
  var retryTimer = null;
  var backoff = 500;
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = tokenMeta ? tokenMeta.content : "";

  function rand(n) {
    var a = new Uint8Array(n);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function deviceId() {
    var d = localStorage.getItem(DKEY);
    if (!d) { d = "cihaz-" + rand(3); localStorage.setItem(DKEY, d); }
    return d;
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, list) { localStorage.setItem(key, JSON.stringify(list)); }
  function currentGrp() {
    var r = root.querySelector("input[name=grp]:checked");
    return r ? r.value : "raf";
  }
  function $(id) { return document.getElementById(id); }

  /* ---------- sound: beep.js (shared with the Son kontrol page) ---------- */
  function beep(kind) { window.eczaneBeep(root, kind); }

  /* ---------- feedback ---------- */
  var TITLES = { green: "YENİ KUTU", amber: "DİKKAT", red: "OKUNAMADI", queued: "KUYRUKTA" };
  function show(state, title, product, message, pack) {
    var box = $("result");
    box.className = "result " + state;
    box.dataset.state = state;
    $("result-title").textContent = title || TITLES[state] || "";
    $("result-product").textContent = product || "";
    $("result-message").textContent = message || "";
    $("result-pack").textContent = pack || "";
    $("choices").hidden = true;
    $("choices").textContent = "";
  }
  function fmtDate(iso) {
    if (!iso) return "";
    var p = iso.split("-");
    return p[2] + "." + p[1] + "." + p[0];
  }
  function showVerdict(item, v) {
    var title = TITLES[v.state];
    if (v.code === "duplicate") title = "ZATEN SAYILDI";
    else if (v.code === "ambiguous") title = "SEÇİM GEREKİYOR";
    var pack = v.gtin ? ("GTIN " + v.gtin + " · Seri " + v.serial + " · SKT " + fmtDate(v.expiry) +
      " · Parti " + v.batch) : "";
    var msg = v.message;
    if (v.notes && v.notes.length > 1) {
      msg = v.notes.map(function (n) { return n.message; }).join(" ");
    }
    show(v.state, title, v.product_name, msg, pack);
    $("result").dataset.code = v.code;
    // An unreadable scan the server stored is listed for every device ("Okunamayan okutmalar");
    // only what the server did not keep stays in this device's own list.
    if ((v.state === "red" && !v.stored_rejected) || v.code === "ambiguous") remember(item, msg);
    if (v.code === "ambiguous") showChoices(item, v.candidates);
    beep(v.state);
  }
  function showChoices(item, candidates) {
    var box = $("choices");
    box.textContent = "";
    candidates.forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = c.label;
      b.addEventListener("click", function () {
        enqueue({ raw: item.raw, grp: item.grp, choice: c.index });
        input.focus();
      });
      box.appendChild(b);
    });
    box.hidden = false;
  }
  function updateQueueStatus(offline) {
    var q = load(QKEY);
    var el = $("queue-status");
    el.dataset.pending = String(q.length);
    if (q.length === 0) el.textContent = "Bekleyen okutma yok";
    else el.textContent = q.length + " okutma gönderilmeyi bekliyor" +
      (offline ? " (sunucuya ulaşılamıyor; bağlantı gelince gönderilecek)" : "");
    var refused = load(RKEY);
    $("refused").hidden = refused.length === 0;
    var list = $("refused-list");
    list.textContent = "";
    refused.forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = r.raw.replace(/\x1d/g, "⟨GS⟩") + " — " + r.reason;
      list.appendChild(li);
    });
  }

  /* Scans that did not count and that the server did not keep (ambiguous, errors) stay listed on
     this device, so that one missed while the backlog was being sent is still seen. */
  function remember(item, message) {
    var list = load(PKEY);
    list.unshift({ raw: item.raw, message: message, at: new Date().toLocaleTimeString("tr-TR") });
    save(PKEY, list.slice(0, 20));
    renderProblems();
  }
  function renderProblems() {
    var list = load(PKEY);
    var box = $("problems");
    box.hidden = list.length === 0;
    var ul = $("problems-list");
    ul.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p.at + " · " + p.raw.replace(/\x1d/g, "⟨GS⟩") + " — " + p.message;
      ul.appendChild(li);
    });
  }

  /* ---------- queue and sender ---------- */
  function enqueue(fields) {
    var item = {
      raw: fields.raw, grp: fields.grp || currentGrp(), client_scan_id: rand(12),
      device_id: deviceId() + (fields.source ? "-" + fields.source : ""), at: new Date().toISOString()
    };
    if (fields.choice !== undefined) item.choice = fields.choice;
    var q = load(QKEY);
    q.push(item);
    save(QKEY, q);
    if (q.length > 1 || sending) {
      show("queued", "KUYRUKTA", "", "Okutma bu sayfada saklandı, kaydedilmeyi bekliyor.", "");
      beep("queued");
    }
    updateQueueStatus(false);
    pump();
  }
  function dropHead(item) {
    var q = load(QKEY);
    if (q.length && q[0].client_scan_id === item.client_scan_id) q.shift();
    else q = q.filter(function (x) { return x.client_scan_id !== item.client_scan_id; });
    save(QKEY, q);
  }
  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; pump(); }, backoff);
    backoff = Math.min(backoff * 2, 5000);
  }
  function pump() {
    if (sending) return;
    var q = load(QKEY);
    if (!q.length) { updateQueueStatus(false); return; }
    var item = q[0];
    sending = true;
    var body = { raw: item.raw, client_scan_id: item.client_scan_id, device_id: item.device_id, grp: item.grp };
    if (item.choice !== undefined) body.choice = item.choice;
    fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (resp.status === 403 && resp.headers.get("X-CSRF-Refused")) {
        // The token belongs to an older login (e.g. logged in again in another tab): fetch the
        // current one and send the scan again; it stays queued meanwhile.
        return fetch("/api/csrf", { credentials: "same-origin" }).then(function (r) {
          return r.json();
        }).then(function (d) {
          sending = false;
          if (d.token && d.token !== csrfToken) { csrfToken = d.token; pump(); }
          else { updateQueueStatus(true); scheduleRetry(); }
          return null;
        });
      }
      if (resp.status === 401) {
        sending = false;
        show("red", "OTURUM KAPANDI", "", "Oturum süresi doldu: yeniden giriş yapın. Okutmalar bu sayfada bekletiliyor.", "");
        beep("red");
        updateQueueStatus(true);
        scheduleRetry();
        return null;
      }
      if (resp.status >= 500) throw new Error("server " + resp.status);
      return resp.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (e) { data = { message: text }; }
        dropHead(item);
        if (resp.status === 200) {
          showVerdict(item, data);
          if (window.htmx) htmx.trigger("#canli", "refresh");
        } else {
          if (resp.status === 409) {
            var r = load(RKEY);
            item.reason = data.message;
            r.push(item);
            save(RKEY, r);
          }
          show("red", "KAYDEDİLMEDİ", "", data.message || ("Hata " + resp.status), "");
          if (resp.status !== 409) remember(item, data.message || ("Hata " + resp.status));
          beep("red");
        }
        backoff = 500;
        sending = false;
        updateQueueStatus(false);
        pump();
      });
    }).catch(function () {
      sending = false;
      updateQueueStatus(true);
      if (load(QKEY).length) show("queued", "BAĞLANTI YOK", "", "Sunucuya ulaşılamıyor: okutmalar bu sayfada saklanıyor, bağlantı gelince gönderilecek.", "");
      scheduleRetry();
    });
  }

  /* ---------- keyboard wedge ---------- */
  function insertGS() {
    var s = input.selectionStart, e = input.selectionEnd;
    input.setRangeText(GS, s, e, "end");
  }
  var altDigits = "";
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      var raw = input.value;   // read the whole value on Enter: nothing typed is lost
      input.value = "";
      if (raw.replace(/[\s\x1d]/g, "").length) enqueue({ raw: raw });
      return;
    }
    // GS as sent by scanners that cannot type ASCII 29: Ctrl+] (physical key), F1–F12 while a
    // karekod is being typed (research/its.md §6: NPI treats F1–F12 as FNC1), Alt+0,2,9.
    if (e.ctrlKey && !e.altKey && e.code === "BracketRight") { e.preventDefault(); insertGS(); return; }
    if (/^F([1-9]|1[0-2])$/.test(e.key) && input.value.length) { e.preventDefault(); insertGS(); return; }
    if (e.altKey && /^Numpad[0-9]$/.test(e.code)) { altDigits += e.code.slice(6); e.preventDefault(); return; }
  });
  input.addEventListener("keyup", function (e) {
    if (e.key === "Alt") {
      if (altDigits === "29" || altDigits === "029" || altDigits === "0029") insertGS();
      altDigits = "";
    }
  });

  /* keep the focus in the scan input unless the user types into another field */
  function isEntry(el) {
    return el && el !== input && el.matches &&
      el.matches("input:not([type=radio]):not([type=checkbox]):not([type=button]):not([type=submit]), select, textarea");
  }
  function refocus() {
    // A phone counting with its camera (count-camera.js): no on-screen keyboard over the video.
    if (root.dataset.camera === "on" && window.matchMedia("(pointer: coarse)").matches) return;
    setTimeout(function () { if (!isEntry(document.activeElement)) input.focus(); }, 0);
  }
  input.addEventListener("blur", refocus);
  document.addEventListener("click", refocus);
  document.body.addEventListener("htmx:afterSwap", function () {
    // Another device paused or closed the count: say so (scans sent now would be refused).
    var live = $("canli");
    var status = live ? live.dataset.status : "open";
    if (status !== root.dataset.status) {
      root.dataset.status = status;
      $("session-status").textContent = status === "closed" ? "Kapatıldı" : (status === "paused" ? "Duraklatıldı" : "Açık");
      if (status !== "open") {
        show("red", status === "closed" ? "SAYIM KAPATILDI" : "SAYIM DURAKLATILDI", "",
          "Bu sayım başka bir cihazdan " + (status === "closed" ? "kapatıldı" : "duraklatıldı") +
          ". Okutmalar kaydedilmez; sayfayı yenileyin.", "");
        beep("red");
      }
    }
    refocus();
  });

  $("refused-retry").addEventListener("click", function () {
    var r = load(RKEY);
    save(RKEY, []);
    r.forEach(function (item) { enqueue({ raw: item.raw, grp: item.grp }); });
    updateQueueStatus(false);
  });
  $("refused-clear").addEventListener("click", function () {
    if (confirm("Kaydedilemeyen okutmalar listeden silinsin mi?")) { save(RKEY, []); updateQueueStatus(false); }
  });

  // A camera read (count-camera.js) joins the same queue as a USB scanner's.
  document.addEventListener("eczane:karekod", function (e) {
    if (e.detail && typeof e.detail.raw === "string") enqueue({ raw: e.detail.raw, source: e.detail.source });
  });
  $("problems-clear").addEventListener("click", function () { save(PKEY, []); renderProblems(); });
  window.addEventListener("online", function () { backoff = 500; pump(); });
  $("device-name").textContent = deviceId();
  updateQueueStatus(false);
  renderProblems();
  input.focus();
  pump();   // scans left from before a reload or a lost connection
})();
