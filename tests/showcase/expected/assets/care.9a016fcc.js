/* 关怀版 (care mode): remember the reader's choice from page to page.
   The switch works without this script: the stylesheet follows the header's checkbox (:has).
   This script only applies a stored choice before the page is drawn (the "care" class on
   <html>, which also serves browsers without :has) and keeps the box and the stored choice in
   step. It is loaded from the site itself (no inline script) and sends nothing anywhere. */
(function () {
  "use strict";
  var KEY = "sitegen-care";
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (e) {
      return false; // storage refused (privacy settings): the switch still works on this page
    }
  }

  function store(on) {
    try {
      window.localStorage.setItem(KEY, on ? "1" : "0");
    } catch (e) {
      /* not remembered, nothing else lost */
    }
  }

  function sync() {
    var on = stored();
    root.classList.toggle("care", on);
    var box = document.getElementById("care-switch");
    if (box) {
      box.checked = on;
    }
  }

  if (stored()) {
    root.classList.add("care");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("care-switch");
    if (!box) {
      return;
    }
    sync();
    box.addEventListener("change", function () {
      root.classList.toggle("care", box.checked);
      store(box.checked);
    });
  });
  // A page shown again from the back/forward cache follows a choice made on another page since.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      sync();
    }
  });
})();
