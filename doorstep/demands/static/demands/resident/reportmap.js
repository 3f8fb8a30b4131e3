/* The public map of reports: fetches the newest reports in the current view from the JSON
   endpoint (bounding box + keyset paging), groups nearby points into numbered clusters on the
   screen, and mirrors them in a plain list (readable without the map, and on a slow network).
   Offline: Leaflet comes from this site; tiles only when a tile URL is configured. */
(function () {
  "use strict";
  var COLORS = {
    received: "#f79009", handling: "#0b57d0", checking: "#7a5af8", closed: "#12b76a",
    deliberation: "#dd2590", project: "#dd2590"
  };
  var CELL = 56; // px: points closer than this on screen are drawn as one cluster

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(template, n) { return template.replace("%(n)s", n); }

  function init() {
    var box = document.getElementById("report-map");
    if (!box || typeof L === "undefined") return;
    var d = box.dataset;
    var statusEl = document.getElementById("map-status");
    var listEl = document.getElementById("map-list");
    var moreBtn = document.getElementById("map-more");
    var form = document.getElementById("map-filters");
    var map = L.map(box, { attributionControl: !!d.tiles, keyboard: true, tap: true });
    // Open on the place in the address (#lat,lng,zoom: shareable), else on the whole city.
    var here = /^#(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+)$/.exec(location.hash);
    if (here) map.setView([parseFloat(here[1]), parseFloat(here[2])], parseInt(here[3], 10));
    else if (d.bounds) map.fitBounds(JSON.parse(d.bounds));
    else map.setView([27.81, 114.40], 12);
    if (d.tiles) L.tileLayer(d.tiles, { maxZoom: 19 }).addTo(map);
    var layer = L.layerGroup().addTo(map);
    var points = [];
    var next = "";
    var controller = null;
    var timer = null;

    function query(cursor) {
      var params = new URLSearchParams(new FormData(form));
      params.set("bbox", map.getBounds().toBBoxString());
      if (cursor) params.set("cursor", cursor);
      return d.points + "?" + params.toString();
    }

    function popup(p) {
      var div = el("div", "popup-report");
      if (p.thumb) {
        var img = el("img");
        img.src = p.thumb; img.alt = ""; img.loading = "lazy";
        div.appendChild(img);
      }
      div.appendChild(el("strong", "", p.category));
      div.appendChild(el("div", "", p.stage_label + " · " + p.date));
      if (p.place) div.appendChild(el("div", "muted small", p.place));
      if (p.approximate) div.appendChild(el("div", "muted small", d.approx));
      var a = el("a", "", d.open); a.href = p.url;
      div.appendChild(a);
      return div;
    }

    function draw() {
      layer.clearLayers();
      var cells = {};
      points.forEach(function (p) {
        var xy = map.latLngToLayerPoint([p.lat, p.lng]);
        var key = Math.floor(xy.x / CELL) + ":" + Math.floor(xy.y / CELL);
        (cells[key] = cells[key] || []).push(p);
      });
      Object.keys(cells).forEach(function (key) {
        var group = cells[key];
        if (group.length === 1) {
          var p = group[0];
          L.circleMarker([p.lat, p.lng], {
            radius: 8, color: "#fff", weight: 2, fillColor: COLORS[p.stage] || "#667085", fillOpacity: 0.95
          }).bindPopup(popup(p)).bindTooltip(p.category).addTo(layer);
          return;
        }
        var lat = 0, lng = 0;
        group.forEach(function (p) { lat += p.lat; lng += p.lng; });
        var size = group.length < 10 ? 30 : group.length < 100 ? 38 : 46;
        var marker = L.marker([lat / group.length, lng / group.length], {
          icon: L.divIcon({ className: "cluster-icon", html: String(group.length), iconSize: [size, size] }),
          title: d.zoom + " (" + group.length + ")", keyboard: true
        });
        marker.on("click", function () {
          var bounds = L.latLngBounds(group.map(function (p) { return [p.lat, p.lng]; }));
          if (map.getZoom() >= map.getMaxZoom() || bounds.getNorthEast().equals(bounds.getSouthWest())) {
            var div = el("div");
            group.slice(0, 20).forEach(function (p) { div.appendChild(popup(p)); });
            marker.bindPopup(div).openPopup();
          } else {
            map.fitBounds(bounds.pad(0.3));
          }
        });
        marker.addTo(layer);
      });
    }

    function list(fresh, reset) {
      if (reset) listEl.textContent = "";
      fresh.forEach(function (p) {
        var li = el("li");
        var a = el("a"); a.href = p.url;
        var head = el("div", "head");
        head.appendChild(el("span", "cat", p.category));
        head.appendChild(el("span", "stage stage-" + p.stage, p.stage_label));
        a.appendChild(head);
        a.appendChild(el("div", "meta", p.date + (p.place ? " · " + p.place : "") + (p.me_too ? " · +" + p.me_too : "")));
        li.appendChild(a);
        listEl.appendChild(li);
      });
    }

    function status() {
      if (!points.length) statusEl.textContent = d.none;
      else statusEl.textContent = fmt(next ? d.shown : d.all, points.length);
      moreBtn.hidden = !next;
    }

    function load(cursor) {
      if (controller) controller.abort();
      controller = new AbortController();
      statusEl.textContent = d.loading;
      fetch(query(cursor), { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          if (!cursor) points = [];
          points = points.concat(data.points);
          next = data.next || "";
          draw();
          list(data.points, !cursor);
          status();
          box.dataset.loaded = String(points.length);
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          statusEl.textContent = d.failed;
        });
    }

    function reload() {
      clearTimeout(timer);
      timer = setTimeout(function () { load(""); }, 250);
    }

    map.on("moveend", function () {
      var c = map.getCenter();
      history.replaceState(null, "", "#" + c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + map.getZoom());
      reload();
    });
    form.addEventListener("change", reload);
    form.addEventListener("submit", function (e) { e.preventDefault(); reload(); });
    moreBtn.addEventListener("click", function () { if (next) load(next); });
    load("");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
