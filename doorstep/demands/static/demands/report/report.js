/* doorstep · report form (随手拍 and the staff entry).
   - photos: up to N, each decoded and redrawn on a canvas (longest side ≤ data-resize px, JPEG at
     data-quality), so uploads are small and carry no EXIF; a file the browser cannot read is sent
     as it is and the server says what is wrong with it;
   - place: the phone's position (WGS-84) or a tap on the map; the map shows WGS-84 unless a
     GCJ-02 tile server is configured, then taps are GCJ-02 and are sent as such (the server
     converts); the system always travels with the numbers;
   - category: suggestions from /api/v1/categories/suggest while typing (debounced), tap to accept;
   - similar open reports near the place, with "me too" (htmx);
   - sending: one XMLHttpRequest with a progress bar; on failure the form stays filled and says so;
     the form's one-time key makes a repeated send return the first report. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-report-form]");
  if (!form) return;
  var S = readJSON("rp-strings") || {};
  var MAX = parseInt(form.dataset.maxPhotos || "9", 10);
  var SIDE = parseInt(form.dataset.resize || "1600", 10);
  var QUALITY = parseFloat(form.dataset.quality || "0.8");
  var $ = function (sel) { return form.querySelector(sel); };
  var photos = []; // {id, blob, name, url, ready: Promise, raw: bool}
  var seq = 0;
  var sending = false;
  form.classList.add("rp-js");

  function readJSON(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  }
  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; }).replace(/%%/g, "%");
  }
  function say(text, isError) {
    var box = document.getElementById("rp-status");
    if (!box) return;
    box.textContent = text || "";
    box.classList.toggle("error", !!isError);
  }

  /* ---- photos ------------------------------------------------------------------------------ */
  var list = document.getElementById("rp-thumbs");
  var note = document.getElementById("rp-photo-note");

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return viaImg(file); });
    }
    return viaImg(file);
  }
  function viaImg(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }
  function shrink(file) {
    return decode(file).then(function (pic) {
      var w = pic.width, h = pic.height;
      if (!w || !h) throw new Error("empty");
      var scale = Math.min(1, SIDE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(pic, 0, 0, canvas.width, canvas.height);
      if (pic.close) pic.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("encode")); }, "image/jpeg", QUALITY);
      });
    });
  }
  function baseName(name, i) {
    var stem = String(name || "photo").replace(/\.[^.]*$/, "").replace(/[^\w\u4e00-\u9fff-]+/g, "_").slice(0, 40);
    return (stem || "photo") + "-" + i + ".jpg";
  }
  function addFiles(files) {
    var skipped = 0;
    Array.prototype.forEach.call(files, function (file) {
      if (photos.length >= MAX) { skipped += 1; return; }
      var item = { id: ++seq, name: file.name, blob: file, raw: true };
      var li = document.createElement("li");
      li.className = "rp-thumb busy";
      li.dataset.photo = item.id;
      li.innerHTML = '<span class="rp-thumb-n"></span><span class="rp-thumb-state"></span>' +
        '<button type="button" class="rp-remove link"></button>';
      li.querySelector(".rp-thumb-state").textContent = S.preparing || "…";
      var remove = li.querySelector(".rp-remove");
      remove.textContent = S.remove || "×";
      remove.setAttribute("aria-label", S.remove || "remove");
      remove.addEventListener("click", function () {
        photos = photos.filter(function (p) { return p !== item; });
        if (item.url) URL.revokeObjectURL(item.url);
        li.remove();
        count();
      });
      list.appendChild(li);
      photos.push(item);
      item.ready = shrink(file).then(function (blob) {
        item.blob = blob; item.raw = false; item.name = baseName(file.name, item.id);
        item.url = URL.createObjectURL(blob);
        var img = document.createElement("img");
        img.src = item.url; img.alt = S.photo || ""; li.insertBefore(img, li.firstChild);
        li.querySelector(".rp-thumb-state").textContent = Math.max(1, Math.round(blob.size / 1024)) + " KB";
      }, function () {
        // Not readable here (not a picture, or a format this browser lacks): the server decides.
        li.querySelector(".rp-thumb-state").textContent = S.unreadable || "?";
        li.classList.add("raw");
      }).then(function () { li.classList.remove("busy"); });
    });
    count();
    if (skipped) say(fmt(S.too_many, { max: MAX, skipped: skipped }), true);
  }
  function count() {
    if (note) note.textContent = fmt(S.photo_count, { n: photos.length, max: MAX });
    // The server names a bad photo by its place in the list ("photo 2: …"): show the places.
    list.querySelectorAll(".rp-thumb-n").forEach(function (n, i) { n.textContent = String(i + 1); });
  }
  form.querySelectorAll(".rp-file").forEach(function (input) {
    input.addEventListener("change", function () {
      addFiles(input.files);
      input.value = "";
    });
  });

  /* ---- place ------------------------------------------------------------------------------- */
  var cfg = readJSON("rp-map-config") || {};
  var gcjTiles = !!cfg.tiles && cfg.tile_system === "gcj02";
  var mapSystem = gcjTiles ? "gcj02" : "wgs84";
  var lngInput = $("input[name=lng]"), latInput = $("input[name=lat]"), sysInput = $("input[name=system]");
  var map = null, marker = null;

  // WGS-84 → GCJ-02 (the public offset formula; only to draw a phone position on GCJ-02 tiles).
  function outOfChina(lng, lat) { return !(lng > 73.66 && lng < 135.05 && lat > 3.86 && lat < 53.55); }
  function toGcj(lng, lat) {
    if (outOfChina(lng, lat)) return [lng, lat];
    var a = 6378245.0, ee = 0.00669342162296594323, PI = Math.PI;
    var x = lng - 105, y = lat - 35;
    var s = (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    var dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + s +
      (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3 +
      (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
    var dlng = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + s +
      (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3 +
      (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
    var rad = lat / 180 * PI, magic = 1 - ee * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dlat = dlat * 180 / ((a * (1 - ee)) / (magic * sq) * PI);
    dlng = dlng * 180 / (a / sq * Math.cos(rad) * PI);
    return [lng + dlng, lat + dlat];
  }
  // A point as the map draws it: [lat, lng].
  function onMap(lng, lat, system) {
    if (gcjTiles && system === "wgs84") { var g = toGcj(lng, lat); return [g[1], g[0]]; }
    return [lat, lng];
  }
  function geometryOnMap(geometry) {
    if (!gcjTiles) return geometry;
    var conv = function (c) { return typeof c[0] === "number" ? toGcj(c[0], c[1]) : c.map(conv); };
    return { type: geometry.type, coordinates: conv(geometry.coordinates) };
  }

  function setPoint(lng, lat, system, label) {
    lngInput.value = (+lng).toFixed(7);
    latInput.value = (+lat).toFixed(7);
    sysInput.value = system;
    var where = document.getElementById("rp-where");
    if (where) where.textContent = label || S.marked || "";
    if (map) {
      var ll = onMap(+lng, +lat, system);
      if (marker) marker.setLatLng(ll);
      else marker = L.circleMarker(ll, { radius: 9, color: "#c8161d", weight: 3, fillColor: "#fff", fillOpacity: 0.9 }).addTo(map);
      map.panTo(ll);
    }
    clearErrors("location");
    loadNearby();
  }

  function initMap() {
    var el = document.getElementById("rp-map");
    if (!el || typeof L === "undefined") return;
    map = L.map(el, { attributionControl: !!cfg.tiles, scrollWheelZoom: false, zoomControl: true });
    if (cfg.tiles) L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map);
    (cfg.areas || []).forEach(function (area) {
      L.geoJSON(geometryOnMap(area.geometry), {
        interactive: false,
        style: area.kind === "compound"
          ? { color: "#c8161d", weight: 1.5, fillOpacity: 0.06 }
          : { color: "#475467", weight: 1, fillOpacity: 0.02, dashArray: "4 4" }
      }).addTo(map);
      if (area.kind === "compound" && area.geometry) {
        try {
          var b = L.geoJSON(geometryOnMap(area.geometry)).getBounds();
          L.tooltip({ permanent: true, direction: "center", className: "rp-label" })
            .setLatLng(b.getCenter()).setContent(area.name).addTo(map);
        } catch (e) { /* a shape without extent */ }
      }
    });
    var c = cfg.center || [27.81, 114.40];
    map.setView(onMap(c[1], c[0], "wgs84"), cfg.zoom || 15);
    map.on("click", function (e) { setPoint(e.latlng.lng, e.latlng.lat, mapSystem); });
    // Keyboard: the arrow keys move the map (Leaflet), Enter marks the point in its centre.
    el.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.target !== el) return;
      e.preventDefault();
      var c = map.getCenter();
      setPoint(c.lng, c.lat, mapSystem);
    });
    el.classList.add("map-ready");
    if (lngInput.value && latInput.value) {
      var ll = onMap(+lngInput.value, +latInput.value, sysInput.value || "wgs84");
      marker = L.circleMarker(ll, { radius: 9, color: "#c8161d", weight: 3, fillColor: "#fff", fillOpacity: 0.9 }).addTo(map);
      map.setView(ll, Math.max(map.getZoom(), 16));
      loadNearby();
    }
  }

  var locateButton = document.getElementById("rp-locate");
  if (locateButton) {
    if (!navigator.geolocation) locateButton.hidden = true;
    locateButton.addEventListener("click", function () {
      var where = document.getElementById("rp-where");
      if (where) where.textContent = S.locating || "";
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPoint(pos.coords.longitude, pos.coords.latitude, "wgs84",
          fmt(S.located, { m: Math.round(pos.coords.accuracy || 0) }));
        if (map) map.setView(onMap(pos.coords.longitude, pos.coords.latitude, "wgs84"), 17);
      }, function () {
        if (where) where.textContent = S.no_position || "";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  /* ---- similar reports nearby -------------------------------------------------------------- */
  var nearby = document.getElementById("rp-nearby");
  var category = $("select[name=category]");
  function loadNearby() {
    if (!nearby || !form.dataset.nearbyUrl || !lngInput.value || !latInput.value) return;
    var q = new URLSearchParams({ lng: lngInput.value, lat: latInput.value, system: sysInput.value || "wgs84" });
    if (category && category.value) q.set("category", category.value);
    var url = form.dataset.nearbyUrl + "?" + q.toString();
    if (window.htmx) {
      htmx.ajax("GET", url, { target: nearby, swap: "innerHTML" });
    } else {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
        .then(function (html) { nearby.innerHTML = html; }).catch(function () {});
    }
  }

  /* ---- category suggestions ----------------------------------------------------------------- */
  var text = $("textarea[name=text]");
  var suggestBox = document.getElementById("rp-suggest");
  var chips = document.getElementById("rp-chips");
  var timer = null, lastAsked = "";
  function option(s) {
    var id = s.id || s.category_id || (s.category && s.category.id);
    var code = s.code || (s.category && s.category.code);
    var opts = category ? category.options : [];
    for (var i = 0; i < opts.length; i++) {
      if ((id && String(opts[i].value) === String(id)) || (code && opts[i].dataset.code === code)) return opts[i];
    }
    return null;
  }
  function showSuggestions(items) {
    chips.innerHTML = "";
    var shown = 0;
    items.slice(0, 3).forEach(function (s) {
      var opt = option(s);
      if (!opt) return;
      var b = document.createElement("button");
      b.type = "button";
      b.className = "rp-chip secondary";
      var score = typeof s.score === "number" ? " " + Math.round(s.score * 100) + "%" : "";
      b.textContent = opt.textContent + score;
      b.setAttribute("aria-pressed", category.value === opt.value ? "true" : "false");
      b.addEventListener("click", function () {
        category.value = opt.value;
        chips.querySelectorAll(".rp-chip").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
        loadNearby();
      });
      chips.appendChild(b);
      shown += 1;
    });
    suggestBox.hidden = shown === 0;
  }
  function askSuggest() {
    var value = text.value.trim();
    if (value.length < 4 || value === lastAsked || !form.dataset.suggestUrl) return;
    lastAsked = value;
    fetch(form.dataset.suggestUrl + "?text=" + encodeURIComponent(value.slice(0, 500)), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : []; }).then(function (data) {
      if (text.value.trim() !== value) return; // typed on meanwhile: a newer request follows
      var items = Array.isArray(data) ? data : (data.suggestions || data.results || data.items || []);
      showSuggestions(items);
    }).catch(function () { /* suggestions are a help, not a must */ });
  }
  if (text && chips && category) {
    text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(askSuggest, 500); });
    category.addEventListener("change", loadNearby);
    if (text.value.trim()) askSuggest();
  }

  /* ---- staff extras ------------------------------------------------------------------------ */
  var channel = $("select[name=channel]");
  var anonymous = $("input[name=anonymous]");
  function staffToggles() {
    var ticketRow = document.getElementById("rp-ticket-row");
    if (channel && ticketRow) {
      var ticket = ticketRow.querySelector("input[name=external_ticket]");
      if (ticket) ticket.required = channel.value === "hotline";
    }
    var contact = document.getElementById("rp-contact");
    if (contact && anonymous) {
      contact.querySelectorAll("input").forEach(function (i) { i.disabled = anonymous.checked; });
    }
  }
  if (form.hasAttribute("data-staff")) {
    if (channel) channel.addEventListener("change", staffToggles);
    if (anonymous) anonymous.addEventListener("change", staffToggles);
    var region = $("select[name=region]");
    if (region) region.addEventListener("change", function () { clearErrors("location"); });
    staffToggles();
  }

  /* ---- sending ----------------------------------------------------------------------------- */
  function clearErrors(field) {
    form.querySelectorAll(field ? '[data-errors-for="' + field + '"]' : "[data-errors-for]").forEach(function (box) {
      box.innerHTML = "";
    });
  }
  function showErrors(errors) {
    clearErrors();
    var first = null;
    Object.keys(errors || {}).forEach(function (field) {
      var box = form.querySelector('[data-errors-for="' + field + '"]') || form.querySelector('[data-errors-for="__other__"]');
      (errors[field] || []).forEach(function (m) {
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = m;
        box.appendChild(p);
      });
      first = first || box;
    });
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }
  var button = document.getElementById("rp-submit");
  var progress = document.getElementById("rp-progress");
  function busy(on) {
    sending = on;
    if (button) { button.disabled = on; button.setAttribute("aria-busy", on ? "true" : "false"); }
    if (progress) { progress.hidden = !on; if (!on) progress.value = 0; }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (sending) return;
    clearTimeout(timer); // no more suggestions once the form is on its way
    busy(true);
    say(S.preparing_send || "", false);
    Promise.all(photos.map(function (p) { return p.ready; })).then(function () {
      var data = new FormData(form);
      data.delete("photos");
      data.delete("q");
      photos.forEach(function (p) { data.append("photos", p.blob, p.raw ? (p.name || "photo") : p.name); });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) xhr.setRequestHeader("X-CSRFToken", token.value);
      xhr.timeout = 180000;
      xhr.upload.onprogress = function (ev) {
        if (!ev.lengthComputable) return;
        var pct = Math.round(ev.loaded * 100 / ev.total);
        if (progress) progress.value = pct;
        say(fmt(S.uploading, { pct: pct }), false);
      };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status === 200 && body && body.ok) {
          say(fmt(S.sent, { number: body.number }), false);
          window.location.assign(body.url);
          return;
        }
        busy(false);
        if (body && body.errors) {
          showErrors(body.errors);
          say(body.message || S.check, true);
        } else {
          say(fmt(S.server_error, { status: xhr.status }), true);
        }
      };
      xhr.onerror = xhr.ontimeout = function () {
        busy(false);
        say(S.network, true);
      };
      xhr.send(data);
    });
  });

  count();
  if (document.readyState === "complete") initMap();
  else window.addEventListener("load", initMap);
})();
