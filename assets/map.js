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
// this file. Needs map_base.js; loaded with `defer` under the strict CSP.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !window.HuzhuMap) return;
  var H = window.HuzhuMap, zh = H.zh, node = H.node, say = H.say;
  var URGENCY_COLOURS = { 3: "#b42318", 2: "#b25e00", 1: "#2f6b3a" };

  var made = H.create(el), map = made.map, shown = made.shown;

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

  H.load(el, draw);
})();
