// The household form's ID-card number, checked as it is typed against the
// rule of GB 11643 (18 characters, a real birth date, the check
// character), so that a mistyped digit is caught at the door rather than
// after sending. Only an early warning: the server's rule
// (domain::household::IdNumber) decides, and the form works without this
// file.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";
  var SHAPE = zh ? "身份证号应为 18 位：17 位数字加 1 位校验码（数字或 X）"
    : "An ID number is 18 characters: 17 digits and a check character (a digit or X)";
  var BIRTH = zh ? "身份证号中的出生日期（第 7 到 14 位）不是有效日期"
    : "The birth date in the ID number (characters 7 to 14) is not a valid date";
  var SUM = zh ? "身份证号校验位不正确，请核对号码"
    : "The ID number's check character is wrong; please check the number";
  var GOOD = zh ? "号码校验通过" : "The number checks out";

  // YYYYMMDD: a calendar day from 1900 up to today.
  function realDay(digits) {
    var y = Number(digits.slice(0, 4)), m = Number(digits.slice(4, 6)), d = Number(digits.slice(6, 8));
    var day = new Date(Date.UTC(y, m - 1, d));
    return y >= 1900 && day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 &&
      day.getUTCDate() === d && day.getTime() <= Date.now();
  }

  // What is wrong with `text` ("" when nothing, null when it is too early
  // to tell: still being typed).
  function problem(text, finished) {
    var t = text.trim().toUpperCase();
    if (!t) return "";
    var shaped = /^[0-9]{0,17}[0-9X]?$/.test(t);
    if (!shaped || t.length > 18) return SHAPE;
    if (t.length < 18) return finished ? SHAPE : null;
    if (!realDay(t.slice(6, 14))) return BIRTH;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(t.charAt(i)) * WEIGHTS[i];
    return CHECK.charAt(sum % 11) === t.charAt(17) ? "" : SUM;
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-id-number]"), function (input) {
    var note = document.createElement("p");
    note.id = "w-" + input.name;
    note.className = "id-check";
    note.setAttribute("aria-live", "polite");
    note.hidden = true;
    input.insertAdjacentElement("afterend", note);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    var server = document.getElementById("e-" + input.name);

    function check(finished) {
      var why = problem(input.value, finished);
      if (why === null) return;
      var good = why === "" && input.value.trim() !== "";
      note.textContent = good ? GOOD : why;
      note.hidden = !why && !good;
      note.classList.toggle("good", good);
      input.classList.toggle("suspect", !!why);
    }
    input.addEventListener("input", function () {
      // The server's word was about what was there before.
      if (server) server.hidden = true;
      check(false);
    });
    input.addEventListener("change", function () { check(true); });
  });
})();
