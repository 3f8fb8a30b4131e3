/* doorstep maps: draw GeoJSON boundaries and building points with Leaflet, offline.
   Each <div data-map="ID-of-json-script" data-tiles="URL or empty"> becomes a map. Tiles are
   loaded only when a tile URL is configured; without one the shapes are drawn on a plain
   background, which is all a government intranet without internet can show. */
(function () {
  "use strict";
  var STYLES = {
    compound: { color: "#c8161d", weight: 2, fillOpacity: 0.12 },
    grid: { color: "#0b57d0", weight: 2, dashArray: "6 4", fillOpacity: 0.04 },
    region: { color: "#475467", weight: 1, fillOpacity: 0.05 }
  };

  function draw(el) {
    if (el.dataset.drawn || typeof L === "undefined") return;
    var source = document.getElementById(el.dataset.map);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    el.dataset.drawn = "1";
    var tiles = el.dataset.tiles;
    var map = L.map(el, { attributionControl: !!tiles, scrollWheelZoom: false, keyboard: true });
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    var shapes = L.featureGroup().addTo(map);
    (data.layers || []).forEach(function (layer) {
      if (!layer.geometry) return;
      L.geoJSON(layer.geometry, { style: STYLES[layer.kind] || STYLES.region })
        .bindTooltip(layer.label || "")
        .addTo(shapes);
    });
    (data.points || []).forEach(function (p) {
      L.circleMarker([p.lat, p.lng], { radius: 6, color: "#1f2328", weight: 1, fillColor: "#f79009", fillOpacity: 0.9 })
        .bindTooltip(p.label || "")
        .addTo(shapes);
    });
    if (shapes.getLayers().length) {
      map.fitBounds(shapes.getBounds(), { padding: [16, 16], maxZoom: 18 });
    } else if (data.center) {
      map.setView(data.center, 16);
    } else {
      map.setView([27.81, 114.40], 12);
    }
    el.classList.add("map-ready");
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-map]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", function (e) { drawAll(e.target); });
})();
