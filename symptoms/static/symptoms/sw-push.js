// Push handlers for the site's service worker, which loads this file with importScripts()
// (docs/reminders.md). A reminder's payload is JSON: {title, body, url, tag}: neutral words
// and a link to the form on this site, nothing about health (it may show on a locked screen).
/* global self, clients */
(function () {
  "use strict";
  const FALLBACK_URL = "/";

  // Only a link on this site is followed: a notification never opens anywhere else.
  function sameSiteUrl(value) {
    try {
      const url = new URL(value, self.location.origin);
      return url.origin === self.location.origin ? url.href : FALLBACK_URL;
    } catch (_error) {
      return FALLBACK_URL;
    }
  }

  self.addEventListener("push", function (event) {
    let data = {};
    try {
      data = event.data ? event.data.json() : {};
    } catch (_error) {
      data = {};
    }
    const title = typeof data.title === "string" && data.title ? data.title : "Reminder";
    const options = {
      body: typeof data.body === "string" ? data.body : "",
      // One notification per reminder: a resend replaces it instead of adding a second one.
      tag: typeof data.tag === "string" && data.tag ? data.tag : "reminder",
      data: { url: sameSiteUrl(data.url || FALLBACK_URL) },
    };
    event.waitUntil(self.registration.showNotification(title, options));
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    const target = (event.notification.data && event.notification.data.url) || FALLBACK_URL;
    event.waitUntil(
      clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
        // The form already open in a tab: bring it forward. Any other tab of the site is left
        // alone (it may hold answers not yet sent), and the form opens in a new one.
        for (const win of windows) {
          if (win.url === target && "focus" in win) return win.focus();
        }
        return clients.openWindow(target);
      })
    );
  });
})();
