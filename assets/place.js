// The offer form's place: a small map (Leaflet, no tiles: the villages'
// names on a plain background) where a tap sets the hidden lat/lon, and a
// line that says which place the form will use. The point set last wins:
// a tap or "use my location" fills lat/lon, which the server prefers over
// the village; picking a village afterwards clears them again.
// Without this file the village select alone works. Loaded before
// huzhu.js (both deferred), so it sees every village before the select is
// split by township.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";
  var select = document.getElementById("f-village");
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  var used = document.getElementById("place-used");
  var clear = document.querySelector("button[data-clear-point]");
  var box = document.getElementById("place-map");
  if (!lat || !lon || !used || !box) return;

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

  function say() {
    var v = village();
    var text;
    if (lat.value && lon.value) {
      var where = source === "map" ? (zh ? "地图上点选的位置" : "the point tapped on the map")
        : source === "locate" ? (zh ? "我的位置" : "my location")
        : (zh ? "我的位置或地图上点选的位置" : "my location, or the point tapped on the map");
      text = (zh ? "将使用：" : "Using: ") + where + (zh ? "（纬度 " : " (latitude ") + Number(lat.value).toFixed(4) +
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
    // Room on the right for the names, written right of their dots.
    map.fitBounds(bounds, { paddingTopLeft: [24, 24], paddingBottomRight: [96, 24], maxZoom: 14 });
    villages.forEach(function (v) {
      L.circleMarker([v.lat, v.lon], { radius: 3, color: "#3d4a3d", weight: 1, fillOpacity: 0.8, interactive: false })
        .bindTooltip(v.name, { permanent: true, direction: "right", offset: [4, 0], className: "map-label" })
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
      // A village picked now is the person's latest choice.
      if (select.value) { lat.value = ""; lon.value = ""; source = ""; }
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
