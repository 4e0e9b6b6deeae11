// A form's place: a small map (Leaflet, no tiles: the villages' names on a
// plain background) where a tap sets the hidden lat/lon, and a line that
// says which place the form will use.
// The offer form: the point set last wins. A tap or "use my location"
// fills lat/lon, which the server prefers over the village; picking a
// village afterwards clears them again.
// The household form (`data-exact` on the map): the village is always the
// household's, and lat/lon are its optional exact point at the doorstep,
// kept when the village changes and removed only on request.
// Without this file the village select alone works. Loaded before
// huzhu.js (both deferred), so it sees every village before the select is
// split by township.
(function () {
  "use strict";
  // Leaflet writes a string tooltip as HTML; a village's name is text.
  function textOnly(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }
  var zh = document.documentElement.lang !== "en";
  var select = document.getElementById("f-village");
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  var used = document.getElementById("place-used");
  var clear = document.querySelector("button[data-clear-point]");
  var box = document.getElementById("place-map");
  if (!lat || !lon || !used || !box) return;
  var exact = box.hasAttribute("data-exact");

  // Every village with its point, read before the select is split.
  var villages = select
    ? Array.prototype.map.call(select.querySelectorAll("option[data-lat]"), function (o) {
        return { code: o.value, name: o.getAttribute("data-name") || o.textContent, lat: Number(o.getAttribute("data-lat")), lon: Number(o.getAttribute("data-lon")) };
      })
    : [];
  var current = box.getAttribute("data-current") || "";
  var source = lat.value ? "point" : "";

  function village() {
    if (!select || !select.value) return null;
    for (var i = 0; i < villages.length; i++) if (villages[i].code === select.value) return villages[i];
    return null;
  }

  function where() {
    return source === "map" ? (zh ? "地图上点选的位置" : "the point tapped on the map")
      : source === "locate" ? (zh ? "我的位置" : "my location")
      : (zh ? "我的位置或地图上点选的位置" : "my location, or the point tapped on the map");
  }
  function degrees() {
    return (zh ? "纬度 " : "latitude ") + Number(lat.value).toFixed(5) +
      (zh ? "，经度 " : ", longitude ") + Number(lon.value).toFixed(5);
  }

  // The household form's line: the exact point, or the village standing in.
  function sayExact() {
    var v = village();
    if (lat.value && lon.value) {
      var how = source === "map" ? (zh ? "（地图上点选）" : " (tapped on the map)")
        : source === "locate" ? (zh ? "（我的位置）" : " (my location)") : "";
      used.textContent = (zh ? "精确位置：" : "Exact point: ") + degrees() + how;
    } else if (v) {
      used.textContent = zh ? "没有设精确位置：按“" + v.name + "”的位置计算距离"
        : "No exact point set: distances are measured from " + v.name;
    } else {
      used.textContent = zh ? "没有设精确位置" : "No exact point set";
    }
    if (clear) clear.hidden = !lat.value;
  }

  function say() {
    if (exact) return sayExact();
    var v = village();
    var text;
    if (lat.value && lon.value) {
      text = (zh ? "将使用：" : "Using: ") + where() + (zh ? "（纬度 " : " (latitude ") + Number(lat.value).toFixed(4) +
        (zh ? "，经度 " : ", longitude ") + Number(lon.value).toFixed(4) + (zh ? "）" : ")");
      if (v) text += zh ? "，而不是所选的村" : ", not the village picked";
    } else if (v) {
      text = (zh ? "将使用：" : "Using: ") + v.name;
    } else if (current) {
      text = (zh ? "保持当前位置：" : "Keeping the current place: ") + current;
    } else {
      text = zh ? "还没有选择地点" : "No place chosen yet";
    }
    used.textContent = text;
    if (clear) clear.hidden = !(lat.value && select);
  }

  var map = null, mark = null;
  function show(point) {
    if (!map) return;
    if (!point) { if (mark) { map.removeLayer(mark); mark = null; } return; }
    if (mark) mark.setLatLng(point);
    else mark = L.circleMarker(point, { radius: 9, color: "#8a1c12", weight: 3, fillColor: "#fff", fillOpacity: 0.6, interactive: false }).addTo(map);
    if (!map.getBounds().contains(point)) map.panTo(point);
  }
  function chosen() {
    if (lat.value && lon.value) return [Number(lat.value), Number(lon.value)];
    // The household form marks only its exact point.
    if (exact) return null;
    var v = village();
    if (v) return [v.lat, v.lon];
    var sLat = box.getAttribute("data-lat"), sLon = box.getAttribute("data-lon");
    return sLat && sLon ? [Number(sLat), Number(sLon)] : null;
  }

  // Village names only where few enough show to be read.
  function labels() {
    var bounds = map.getBounds(), n = 0;
    villages.forEach(function (v) { if (bounds.contains([v.lat, v.lon])) n++; });
    box.classList.toggle("labels-hidden", n > 40);
  }

  function drawMap() {
    if (typeof L === "undefined" || villages.length === 0) return;
    box.hidden = false;
    map = L.map(box, { attributionControl: false, zoomSnap: 0.5 });
    var bounds = L.latLngBounds(villages.map(function (v) { return [v.lat, v.lon]; }));
    var start = chosen();
    if (start) bounds.extend(start);
    var v = village();
    // The household's village, close enough to tap its doorstep.
    if (exact && (start || v)) bounds = L.latLngBounds([start || [v.lat, v.lon]]).pad(0.02);
    // Room on the right for the names, written right of their dots.
    map.fitBounds(bounds, { paddingTopLeft: [24, 24], paddingBottomRight: [96, 24], maxZoom: 14 });
    villages.forEach(function (v) {
      L.circleMarker([v.lat, v.lon], { radius: 3, color: "#3d4a3d", weight: 1, fillOpacity: 0.8, interactive: false })
        .bindTooltip(textOnly(v.name), { permanent: true, direction: "right", offset: [4, 0], className: "map-label" })
        .addTo(map);
    });
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(5);
      lon.value = e.latlng.lng.toFixed(5);
      source = "map";
      show([Number(lat.value), Number(lon.value)]);
      say();
    });
    map.on("zoomend moveend", labels);
    labels();
    show(start);
  }

  if (select) {
    select.addEventListener("change", function () {
      var v = village();
      if (exact) {
        // The exact point stays; the map goes to the village to tap in.
        if (map && v && !lat.value) map.setView([v.lat, v.lon], Math.max(map.getZoom(), 14), { animate: false });
      } else if (select.value) {
        // A village picked now is the person's latest choice.
        lat.value = ""; lon.value = ""; source = "";
      }
      show(chosen());
      say();
    });
  }
  // "Use my location" (huzhu.js) fills lat/lon and says "change".
  lat.addEventListener("change", function () {
    source = "locate";
    show(chosen());
    say();
  });
  if (clear) {
    clear.addEventListener("click", function () {
      lat.value = ""; lon.value = ""; source = "";
      show(chosen());
      say();
    });
  }
  drawMap();
  say();
})();
