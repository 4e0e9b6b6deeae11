// The coordinators' map of open needs (/map). Draws, from the page's
// <div id="map" data-src="/map/data?…">:
//  - each village with open needs at its village's point, as a dot sized
//    by how many wait and coloured by the longest wait (the colours of the
//    legend's .wait-N keys, so that they are set in huzhu.css alone); a
//    tap opens a popup that leads to its waiting needs (and, from a
//    county, to its township's map);
//  - in a township, its other villages as small named dots, for bearings
//    when no tiles are configured;
//  - the volunteers' reach: squares shaded by the free places of the
//    offers that reach each (none: a gap), a layer that can be turned off.
// The page has the same figures as a table, so it serves without this
// file. Needs map_base.js; loaded with `defer` under the strict CSP.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !window.HuzhuMap) return;
  var H = window.HuzhuMap, zh = H.zh, node = H.node, say = H.say;

  function colour(bucket) {
    var key = document.querySelector(".wait-key .wait-" + bucket);
    return key ? window.getComputedStyle(key).backgroundColor : "#6b776b";
  }

  var made = H.create(el), map = made.map, shown = made.shown;

  function popup(v) {
    var box = node("div", "map-popup");
    box.appendChild(node("span", "title", v.name));
    box.appendChild(node("span", "meta", v.township));
    var counts = zh
      ? v.open + " 个待匹配需求" + (v.urgent ? "，紧急 " + v.urgent + " 个" : "")
      : v.open + (v.open === 1 ? " open need" : " open needs") + (v.urgent ? ", " + v.urgent + " very urgent" : "");
    box.appendChild(node("span", "meta", counts));
    box.appendChild(node("span", "meta", v.longest));
    var open = node("a", "button", zh ? "查看等待的需求" : "See its waiting needs");
    open.href = v.waiting_url;
    box.appendChild(open);
    if (v.township_url) {
      var township = node("a", "drill", zh ? "看" + v.township + "的各村" : "Zoom to " + v.township);
      township.href = v.township_url;
      box.appendChild(township);
    }
    return box;
  }

  function draw(d) {
    if (d.bounds) {
      var fit = function () {
        map.fitBounds([shown(d.bounds[0][0], d.bounds[0][1]), shown(d.bounds[1][0], d.bounds[1][1])], {
          padding: [40, 40], maxZoom: 14, animate: false,
        });
      };
      fit();
      // The place stays in view when the window turns or grows, until the
      // person moves or zooms the map themselves.
      var following = true;
      ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (type) {
        el.addEventListener(type, function () { following = false; }, { passive: true });
      });
      map.on("resize", function () { if (following) fit(); });
    }

    // Each square shaded once, darker for more free places (on a log
    // scale, so that one busy town doesn't wash out the rest).
    var reach = L.layerGroup();
    if (d.coverage) {
      var most = 1, half = d.coverage.step / 2;
      d.coverage.squares.forEach(function (s) { most = Math.max(most, s.free); });
      d.coverage.squares.forEach(function (s) {
        L.rectangle([shown(s.lat - half, s.lon - half), shown(s.lat + half, s.lon + half)], {
          stroke: false, fillColor: "#2f6b3a", interactive: false,
          fillOpacity: 0.06 + 0.3 * Math.log(1 + s.free) / Math.log(1 + most),
        }).addTo(reach);
      });
    }
    reach.addTo(map);

    d.others.forEach(function (v) {
      L.circleMarker(shown(v.lat, v.lon), {
        radius: 3, stroke: false, fillColor: "#6b776b", fillOpacity: 0.9, interactive: false,
      }).bindTooltip(v.name, {
        permanent: true, direction: "bottom", offset: [0, 2], className: "map-label", interactive: false,
      }).addTo(map);
    });

    // The largest dots first, so that smaller ones stay on top.
    var villages = L.layerGroup();
    d.villages.slice().sort(function (a, b) { return b.open - a.open; }).forEach(function (v) {
      L.circleMarker(shown(v.lat, v.lon), {
        radius: Math.min(22, 5 + 2.5 * Math.sqrt(v.open)), color: "#ffffff", weight: 1.5,
        fillColor: colour(v.bucket), fillOpacity: 0.9, className: "village-mark",
      }).bindPopup(popup(v)).bindTooltip(v.name + " · " + v.open, {
        permanent: d.labels, direction: "top", offset: [0, -6], className: d.labels ? "map-label" : "",
      }).addTo(villages);
    });
    villages.addTo(map);

    var layers = {};
    layers[zh ? "有需求的村" : "Villages with needs"] = villages;
    layers[zh ? "志愿者能到达的范围" : "Where volunteers reach"] = reach;
    L.control.layers(null, layers, { collapsed: true }).addTo(map);

    var count = d.villages.length;
    if (count === 0) {
      say(zh ? "这里目前没有待匹配的需求。" : "No need is waiting here right now.");
    } else {
      say(zh ? "地图上有 " + count + " 个村有待匹配的需求，点圆点查看。"
        : count + (count === 1 ? " village has" : " villages have") + " open needs on the map: tap a dot to see one.");
    }
  }

  H.load(el, draw);
})();
