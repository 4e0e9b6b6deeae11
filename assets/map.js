// The needs map (/needs/map). Draws, from the page's
// <div id="map" data-src="/needs/map/data?…">:
//  - open needs at their ROUNDED points (all the server sends), as circles
//    coloured by urgency, clustered where dense, each with a popup linking
//    to the need's page;
//  - the volunteer's offers: a marker and the radius circle;
//  - village names as permanent labels, which carry the geography when no
//    tiles are configured (the default: a plain background).
// Tiles come from data-tiles (HUZHU_MAP_TILES) with data-attribution.
// The page lists the nearest needs under the map, so it works without
// this file. Loaded with `defer` under the strict CSP: no inline code.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var zh = document.documentElement.lang !== "en";
  var status = document.getElementById("map-status");
  var URGENCY_COLOURS = { 3: "#b42318", 2: "#b25e00", 1: "#2f6b3a" };

  // Points are stored in WGS-84. Tiles of Amap, Tencent and other Chinese
  // services are in GCJ-02, offset by a few hundred metres; with
  // data-datum="gcj02" (HUZHU_MAP_DATUM) everything drawn is shifted into
  // it, for display only. The standard public transform (as in
  // eviltransform / coordtransform): Krasovsky 1940 ellipsoid, points
  // outside China unchanged.
  var gcj02 = el.getAttribute("data-datum") === "gcj02";
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
  function shown(lat, lon) {
    return gcj02 ? wgs84ToGcj02(lat, lon) : [lat, lon];
  }

  function say(text) {
    if (status) status.textContent = text;
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

  function popup(n) {
    var box = node("div", "map-popup");
    var title = node("a", "title", n.title);
    title.href = n.url;
    box.appendChild(title);
    var facts = [n.urgency_label, n.category, n.village];
    if (n.distance_km !== null) facts.push(zh ? n.distance_km + " 公里" : n.distance_km + " km");
    facts.push(n.waiting);
    box.appendChild(node("p", "meta", facts.join(" · ")));
    var open = node("a", "button", zh ? "查看并认领" : "View and claim");
    open.href = n.url;
    box.appendChild(open);
    return box;
  }

  function draw(d) {
    if (!d.origin) {
      say(zh ? "没有可以显示的位置。" : "There is no place to show.");
      return;
    }
    var origin = shown(d.origin.lat, d.origin.lon);
    // The square that holds the circle of the chosen distance.
    map.fitBounds(L.latLng(origin).toBounds(d.km * 2000), { padding: [8, 8] });

    d.villages.forEach(function (v) {
      L.circleMarker(shown(v.lat, v.lon), {
        radius: 2, stroke: false, fillColor: "#6b776b", fillOpacity: 0.9, interactive: false,
      }).bindTooltip(v.name, {
        permanent: true, direction: "bottom", offset: [0, 2], className: "map-label", interactive: false,
      }).addTo(map);
    });

    d.offers.forEach(function (o) {
      var at = shown(o.lat, o.lon);
      L.circle(at, {
        radius: o.radius_m, color: "#2f6b3a", weight: o.current ? 2 : 1,
        dashArray: "6 6", fillOpacity: o.current ? 0.06 : 0.02, interactive: false,
      }).addTo(map);
      L.marker(at, { title: o.label, alt: o.label, keyboard: true }).bindPopup(o.label).addTo(map);
    });
    if (d.origin_label) {
      L.marker(origin, { title: d.origin_label, alt: d.origin_label }).bindPopup(d.origin_label).addTo(map);
    }

    var cluster = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false });
    d.needs.forEach(function (n) {
      if (n.lat === null || n.lon === null) return;
      var colour = URGENCY_COLOURS[n.urgency] || URGENCY_COLOURS[1];
      cluster.addLayer(L.circleMarker(shown(n.lat, n.lon), {
        radius: 9, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.9,
      }).bindPopup(popup(n)));
    });
    map.addLayer(cluster);

    var count = d.needs.length;
    if (count === 0) {
      say(zh ? d.km + " 公里内暂时没有待认领的需求。" : "No open needs within " + d.km + " km for now.");
    } else if (d.more) {
      say(zh ? "地图显示最近的 " + count + " 个需求。" : "The map shows the nearest " + count + " needs.");
    } else {
      say(zh ? "地图上有 " + count + " 个需求，点圆点查看。" : count + " needs on the map: tap a dot to see one.");
    }
  }

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
})();
