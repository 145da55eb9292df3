// Progressive enhancement for sign-up: preselect the browser's own time zone, so nobody has to
// scroll through hundreds of zones. Without this script (or for a zone the list does not have)
// the select stays on "use my country's main time zone", which the server resolves.
(function () {
  "use strict";
  var select = document.querySelector("select[data-detect-time-zone]");
  if (!select || select.value !== "" || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
