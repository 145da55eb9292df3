// Reminders page: turn reminder notifications on or off on this device (docs/reminders.md).
// Permission is asked only when the person presses "Turn on"; the subscription is made through
// the service worker the site registers (/sw.js) with the site's VAPID public key, and handed
// to the API, which keeps it for this person. No inline script: this file is all (strict CSP).
(function () {
  "use strict";
  const section = document.getElementById("push-devices");
  if (!section) return;
  const onButton = section.querySelector("[data-push-on]");
  const offButton = section.querySelector("[data-push-off]");
  const status = section.querySelector("[data-push-status]");
  const apiUrl = section.dataset.apiUrl;
  const csrf = section.querySelector("input[name=csrfmiddlewaretoken]");
  const READY_TIMEOUT_MS = 10000; // the service worker normally installs in well under a second

  function say(name) {
    status.textContent = section.dataset["message" + name] || "";
  }

  function show(isOn, moveFocus) {
    onButton.hidden = isOn;
    offButton.hidden = !isOn;
    onButton.disabled = false;
    offButton.disabled = false;
    // The pressed button has just been hidden: keep the keyboard on the one that replaced it.
    if (moveFocus) (isOn ? offButton : onButton).focus();
  }

  const supported =
    "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    onButton.hidden = true;
    say("Unsupported");
    return;
  }

  function keyBytes(base64url) {
    const padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (csrf) headers["X-CSRFToken"] = csrf.value;
    if (body) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.status === 204 ? null : response.json();
    });
  }

  function registration() {
    // The worker is registered by the site's own script; wait for it, but not for ever.
    return Promise.race([
      navigator.serviceWorker.ready,
      new Promise(function (_resolve, reject) {
        setTimeout(function () {
          reject(new Error("no service worker"));
        }, READY_TIMEOUT_MS);
      }),
    ]);
  }

  function serverCopies(subscription) {
    return api("GET", apiUrl + "?endpoint=" + encodeURIComponent(subscription.endpoint)).then(
      function (page) {
        return page.results || [];
      }
    );
  }

  function subscribe(reg) {
    const options = {
      userVisibleOnly: true,
      applicationServerKey: keyBytes(section.dataset.vapidKey),
    };
    return reg.pushManager.subscribe(options).catch(function (error) {
      // Subscribed before with another site key (the keys were changed): start again.
      if (error.name !== "InvalidStateError") throw error;
      return reg.pushManager.getSubscription().then(function (old) {
        return (old ? old.unsubscribe() : Promise.resolve()).then(function () {
          return reg.pushManager.subscribe(options);
        });
      });
    });
  }

  onButton.addEventListener("click", function () {
    onButton.disabled = true;
    say("Working");
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          onButton.disabled = false;
          say("Denied");
          return;
        }
        return registration()
          .then(subscribe)
          .then(function (subscription) {
            const json = subscription.toJSON();
            return api("POST", apiUrl, { endpoint: json.endpoint, keys: json.keys });
          })
          .then(function () {
            show(true, true);
            say("On");
          });
      })
      .catch(function () {
        onButton.disabled = false;
        say("Failed");
      });
  });

  offButton.addEventListener("click", function () {
    offButton.disabled = true;
    say("Working");
    registration()
      .then(function (reg) {
        return reg.pushManager.getSubscription();
      })
      .then(function (subscription) {
        if (!subscription) return null;
        return serverCopies(subscription)
          .then(function (rows) {
            return Promise.all(
              rows.map(function (row) {
                return api("DELETE", apiUrl + row.id + "/");
              })
            );
          })
          .then(function () {
            return subscription.unsubscribe();
          });
      })
      .then(function () {
        show(false, true);
        say("Off");
      })
      .catch(function () {
        offButton.disabled = false;
        say("OffFailed");
      });
  });

  // On arrival: if this device is already subscribed and the site knows it, offer "Turn off".
  if (Notification.permission === "granted") {
    navigator.serviceWorker
      .getRegistration()
      .then(function (reg) {
        return reg ? reg.pushManager.getSubscription() : null;
      })
      .then(function (subscription) {
        return subscription ? serverCopies(subscription) : [];
      })
      .then(function (rows) {
        if (rows.some((row) => row.is_active)) {
          show(true, false);
          say("On");
        }
      })
      .catch(function () {
        /* Nothing to show: the "Turn on" button stays. */
      });
  }
})();
