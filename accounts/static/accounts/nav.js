// The main menu is folded under "Menu" on narrow screens (a <details> element, which works
// without this script); where there is room it is shown open, and follows resizing.
(function () {
  const menu = document.querySelector("[data-nav-menu]");
  if (!menu) return;
  const wide = window.matchMedia("(min-width: 48rem)");
  const sync = () => { menu.open = wide.matches; };
  sync();
  wide.addEventListener("change", sync);
})();
