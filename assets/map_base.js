// What every page map shares (loaded before the page's own map script):
// HuzhuMap.create(el) makes the Leaflet map in <div data-src data-datum
// data-tiles data-attribution>, with the county's tiles when configured
// and a plain background otherwise; HuzhuMap.load(el, draw) fetches
// the page's JSON from data-src and hands it to draw, or says it failed;
// HuzhuMap.say(text) writes the status line under the map.
// Loaded with `defer` under the strict CSP: no inline code.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";

  // Points are stored in WGS-84. Tiles of Amap, Tencent and other Chinese
  // services are in GCJ-02, offset by a few hundred metres; with
  // data-datum="gcj02" (HUZHU_MAP_DATUM) everything drawn is shifted into
  // it, for display only. The standard public transform (as in
  // eviltransform / coordtransform): Krasovsky 1940 ellipsoid, points
  // outside China unchanged.
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lat, lon) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }
  function shiftLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
    return r;
  }
  function shiftLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
    return r;
  }
  function wgs84ToGcj02(lat, lon) {
    if (outOfChina(lat, lon)) return [lat, lon];
    var dLat = shiftLat(lon - 105, lat - 35), dLon = shiftLon(lon - 105, lat - 35);
    var radLat = lat / 180 * PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180) / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [lat + dLat, lon + dLon];
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }

  // Attribution text is shown by Leaflet as HTML: escape it.
  function escaped(text) {
    var d = document.createElement("div");
    d.textContent = text;
    return d.innerHTML;
  }

  // The map in `el`, and `shown(lat, lon)`: where a stored point is drawn.
  function create(el) {
    var gcj02 = el.getAttribute("data-datum") === "gcj02";
    el.hidden = false;
    // Without tiles nothing else sets a zoom range, which clustering needs.
    var map = L.map(el, { zoomSnap: 0.5, minZoom: 5, maxZoom: 18 });
    map.attributionControl.setPrefix("Leaflet");
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, {
        attribution: escaped(el.getAttribute("data-attribution") || ""),
        maxZoom: 18,
      }).addTo(map);
    } else {
      el.classList.add("map-plain");
    }
    return {
      map: map,
      shown: function (lat, lon) { return gcj02 ? wgs84ToGcj02(lat, lon) : [lat, lon]; },
    };
  }

  function load(el, draw) {
    say(zh ? "正在加载地图…" : "Loading the map…");
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(draw)
      .catch(function (e) {
        if (window.console) console.error("map:", e && e.message ? e.message : e);
        say(zh ? "地图加载失败，请看下面的列表。" : "The map did not load; see the list below.");
      });
  }

  // What the page's status line (#map-status) says, for screen readers too.
  function say(text) {
    var status = document.getElementById("map-status");
    if (status) status.textContent = text;
  }

  window.HuzhuMap = { zh: zh, node: node, say: say, create: create, load: load };
})();
