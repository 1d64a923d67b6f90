/* Stok sayımı with a camera: a phone's or laptop's camera reads karekods beside USB scanners.
 *
 * Frames of the camera stream are decoded in the browser by ZXing's WebAssembly build
 * (vendor/zxing-wasm, see vendor/VENDORED.md; the .wasm file is served by eczane itself, no
 * network at run time). Each new code is handed to count.js as an "eczane:karekod" event, so it
 * goes through the same queue, the same POST /api/sayim/{id}/scan and the same karekod engine as
 * a USB scanner's read. A code stays in view for many frames: it is sent once per camera session
 * (the server de-duplicates packs as well). getUserMedia needs a secure context: HTTPS, or
 * localhost (docs/kamera.md).
 */
(function () {
  "use strict";
  var button = document.getElementById("camera-toggle");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  var sayim = document.getElementById("sayim");
  if (!button || !video || !status) return;

  var WASM_DIR = "/static/vendor/zxing-wasm/";
  var PAUSE_MS = 120;
  var MAX_SEEN = 5000;
  var stream = null;
  var seen = new Set();
  var reads = 0;
  var canvas = document.createElement("canvas");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var OPTIONS = { formats: ["DataMatrix"], tryHarder: true, textMode: "Plain", maxNumberOfSymbols: 4 };

  function say(text, state) {
    status.textContent = text;
    status.dataset.state = state || "";
  }
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    button.disabled = true;
    say("Kamera bu bağlantıda kullanılamaz: tarayıcılar kamerayı yalnızca HTTPS (ya da bu bilgisayarın kendisi, localhost) üzerinden açar. Yöneticiniz eczane'yi HTTPS ile yayınlamalı.", "error");
    return;
  }
  if (!window.ZXingWASM) { button.disabled = true; say("Kamera okuyucusu yüklenemedi.", "error"); return; }
  window.ZXingWASM.prepareZXingModule({
    overrides: { locateFile: function (path) { return WASM_DIR + path; } }
  });

  function found(results) {
    results.forEach(function (r) {
      if (!r.isValid || !r.text) return;
      var raw = (r.symbologyIdentifier || "") + r.text;
      if (seen.has(raw)) return;
      if (seen.size >= MAX_SEEN) seen.clear();
      seen.add(raw);
      reads += 1;
      video.dataset.reads = String(reads);
      say("Kamera açık · bu oturumda " + reads + " farklı karekod okundu.", "on");
      document.dispatchEvent(new CustomEvent("eczane:karekod", { detail: { raw: raw, source: "kamera" } }));
    });
  }
  function tick() {
    if (!stream) return;
    if (video.readyState < 2 || !video.videoWidth) { setTimeout(tick, PAUSE_MS); return; }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    ctx.drawImage(video, 0, 0);
    var frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
    window.ZXingWASM.readBarcodes(frame, OPTIONS).then(found, function () { /* next frame */ })
      .then(function () { setTimeout(tick, PAUSE_MS); });
  }
  function start() {
    say("Kamera açılıyor…", "");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        seen = new Set();
        reads = 0;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        button.textContent = "Kamerayı kapat";
        video.dataset.state = "on";
        if (sayim) sayim.dataset.camera = "on";
        say("Kamera açık · karekodu çerçeveye tutun.", "on");
        tick();
      }, function (err) {
        say("Kamera açılamadı (" + (err && err.name ? err.name : "hata") + "). Tarayıcıda kamera iznini verin.", "error");
      });
  }
  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    video.dataset.state = "off";
    if (sayim) sayim.dataset.camera = "off";
    button.textContent = "Kamerayla okut";
    say("Kamera kapalı.", "");
  }
  button.addEventListener("click", function () { if (stream) stop(); else start(); });
})();
