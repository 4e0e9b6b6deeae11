// huzhu's page enhancements. Every page works without this file; it only
// makes some things quicker on a phone:
//  - a township/village <select> (villages grouped by township) becomes two
//    selects, township first;
//  - "use my location" buttons fill a form's lat/lon from the browser's
//    position (offered only over https, where browsers allow it);
//  - deadlines count down.
// Loaded with `defer` from /assets/ under the page's strict CSP: no inline
// script anywhere, no eval.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";

  // <select data-region-picker> with <optgroup label="乡镇"> of villages.
  function splitRegionPicker(select) {
    var groups = Array.prototype.slice.call(select.querySelectorAll("optgroup"));
    if (groups.length < 2) return;
    var township = document.createElement("select");
    township.id = select.id + "-township";
    var label = document.createElement("label");
    label.htmlFor = township.id;
    label.textContent = zh ? "乡镇" : "Township";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = zh ? "请选择乡镇" : "Choose a township";
    township.appendChild(first);
    groups.forEach(function (g, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = g.label;
      if (g.querySelector("option:checked") && select.value) o.selected = true;
      township.appendChild(o);
    });
    var villages = groups.map(function (g) {
      return Array.prototype.slice.call(g.querySelectorAll("option"));
    });
    var chosen = select.value;
    function fill() {
      var i = township.value === "" ? -1 : Number(township.value);
      while (select.firstChild) select.removeChild(select.firstChild);
      var prompt = document.createElement("option");
      prompt.value = "";
      prompt.textContent = i < 0 ? (zh ? "先选乡镇" : "Choose a township first") : (zh ? "请选择村" : "Choose a village");
      select.appendChild(prompt);
      if (i >= 0) villages[i].forEach(function (o) { select.appendChild(o); });
      select.value = villages[i] && villages[i].some(function (o) { return o.value === chosen; }) ? chosen : "";
      select.disabled = i < 0;
    }
    township.addEventListener("change", function () { chosen = ""; fill(); select.dispatchEvent(new Event("change")); });
    var field = select.closest(".field") || select.parentNode;
    var wrap = document.createElement("div");
    wrap.className = "field";
    wrap.appendChild(label);
    wrap.appendChild(township);
    field.parentNode.insertBefore(wrap, field);
    fill();
  }

  // <button data-locate="lat-input-id lon-input-id" hidden>.
  function offerLocation(button) {
    if (!("geolocation" in navigator) || !window.isSecureContext) return;
    var ids = button.getAttribute("data-locate").split(" ");
    var lat = document.getElementById(ids[0]);
    var lon = document.getElementById(ids[1]);
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) status.textContent = zh ? "正在定位…" : "Finding you…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lon.value = pos.coords.longitude.toFixed(5);
        lat.dispatchEvent(new Event("change", { bubbles: true }));
        if (status) status.textContent = zh ? "已使用您当前的位置。" : "Your current position is set.";
      }, function () {
        if (status) status.textContent = zh ? "无法获取位置，请选择村。" : "No position available; please pick a village.";
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // <time data-countdown datetime="ISO">: "还剩 5 小时 12 分".
  function countdown(el) {
    var end = Date.parse(el.getAttribute("datetime"));
    if (isNaN(end)) return;
    function tick() {
      var left = Math.max(0, end - Date.now());
      var h = Math.floor(left / 3600000), m = Math.floor((left % 3600000) / 60000);
      el.textContent = left === 0 ? (zh ? "已到期" : "expired")
        : zh ? "还剩 " + h + " 小时 " + m + " 分" : h + " h " + m + " min left";
    }
    tick();
    setInterval(tick, 30000);
  }

  function each(selector, f) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), f);
  }
  each("select[data-region-picker]", splitRegionPicker);
  each("button[data-locate]", offerLocation);
  each("time[data-countdown]", countdown);
})();
