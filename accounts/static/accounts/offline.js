// Installable and offline (docs/offline.md). Without this script, or without a service worker,
// every form works as it always did: this only adds to them.
//
// 1. Registers the service worker (/sw.js), which keeps static files and the offline page.
// 2. A form marked data-offline-form that is sent while the browser is offline is not lost:
//    its answers go into an outbox in IndexedDB, under the report's client_id, and the page
//    says "Waiting to send" in its status region (role="status").
// 3. When the connection returns (or on the next page opened online, by the same person), each
//    waiting report is sent to the reports API with its client_id, so a report sent twice is
//    stored once; then it leaves the outbox and the page says "Sent".
// 4. Logging out sends what it can first, asks before deleting what cannot be sent, then
//    empties the outbox and the caches (the logout's Clear-Site-Data header does it again).
(function () {
  "use strict";
  const script = document.currentScript;
  const settings = script ? script.dataset : {};
  const user = settings.user || "";  // the signed-in person's public id, or "" if nobody
  const LAST_USER = "mst-offline-user";
  const DB_NAME = "mst-offline";
  const STORE = "outbox";
  const RETRY_MS = 30000;

  if ("serviceWorker" in navigator && settings.sw) {
    navigator.serviceWorker.register(settings.sw, { scope: "/" }).catch(() => {});
  }
  if (!("indexedDB" in window)) return;
  // The blank check-in kept for offline use knows nobody: answers given there belong to the
  // person last signed in on this device (logging out forgets them).
  if (user) localStorage.setItem(LAST_USER, user);
  const owner = user || localStorage.getItem(LAST_USER) || "";
  for (const form of document.querySelectorAll("form[data-offline-always]")) {
    const clientId = form.querySelector("[name=client_id]");
    if (clientId && !clientId.value && window.crypto && crypto.randomUUID) {
      clientId.value = crypto.randomUUID();
    }
  }

  // --- The outbox -----------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function withStore(mode, work) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(request.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
      transaction.onabort = () => { db.close(); reject(transaction.error); };
    }));
  }

  const outboxAll = () => withStore("readonly", (store) => store.getAll());
  const outboxPut = (entry) => withStore("readwrite", (store) => store.put(entry));
  const outboxDelete = (id) => withStore("readwrite", (store) => store.delete(id));
  // Only the signed-in person's own answers are ever shown or sent (another person may have
  // used this device before their session ended).
  const ownEntries = () => outboxAll().then((all) => all.filter((e) => !user || e.user === user));

  // --- What the page says ---------------------------------------------------------------------
  const region = document.querySelector("[data-offline-status]");
  const text = region ? region.dataset : {};
  const notes = [];  // this page's outcomes: {state, label, detail, reportId}
  let needsSignIn = false;

  function line(state, label, detail, link) {
    const p = document.createElement("p");
    p.className = "offline-entry offline-entry--" + state;
    const strong = document.createElement("strong");
    strong.textContent = text["text" + state.charAt(0).toUpperCase() + state.slice(1)] + ": ";
    p.append(strong, label ? label + ". " : "", detail || "");
    if (link) {
      p.append(" ");
      p.append(link);
    }
    return p;
  }

  function render(entries) {
    if (!region) return;
    const lines = entries.map((entry) => {
      if (!needsSignIn) {
        return line(entry.sending ? "sending" : "waiting", entry.label, text.textWaitingDetail);
      }
      const link = document.createElement("a");
      link.href = text.loginUrl + "?next=" + encodeURIComponent(location.pathname);
      link.textContent = text.textSigninLink;
      return line("waiting", entry.label, text.textSignin, link);
    });
    for (const note of notes) {
      let link = null;
      if (note.reportId) {
        link = document.createElement("a");
        link.href = text.reportUrl.replace("00000000-0000-0000-0000-000000000000", note.reportId);
        link.textContent = text.textSee;
      }
      lines.push(line(note.state, note.label, note.detail, link));
    }
    region.replaceChildren(...lines);
  }

  const refresh = () => ownEntries().then(render).catch(() => {});

  function announce() {
    if (!region) return;
    region.scrollIntoView({ block: "center" });
    region.focus({ preventScroll: true });
  }

  // --- Keeping a form's answers ---------------------------------------------------------------
  function answersOf(form) {
    if (form.dataset.offlineAnswers) {
      const data = document.getElementById(form.dataset.offlineAnswers);
      return data ? JSON.parse(data.textContent) : {};
    }
    const answers = {};
    for (const input of form.querySelectorAll("input[type=radio]:checked")) {
      answers[input.name] = /^-?\d+$/.test(input.value) ? Number(input.value) : input.value;
    }
    return answers;
  }

  function entryFrom(form) {
    const data = new FormData(form);
    const body = {
      instrument: form.dataset.instrument,
      answers: answersOf(form),
      client_id: String(data.get("client_id")),
      // The person's own moment, so a report sent tomorrow still belongs to today.
      completed_at: new Date().toISOString(),
    };
    if (form.querySelector("[name=context_tags]")) body.context_tags = data.getAll("context_tags");
    if (form.querySelector("[name=note]")) {
      body.note = String(data.get("note") || "").replace(/\r\n/g, "\n");
    }
    if (form.dataset.supersedes) body.supersedes = form.dataset.supersedes;
    const today = new Date().toLocaleDateString(document.documentElement.lang || undefined,
      { day: "numeric", month: "long", year: "numeric" });
    return {
      client_id: body.client_id,
      user: owner,
      url: form.dataset.offlineApi,
      label: (form.dataset.offlineLabel || "").replace("{day}", today),
      kept_at: body.completed_at,
      body: body,
    };
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const keep = navigator.onLine === false || "offlineAlways" in form.dataset;
    if (form.matches("[data-offline-form]") && keep && owner) {
      event.preventDefault();
      const entry = entryFrom(form);
      if (!Object.keys(entry.body.answers).length) {
        notes.length = 0;
        notes.push({ state: "failed", label: entry.label, detail: text.textEmpty });
        refresh().then(announce);
        return;
      }
      // The same client_id replaces an earlier copy: sending twice keeps one report.
      outboxPut(entry)
        .then(() => { notes.length = 0; return refresh(); })
        .then(announce)
        .catch(() => form.submit());  // no storage (private browsing): try the network
    } else if (isLogout(form) && !form.dataset.offlineChecked) {
      event.preventDefault();
      logOut(form);
    }
  });

  // --- Sending --------------------------------------------------------------------------------
  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      return body.errors && body.errors[0] ? body.errors[0].detail : "";
    } catch (error) {
      return "";
    }
  }

  let flushing = null;
  let retryTimer = null;

  function flush() {
    if (!user || navigator.onLine === false) return Promise.resolve();
    if (!flushing) flushing = sendAll().finally(() => { flushing = null; });
    return flushing;
  }

  async function sendAll() {
    const entries = await ownEntries();
    if (!entries.length) return;
    for (const entry of entries) {
      entry.sending = true;
      render(entries);
      let response;
      try {
        response = await fetch(entry.url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": csrfToken(),
          },
          body: JSON.stringify(entry.body),
        });
      } catch (error) {
        entry.sending = false;
        break;  // still no connection: try again later
      }
      entry.sending = false;
      if (response.ok) {
        const report = await response.json();
        await outboxDelete(entry.client_id);
        notes.push({ state: "sent", label: entry.label, detail: text.textSentDetail,
                     reportId: report.id });
      } else if (response.status === 401 || response.status === 403) {
        // The session ended while offline (or this page's form token is stale): the answers
        // stay until the person signs in again; the next page they open sends them.
        needsSignIn = true;
        break;
      } else if (response.status === 429 || response.status >= 500) {
        break;
      } else {
        // Refused for good (for example today's check-in was sent from another device, or
        // it is more than 14 days old): say why, and do not try again.
        await outboxDelete(entry.client_id);
        notes.push({ state: "failed", label: entry.label, detail: await errorText(response) });
      }
    }
    const left = await refresh().then(ownEntries);
    clearTimeout(retryTimer);
    if (left.length && !needsSignIn) retryTimer = setTimeout(flush, RETRY_MS);
  }

  // --- Logging out ----------------------------------------------------------------------------
  function isLogout(form) {
    return Boolean(settings.logout) && new URL(form.action, location.href).pathname === settings.logout;
  }

  async function clearDevice() {
    localStorage.removeItem(LAST_USER);
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
    if ("caches" in window) {
      const names = await caches.keys();
      await Promise.all(names.map((name) => caches.delete(name)));
    }
  }

  async function logOut(form) {
    try {
      await flush();
      const left = await ownEntries();
      if (left.length && !window.confirm(settings.logoutWarning)) return;
      await clearDevice();
    } catch (error) {
      // Storage unavailable: the Clear-Site-Data header still clears it.
    }
    form.dataset.offlineChecked = "1";
    form.submit();
  }

  window.addEventListener("online", () => { needsSignIn = false; flush(); });
  window.addEventListener("offline", refresh);
  refresh().then(flush).catch(() => {});
})();
