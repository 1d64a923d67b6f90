/* The scan beep of the count page and the Son kontrol page: one short WebAudio tone pattern
 * per state, the same on both (a pharmacist learns one set of sounds). The state is also left
 * in ``element.dataset.lastBeep`` (the browser tests read it; no audio device is needed).
 * Plain JS, no framework, no CDN.
 */
(function () {
  "use strict";
  var audio = null;
  var TONES = {
    green: [[1500, 0.07]],
    amber: [[660, 0.08], [0, 0.05], [660, 0.08]],
    red: [[200, 0.35]],
    queued: [[1000, 0.03]]
  };
  window.eczaneBeep = function (element, kind) {
    element.dataset.lastBeep = kind;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var t = audio.currentTime;
      (TONES[kind] || []).forEach(function (tone) {
        if (tone[0]) {
          var o = audio.createOscillator();
          var g = audio.createGain();
          o.type = kind === "red" ? "square" : "sine";
          o.frequency.value = tone[0];
          g.gain.value = 0.12;
          o.connect(g); g.connect(audio.destination);
          o.start(t); o.stop(t + tone[1]);
        }
        t += tone[1];
      });
    } catch (e) { /* no audio device: the colour still tells */ }
  };
})();
