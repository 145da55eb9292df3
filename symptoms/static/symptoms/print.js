// The pre-visit summary's Print button: a button, not a link, shown only when scripts run
// (the page's strict CSP allows this file, not inline handlers).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
