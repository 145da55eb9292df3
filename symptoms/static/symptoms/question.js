// One question per page: unless an error summary asks for attention first, put the keyboard on
// the question itself (its chosen answer, or its first one), so a keyboard or switch user does
// not Tab through the menu before every question. Arrow keys choose; Enter means Next.
(function () {
  if (document.querySelector(".error-summary")) return;
  const group = document.querySelector("[data-question]");
  if (!group) return;
  const target = group.querySelector("input:checked") || group.querySelector("input");
  if (target) target.focus();
})();
