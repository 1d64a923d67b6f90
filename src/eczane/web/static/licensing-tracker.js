// Ruhsat dosyası takibi: keeps the form in localStorage (moved out of tracker.html for the CSP).
(function () {
  const KEY = "eczane.ruhsat.takip";
  const form = document.getElementById("takip-form");
  function state() {
    const out = {tur: form.tur.value, adimlar: {}, belgeler: {}};
    for (const el of form.elements) {
      if (!el.name || el.name === "tur" || el.name === "csrf_token") continue;
      let m = el.name.match(/^adim_(.+)_(tamam|hedef|not)$/);
      if (m) { (out.adimlar[m[1]] = out.adimlar[m[1]] || {})[m[2]] = el.value || null; continue; }
      m = el.name.match(/^belge_(.+)$/);
      if (m) { if (el.value) out.belgeler[m[1]] = el.value; continue; }
      out[el.name] = el.value || null;
    }
    return out;
  }
  function fill(s) {
    for (const el of form.elements) {
      if (!el.name || el.name === "tur" || el.name === "csrf_token") continue;
      let m = el.name.match(/^adim_(.+)_(tamam|hedef|not)$/);
      if (m) { el.value = ((s.adimlar || {})[m[1]] || {})[m[2]] || ""; continue; }
      m = el.name.match(/^belge_(.+)$/);
      if (m) { el.value = (s.belgeler || {})[m[1]] || ""; continue; }
      if (el.name in s) el.value = s[el.name] || "";
    }
  }
  function save() { localStorage.setItem(KEY, JSON.stringify(state())); }
  form.addEventListener("input", save);
  form.addEventListener("submit", save);
  const saved = localStorage.getItem(KEY);
  if (form.dataset.method === "GET" && saved) {
    const s = JSON.parse(saved);
    if (s.tur && s.tur !== form.tur.value && !location.search.includes("tur=")) {
      location.replace("/ruhsat/takip?tur=" + encodeURIComponent(s.tur));
      return;
    }
    if (s.tur === form.tur.value) { fill(s); form.requestSubmit(); }
  }
  for (const a of document.querySelectorAll("a[data-tur]")) {
    a.addEventListener("click", () => { const s = state(); s.tur = a.dataset.tur; localStorage.setItem(KEY, JSON.stringify(s)); });
  }
  document.getElementById("json-indir").addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(state(), null, 2)], {type: "application/json"});
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "ruhsat-takip.json";
    document.body.appendChild(a); a.click(); a.remove();
  });
  document.getElementById("json-yukle").addEventListener("change", (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    file.text().then((text) => {
      let s;
      try { s = JSON.parse(text); } catch (e) { alert("Dosya geçerli bir JSON değil."); return; }
      localStorage.setItem(KEY, JSON.stringify(s));
      location.assign("/ruhsat/takip?tur=" + encodeURIComponent(s.tur || "serbest"));
    });
  });
  document.getElementById("temizle").addEventListener("click", () => {
    localStorage.removeItem(KEY);
    location.assign("/ruhsat/takip?tur=" + encodeURIComponent(form.tur.value));
  });
})();
