// The phone's outbox: every write of a running inspection (tick, note, photo, submit) is kept in
// IndexedDB and sent in order, each with its own idempotency key, so a dead spot loses nothing and
// a retry never writes twice. Without JavaScript the page's plain forms (and htmx) still work;
// without IndexedDB this file steps aside and htmx does the writes as before.
// Also here: the service worker's registration and update notice, and clearing one user's cached
// pages and queue on logout or when another user logs in on this phone.
(function () {
  "use strict";

  var DB_NAME = "inspect-outbox", STORE = "entries";
  var RETRY_MIN = 1000, RETRY_MAX = 30000;
  var NOTE_DEBOUNCE = 1200;
  var PAGES_CACHE = "pages";
  // Written on the checklist's copy: the service worker opens a copy at once only if this very
  // outbox.js wrote it (sw.js, ownCopy), so a copy never outlives the version that can read it.
  var BUILD = document.currentScript ? document.currentScript.src : "";
  var leaving = false;  // set when leaving on purpose (log in again, log out): no unload warning

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }
  var site = readJSON("offline-config") || { text: {} };
  var cfg = readJSON("outbox-config");
  function say(text, vars) {
    return String(text || "").replace(/\{(\w+)\}/g, function (_, k) { return vars && k in vars ? vars[k] : ""; });
  }

  // ---- IndexedDB, promised -------------------------------------------------------------------
  var dbp = null;
  function openDB() {
    if (dbp) return dbp;
    dbp = new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no indexedDB"));
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var store = req.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        store.createIndex("user", "user");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbp;
  }
  function tx(mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), store = t.objectStore(STORE), out;
        out = fn(store);
        t.oncomplete = function () { resolve(out && "result" in out ? out.result : out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function allEntries() { return tx("readonly", function (s) { return s.getAll(); }); }
  function putEntry(e) { return tx("readwrite", function (s) { return s.put(e); }); }
  function deleteEntry(seq) { return tx("readwrite", function (s) { return s.delete(seq); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // ---- Who is on this phone: another user's cached pages and queue go -----------------------
  function clearPages() {
    return window.caches ? caches.delete(PAGES_CACHE).catch(function () {}) : Promise.resolve();
  }
  function clearQueue(keepUser) {
    return tx("readwrite", function (s) {
      var req = s.openCursor();
      req.onsuccess = function () {
        var c = req.result;
        if (!c) return;
        if (keepUser === undefined || String(c.value.user) !== String(keepUser)) c.delete();
        c.continue();
      };
    }).catch(function () {});
  }
  var me = document.body.getAttribute("data-user") || "";
  var lastUser = null;
  try { lastUser = localStorage.getItem("outbox-user"); } catch (e) { lastUser = null; }
  var switched = me && lastUser && lastUser !== me;
  var ready = switched ? Promise.all([clearPages(), clearQueue(me)]) : Promise.resolve();
  try { if (me) localStorage.setItem("outbox-user", me); } catch (e) { /* private mode */ }
  // Logged out with writes still queued (a session ran out, or the phone is being handed on):
  // say so before anyone logs in, since another user's login deletes them.
  if (!me) {
    allEntries().catch(function () { return []; }).then(function (entries) {
      var unsent = entries.filter(function (e) { return e.state !== "refused"; }).length;
      var main = document.getElementById("main");
      if (!unsent || !main || document.getElementById("unsent-notice")) return;
      var note = document.createElement("p");
      note.id = "unsent-notice";
      note.className = "flash flash-error";
      note.setAttribute("role", "alert");
      note.textContent = say(site.text.switchUnsent, { n: unsent });
      main.insertBefore(note, main.firstChild);
    });
  }

  // Logging out clears this user's pages and queue; unsent writes are warned about first.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-logout]") || form.dataset.cleared) return;
    evt.preventDefault();
    allEntries().catch(function () { return []; }).then(function (entries) {
      var mine = entries.filter(function (e) { return String(e.user) === me && e.state !== "refused"; });
      if (mine.length && !window.confirm(say(site.text.logoutUnsent, { n: mine.length }))) return;
      return Promise.all([clearPages(), clearQueue()]).then(function () {
        try { localStorage.removeItem("outbox-user"); } catch (e) { /* private mode */ }
        form.dataset.cleared = "1";
        leaving = true;
        form.submit();
      });
    });
  }, true);

  // ---- Service worker: registered for the whole site; a new version waits to be accepted ----
  function announceUpdate(worker) {
    if (document.getElementById("update-bar")) return;
    var bar = document.createElement("div");
    bar.id = "update-bar";
    bar.className = "update-bar";
    bar.setAttribute("role", "status");
    var label = document.createElement("span");
    label.textContent = site.text.newVersion;
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = site.text.update;
    button.addEventListener("click", function () {
      // (`queue` exists on the checklist only: elsewhere nothing waits.)
      if (cfg && waiting() && !window.confirm(cfg.text.leave)) return;
      worker.postMessage("skip-waiting");
    });
    bar.appendChild(label);
    bar.appendChild(button);
    document.body.appendChild(bar);
  }
  if ("serviceWorker" in navigator && site.sw) {
    navigator.serviceWorker.register(site.sw, { scope: "/" }).then(function (reg) {
      if (reg.waiting && navigator.serviceWorker.controller) announceUpdate(reg.waiting);
      reg.addEventListener("updatefound", function () {
        var w = reg.installing;
        w.addEventListener("statechange", function () {
          if (w.state === "installed" && navigator.serviceWorker.controller) announceUpdate(w);
        });
      });
    }).catch(function () { /* pages still work online */ });
    var reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      // Only after the user chose the new version (skip-waiting); the first install claims quietly.
      if (reloading || !document.getElementById("update-bar")) return;
      reloading = true;
      location.reload();
    });
  }
  if (navigator.storage && navigator.storage.persist && me) {
    navigator.storage.persisted().then(function (p) { if (!p) navigator.storage.persist(); })
      .catch(function () {});
  }

  if (!cfg) return; // below: the checklist page only

  // ---- The queue in memory, mirrored to IndexedDB -------------------------------------------
  var T = cfg.text;
  var queue = [];           // entries in send order
  var refused = {};         // item id -> message of its last refused write
  var pumping = false, retryTimer = null, backoff = RETRY_MIN, blocked = null; // "auth" stops sending
  var progressOf = {};      // photo key -> percent
  var lastTrouble = "";
  // Writes tapped but not yet in IndexedDB (a put takes a moment; a photo is shrunk first): the
  // bar counts them from the tap on, so "all saved" is never shown for a write not yet queued.
  var storing = 0;
  var replied = {};         // item id -> true once a reply for it came (newer than any page so far)

  function pending() { return queue.filter(function (e) { return e.state !== "refused"; }); }
  function waiting() { return pending().length + storing; }
  function ofItem(id) { return queue.filter(function (e) { return String(e.item) === String(id); }); }
  function itemEl(id) { return document.getElementById("item-" + id); }
  // This page without its fragment: the key of its copy (sw.js), and the page asked for again.
  function pageUrl() { return location.href.split("#")[0]; }

  // `claimed`: the caller counted it in `storing` already (a photo, from before it was shrunk).
  function enqueue(entry, claimed) {
    if (!claimed) { storing += 1; render(); }
    entry.user = cfg.user;
    entry.inspection = cfg.inspection;
    entry.key = entry.key || newKey();
    entry.state = "queued";
    entry.tries = 0;
    entry.attempted = false;
    entry.created = Date.now();
    return putEntry(entry).then(function (seq) {
      // Not counted down if the put fails: the bar then never says this write is saved.
      storing -= 1;
      entry.seq = seq;
      queue.push(entry);
      if (entry.item) { delete refused[entry.item]; paint(entry.item); }
      render();
      pump();
      return entry;
    });
  }

  // A queued write of the same item and kind not yet tried is replaced instead of queued again,
  // as long as nothing for that item was queued after it (order within an item matters).
  function replaceOrEnqueue(kind, item, url, fields) {
    var mine = ofItem(item), last = mine[mine.length - 1];
    if (last && last.kind === kind && !last.attempted && last.state === "queued" && last !== sending) {
      last.fields = fields;
      return putEntry(last).then(function () { paint(item); render(); return last; });
    }
    return enqueue({ kind: kind, item: item, url: url, fields: fields });
  }

  // ---- Sending --------------------------------------------------------------------------------
  var sending = null;
  function headers(entry) {
    return { "Idempotency-Key": entry.key, "X-CSRFToken": csrfToken(), "HX-Request": "true",
             "HX-Current-URL": location.href, "X-Outbox": "1" };
  }
  function formData(entry) {
    var fd = new FormData();
    Object.keys(entry.fields || {}).forEach(function (k) { fd.append(k, entry.fields[k]); });
    if (entry.blob) {
      fd.append("upload_key", entry.key);
      fd.append("taken_at", entry.taken || "");
      fd.append("photo", entry.blob, entry.filename || "photo.jpg");
    }
    return fd;
  }
  // One request; resolves {status, text, header(name)}; status 0 means no answer at all.
  function request(method, url, entry, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      var h = headers(entry);
      Object.keys(h).forEach(function (k) { xhr.setRequestHeader(k, h[k]); });
      xhr.timeout = entry.blob ? 0 : 60000;  // a photo on one bar of signal may take minutes
      if (onProgress && xhr.upload) {
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      }
      var done = function () {
        resolve({ status: xhr.status, text: xhr.responseText,
                  header: function (n) { return xhr.getResponseHeader(n); } });
      };
      xhr.onload = done;
      xhr.onerror = done;
      xhr.ontimeout = function () { resolve({ status: 0, text: "", header: function () { return null; } }); };
      xhr.onabort = xhr.ontimeout;
      xhr.send(body || null);
    });
  }

  function send(entry) {
    entry.state = "sending";
    paint(entry.item);
    var first = Promise.resolve(null);
    if (entry.kind === "photo" && entry.attempted) {
      // The last try got no answer: the server may hold the photo already. Ask before re-sending.
      setItemState(entry.item, "sending", T.checking);
      first = request("GET", cfg.photoKeyUrl.replace("KEY", encodeURIComponent(entry.key)), entry)
        .then(function (r) { return r.status === 200 ? r : (r.status === 404 ? null : r); });
    }
    return first.then(function (held) {
      if (held) { held.replayed = true; return held; }
      entry.attempted = true;
      return putEntry(entry).then(function () {
        return request("POST", entry.url, entry, formData(entry), entry.blob ? function (f) {
          progressOf[entry.key] = Math.round(f * 100);
          paintPhotoProgress(entry);
        } : null);
      });
    });
  }

  function classify(r) {
    if (r.status === 0 || r.status >= 500 || r.status === 429) return "retry";
    if (r.status === 401) return "auth";
    if (r.status === 400 && r.header("X-Token-Refused")) return "token";
    if (r.status >= 200 && r.status < 300) return "ok";
    return "refused";
  }

  function pump() {
    if (pumping || blocked) return;
    var entry = pending()[0];
    if (!entry) { render(); snapshot(); return; }
    if (navigator.onLine === false) { trouble("offline"); return; }
    pumping = true;
    sending = entry;
    send(entry).then(function (r) {
      var outcome = classify(r);
      sending = null;
      if (outcome === "retry") {
        pumping = false;
        entry.state = "queued";
        entry.tries += 1;
        putEntry(entry);
        paint(entry.item);
        trouble(navigator.onLine === false ? "offline" : "unreachable");
        schedule();
        return;
      }
      if (outcome === "token" && (entry.tokenTries || 0) < 2) {
        // Refused for its token alone (nothing written, no key spent): this page's token is of
        // a session since ended (a copy kept before logging in again). The server's page brings
        // the session's token; then the same write goes again. Never dropped for that.
        pumping = false;
        entry.state = "queued";
        entry.tokenTries = (entry.tokenTries || 0) + 1;
        paint(entry.item);
        blocked = "token";
        renewToken(entry).then(function (ok) {
          if (blocked !== "token") return;
          blocked = null;
          if (ok) { pump(); return; }
          entry.tokenTries -= 1;  // no answer: not a second refusal
          trouble(navigator.onLine === false ? "offline" : "unreachable");
          schedule();
        });
        return;
      }
      if (outcome === "auth") {
        pumping = false;
        entry.state = "queued";
        paint(entry.item);
        blocked = "auth";
        loggedOut(entry.item);
        return;
      }
      backoff = RETRY_MIN;
      var lost = r.replayed || r.header("Idempotency-Replayed") === "true";
      // Still "pumping" until the entry has left the queue, so it is never sent twice.
      return deleteEntry(entry.seq).then(function () {
        var at = queue.indexOf(entry);
        if (at >= 0) queue.splice(at, 1);
        if (outcome === "ok") {
          acknowledged(entry, r);
          if (lost && entry.tries > 0) toast(T.replyLost, "info");
          else clearToast();
        } else {
          refusedWrite(entry, r);
        }
      }).finally(function () {
        pumping = false;
        render();
        pump();
      });
    });
  }
  // The server's page, for its CSRF token (and what changed on it): resolves false when no page
  // came; logged out, the queue waits for a new login as after a 401.
  function renewToken(entry) {
    return fetch(pageUrl(), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        return r.text().then(function (html) {
          if (r.ok && !r.redirected && html.indexOf('id="outbox-config"') >= 0) {
            reconcile(html, false);
            return true;
          }
          if (r.status >= 500 || r.status === 429) return false;
          blocked = "auth";
          loggedOut(entry.item);
          return false;
        });
      }, function () { return false; });
  }
  function schedule() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; pump(); }, backoff);
    backoff = Math.min(RETRY_MAX, backoff * 2);
  }
  window.addEventListener("online", function () { backoff = RETRY_MIN; clearTimeout(retryTimer); pump(); });
  window.addEventListener("offline", function () { if (waiting()) trouble("offline"); });

  function acknowledged(entry, r) {
    if (entry.kind === "submit") {
      var to = r.header("HX-Redirect");
      if (to) { snapshotNow(); location.assign(to); }
      return;
    }
    if (entry.item) replied[entry.item] = true;
    swapIn(r.text);
    paint(entry.item);  // what is still queued for the item, over the server's copy
    snapshotNow();  // at once: the phone may lose signal and be reloaded in the next second
    setItemState(entry.item, ofItem(entry.item).length ? "queued" : "saved", ofItem(entry.item).length ? T.queued : T.saved);
  }
  function refusedWrite(entry, r) {
    var msg = r.header("X-Message");
    try { msg = msg ? decodeURIComponent(msg) : ""; } catch (e) { msg = msg || ""; }
    if (entry.kind === "submit") {
      if (r.status === 422 && r.text && r.text.indexOf("submit-panel") >= 0) swapIn(r.text);
      else toast(say(T.refused, { reason: msg || r.status }), "error");
      return;
    }
    // The card keeps its controls: the reason is shown at the item, nothing else changes.
    refused[entry.item] = say(T.refused, { reason: msg || String(r.status) });
    paint(entry.item);
  }

  // ---- Page updates ------------------------------------------------------------------------
  // Swap in server-rendered elements by id (the item, and the progress block sent out of band),
  // keeping a note the user is still typing.
  function swapIn(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.children).forEach(function (el) {
      if (!el.id) return;
      el.removeAttribute("hx-swap-oob");
      var old = document.getElementById(el.id);
      if (!old) return;
      var oldNote = old.querySelector("textarea[name=note]"), newNote = el.querySelector("textarea[name=note]");
      var typing = oldNote && (document.activeElement === oldNote ||
        ofItem(el.getAttribute("data-item")).some(function (e) { return e.kind === "note"; }));
      if (newNote) newNote.dataset.sent = oldNote && oldNote.dataset.sent !== undefined ? oldNote.dataset.sent : newNote.defaultValue;
      if (oldNote && newNote && typing) newNote.value = oldNote.value;
      var hadFocus = typing && document.activeElement === oldNote;
      old.replaceWith(el);
      if (window.htmx) window.htmx.process(el);
      if (hadFocus) { newNote.focus(); newNote.setSelectionRange(newNote.value.length, newNote.value.length); }
      if (el.hasAttribute("data-item")) paint(el.getAttribute("data-item"));
      el.dispatchEvent(new CustomEvent("outbox:swapped", { bubbles: true }));
    });
  }

  function setItemState(id, state, text) {
    var el = itemEl(id);
    if (!el) return;
    var line = el.querySelector(".item-state");
    el.setAttribute("data-state", state);
    if (line) { line.textContent = text || ""; line.hidden = false; } // its room is kept: no shift under a finger
  }

  // Overlay what is still queued for an item over what the server last rendered.
  function paint(id) {
    var el = itemEl(id);
    if (!el) return;
    var entries = ofItem(id);
    el.querySelectorAll(".tick.queued").forEach(function (b) { b.classList.remove("queued"); });
    el.querySelectorAll("[data-ob]").forEach(function (n) { n.remove(); });
    var tick = null;
    entries.forEach(function (e) {
      if (e.kind === "answer" && e.fields.result) tick = e.fields.result;
      if (e.kind === "note") {
        var ta = el.querySelector("textarea[name=note]");
        if (ta && document.activeElement !== ta && ta.value !== e.fields.note) ta.value = e.fields.note;
        if (ta) ta.dataset.sent = e.fields.note;
      }
    });
    if (tick) {
      var b = el.querySelector(".tick-" + tick);
      if (b) b.classList.add("queued");
    }
    var failing = tick ? tick === "fail" : el.classList.contains("result-fail");
    el.querySelectorAll(".fail-only").forEach(function (n) {
      if (failing && n.hidden) { n.hidden = false; n.setAttribute("data-ob-unhid", ""); }
      if (!failing && n.hasAttribute("data-ob-unhid")) { n.hidden = true; n.removeAttribute("data-ob-unhid"); }
    });
    entries.filter(function (e) { return e.kind === "photo"; }).forEach(function (e) {
      var thumbs = el.querySelector(".thumbs");
      if (!thumbs) {
        thumbs = document.createElement("div");
        thumbs.className = "thumbs";
        thumbs.setAttribute("data-ob", "");
        el.insertBefore(thumbs, el.querySelector(".item-state"));
      }
      var fig = document.createElement("figure");
      fig.className = "pending-photo";
      fig.setAttribute("data-ob", "");
      fig.setAttribute("data-key", e.key);
      var img = document.createElement("img");
      img.width = 96;
      img.height = 96;
      img.alt = "";
      if (!e.url_) e.url_ = URL.createObjectURL(e.blob);
      img.src = e.url_;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = progressOf[e.key] || 0;
      var cap = document.createElement("figcaption");
      cap.textContent = e.state === "sending" ? say(T.photoUploading, { p: bar.value }) : T.photoQueued;
      fig.appendChild(img);
      fig.appendChild(bar);
      fig.appendChild(cap);
      thumbs.appendChild(fig);
    });
    if (refused[id]) setItemState(id, "refused", refused[id]);
    else if (entries.length) {
      var now = entries.some(function (e) { return e.state === "sending"; });
      setItemState(id, "queued", now ? T.sending : T.queued);
    }
  }
  function paintPhotoProgress(entry) {
    var fig = document.querySelector('.pending-photo[data-key="' + entry.key + '"]');
    if (!fig) return;
    var p = progressOf[entry.key] || 0;
    fig.querySelector("progress").value = p;
    fig.querySelector("figcaption").textContent = say(T.photoUploading, { p: p });
  }

  // The bar, and the submit panel's "still uploading" line.
  function render() {
    var bar = document.getElementById("outbox-bar"), n = waiting();
    if (bar) {
      bar.hidden = false;
      bar.textContent = n ? say(T.waiting, { n: n }) : T.allSaved;
      bar.classList.toggle("all-saved", !n);
    }
    var wait = document.querySelector("#submit-panel .submit-wait");
    var submitting = queue.some(function (e) { return e.kind === "submit"; });
    if (wait) {
      var ahead = pending().filter(function (e) { return e.kind !== "submit"; });
      var photos = ahead.filter(function (e) { return e.kind === "photo"; }).length;
      wait.hidden = !submitting;
      wait.textContent = !submitting ? "" : photos ? say(T.submitPhotos, { n: photos })
        : ahead.length ? say(T.submitWrites, { n: ahead.length }) : T.submitQueued;
      var button = document.querySelector("#submit-panel button");
      if (button) button.disabled = submitting;
    }
  }

  var toastTimer = null;
  function toast(text, kind) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = "";
    el.appendChild(document.createTextNode(text));
    el.className = "toast " + (kind || "error");
    el.hidden = false;
    clearTimeout(toastTimer);
    if (kind === "info") toastTimer = setTimeout(function () { el.hidden = true; }, 6000);
    return el;
  }
  function clearToast() {
    var el = document.getElementById("toast");
    lastTrouble = "";
    if (el && !blocked) el.hidden = true;
  }
  function trouble(kind) {
    if (lastTrouble !== kind) toast(kind === "offline" ? T.offline : T.unreachable, "warn");
    lastTrouble = kind;
    render();
  }
  function loggedOut(itemId) {
    var el = toast(T.loggedOut + " ", "error");
    var next = location.pathname + location.search + (itemId ? "#item-" + itemId : "");
    var a = document.createElement("a");
    a.href = cfg.loginUrl + "?next=" + encodeURIComponent(next);
    a.textContent = T.logIn;
    a.className = "login-again";
    if (el) el.appendChild(a);
    render();
  }

  // The page as the server last rendered it (without what is only queued) is kept for offline
  // reloads: written as soon as the outbox starts on a page and after each saved write. The
  // service worker leaves this page to it (the X-Own-Offline-Copy header).
  var snapTimer = null;
  function snapshot() {
    clearTimeout(snapTimer);
    snapTimer = setTimeout(snapshotNow, 300);
  }
  // What the outbox painted over the server's page taken off again (on a copy of `root`).
  function unpainted(root) {
    var c = root.cloneNode(true), all = function (sel) {
      return [c].filter(function (n) { return n.matches && n.matches(sel); })
        .concat(Array.prototype.slice.call(c.querySelectorAll(sel)));
    };
    all("[data-ob]").forEach(function (n) { n.remove(); });
    all("[data-ob-unhid]").forEach(function (n) { n.hidden = true; n.removeAttribute("data-ob-unhid"); });
    all(".queued").forEach(function (n) { n.classList.remove("queued"); });
    all(".item[data-state]").forEach(function (n) { n.removeAttribute("data-state"); });
    all(".item-state").forEach(function (n) { n.textContent = ""; });
    all("#outbox-bar, #toast, #update-bar, .submit-wait").forEach(function (n) {
      if (n.id === "update-bar") { n.remove(); return; }
      n.hidden = true;
      if (n.id !== "toast") n.textContent = "";
    });
    all("textarea").forEach(function (t) { t.textContent = t.defaultValue; });
    return c;
  }
  function snapshotNow() {
    if (!window.caches || !navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    var doc = unpainted(document.documentElement);
    doc.setAttribute("data-copy", "");  // opened from this copy, the page waits for a fresh token
    var html = "<!doctype html>\n" + doc.outerHTML;
    // Opened first (sw.js) only where the outbox runs: without IndexedDB, htmx would send a
    // copy's writes with its token; that copy is for reading offline (network first).
    var headers = { "Content-Type": "text/html; charset=utf-8" };
    if (active) { headers["X-Outbox-Snapshot"] = "1"; headers["X-Outbox-Build"] = BUILD; }
    caches.open(PAGES_CACHE).then(function (c) {
      return c.put(pageUrl(), new Response(html, { headers: headers }));
    }).catch(function () {});
  }
  // The first visit: the service worker takes the page over once installed; keep it from then.
  // Only then: a later change (an update accepted in another tab) must not write this tab's
  // page, maybe older, over the copy another tab wrote since.
  if (navigator.serviceWorker && !navigator.serviceWorker.controller) {
    navigator.serviceWorker.addEventListener("controllerchange", function first() {
      navigator.serviceWorker.removeEventListener("controllerchange", first);
      snapshot();
    });
  }

  // ---- The copy opened at once, and the server's page as it arrives ------------------------
  // The service worker answered this tab with the copy and hands over the server's page
  // (sw.js, revalidate): every card, the progress and the submit panel the server now shows
  // differently (ticked on another phone, say) is swapped in as a saved write's reply would
  // be, and the tokens and one-use keys are the server's. "page-gone": the server no longer
  // serves this as a running checklist (submitted, logged out); the tab loads what it serves.
  // Opened from the copy, nothing is sent before the server's page brings its CSRF token (the
  // copy's may be of a session since ended) or the worker says none is coming (offline).
  var fromCopy = document.documentElement.hasAttribute("data-copy");
  var release, whenReleased = new Promise(function (r) { release = r; });
  if (!fromCopy) release();
  function released() {
    if (!fromCopy) return;
    fromCopy = false;
    release();
    if (blocked === "copy") { blocked = null; pump(); }
  }
  var ONE_USE = ["csrf_token", "upload_key", "idempotency_key"];
  function comparable(el) {
    var c = unpainted(el);
    ONE_USE.forEach(function (name) {
      c.querySelectorAll("input[name=" + name + "]").forEach(function (i) { i.setAttribute("value", ""); });
    });
    return c.outerHTML;
  }
  // `stale`: the worker's page, asked for when the tab opened; a card or progress a reply has
  // brought since is newer than it and stays (a write sent after the 30 s fallback, say).
  function reconcile(html, stale) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    if (!fresh.getElementById("outbox-config")) { leaving = true; location.reload(); return; }
    var headersAttr = fresh.body.getAttribute("hx-headers");
    if (headersAttr) document.body.setAttribute("hx-headers", headersAttr);
    var token = fresh.querySelector("input[name=csrf_token]");
    if (token) {
      document.querySelectorAll("input[name=csrf_token]").forEach(function (i) { i.value = token.value; });
    }
    var changed = [];
    var anyReply = Object.keys(replied).length > 0;
    fresh.querySelectorAll("#progress, #submit-panel, article.item[id]").forEach(function (el) {
      var old = document.getElementById(el.id);
      if (!old) return;
      if (stale && (el.id === "progress" ? anyReply : replied[el.getAttribute("data-item")])) return;
      if (comparable(old) !== comparable(el)) { changed.push(el.outerHTML); return; }
      ONE_USE.forEach(function (name) {
        var a = old.querySelector("input[name=" + name + "]"), b = el.querySelector("input[name=" + name + "]");
        if (a && b) a.value = b.value;
      });
    });
    if (changed.length) swapIn(changed.join(""));
    snapshotNow();
    released();
  }
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (evt) {
      var m = evt.data || {};
      if (m.url !== pageUrl()) return;
      if (m.type === "page-gone") { leaving = true; location.reload(); }
      if (m.type === "fresh-page") started.then(function () { reconcile(m.html, true); });
      if (m.type === "copy-stands") started.then(released);
    });
  }

  // ---- Taking the checklist's writes over ---------------------------------------------------
  function itemOf(node) { var a = node.closest("article[data-item]"); return a && a.getAttribute("data-item"); }

  // A copy is on screen before the outbox has read its queue (IndexedDB takes a moment): a tap
  // there is not left to htmx, which would send it with the copy's token (refused if the session
  // has changed since) and whose reply the server's page, rendered before it, would then undo.
  // It is held and handled as soon as the outbox starts; without IndexedDB it goes to htmx once
  // the server's page has brought a token.
  var settled = false, passing = false;
  function takeOver(evt, handle, redo) {
    if (passing) return false;
    if (!active && (!fromCopy || settled)) return false;
    evt.preventDefault();
    evt.stopPropagation();
    if (active) { handle(); return true; }
    started.then(function () {
      if (active) { handle(); return; }
      whenReleased.then(function () { passing = true; try { redo(); } finally { passing = false; } });
    });
    return true;
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("form[data-outbox=answer] button[name=result]");
    if (!button) return;
    var id = itemOf(button), value = button.value, note = button.classList.contains("save-note");
    takeOver(evt, function () { tapped(button); }, function () {
      var now = document.querySelector("#item-" + id + " button[name=result][value=" + value + "]"
                                        + (note ? ".save-note" : ".tick"));
      if (now) now.click();
    });
  }, true);
  function tapped(button) {
    var id = itemOf(button), form = button.form;
    if (button.classList.contains("save-note")) { flushNote(form, id); return; }
    var confirmText = button.getAttribute("hx-confirm");
    if (confirmText && !button.classList.contains("on") && !window.confirm(confirmText)) return;
    flushNote(form, id);
    replaceOrEnqueue("answer", id, form.action, { result: button.value });
  }

  var noteTimers = {};
  function flushNote(form, id) {
    clearTimeout(noteTimers[id]);
    delete noteTimers[id];
    var ta = form && form.querySelector("textarea[name=note]");
    if (!ta || ta.dataset.sent === ta.value) return;
    ta.dataset.sent = ta.value;
    replaceOrEnqueue("note", id, form.action, { note: ta.value });
  }
  document.addEventListener("input", function (evt) {
    var ta = evt.target;
    if (!active || !ta.matches || !ta.matches("form[data-outbox=answer] textarea[name=note]")) return;
    var id = itemOf(ta);
    clearTimeout(noteTimers[id]);
    noteTimers[id] = setTimeout(function () { flushNote(ta.form, id); }, NOTE_DEBOUNCE);
  }, true);
  document.addEventListener("focusout", function (evt) {
    var ta = evt.target;
    if (!active || !ta.matches || !ta.matches("form[data-outbox=answer] textarea[name=note]")) return;
    flushNote(ta.form, itemOf(ta));
  }, true);

  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (!input.matches || !input.matches("form[data-outbox=photo] input[type=file]")) return;
    // (photos.js's own handler is for forms without the outbox)
    takeOver(evt, function () { photosChosen(input); }, function () {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }, true);
  function photosChosen(input) {
    var id = itemOf(input), form = input.form, files = Array.prototype.slice.call(input.files);
    flushNote(document.querySelector("#item-" + id + " form[data-outbox=answer]"), id);
    var shrink = window.shrinkPhoto || function (f) { return Promise.resolve({ file: f, taken: "" }); };
    storing += files.length;  // waiting from now, not only once shrunk
    render();
    // Each photo is its own upload, with its own capture time.
    files.reduce(function (p, file) {
      return p.then(function () { return shrink(file); }).then(function (r) {
        return enqueue({ kind: "photo", item: id, url: form.action, fields: {}, blob: r.file,
                         filename: r.file.name, taken: r.taken }, true);
      });
    }, Promise.resolve()).then(function () { input.value = ""; });
  }

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-outbox=answer], form[data-outbox=submit]")) return;
    takeOver(evt, function () { submitted(form); }, function () { form.requestSubmit(); });
  }, true);
  function submitted(form) {
    if (form.matches("form[data-outbox=answer]")) {  // Enter in a field: save the note
      flushNote(form, itemOf(form));
      return;
    }
    document.querySelectorAll("form[data-outbox=answer]").forEach(function (f) { flushNote(f, itemOf(f)); });
    if (queue.some(function (e) { return e.kind === "submit"; })) return;  // a double tap
    enqueue({ kind: "submit", item: null, url: form.action, fields: {} });
  }

  window.addEventListener("beforeunload", function (evt) {
    Object.keys(noteTimers).forEach(function (id) {
      flushNote(document.querySelector("#item-" + id + " form[data-outbox=answer]"), id);
    });
    if (!waiting() || leaving) return;
    evt.preventDefault();
    evt.returnValue = T.leave;
    return T.leave;
  });
  document.addEventListener("click", function (evt) {
    // Going to log in again keeps the queue; it is sent when the user is back.
    if (evt.target.closest && evt.target.closest("a.login-again")) leaving = true;
  }, true);

  // ---- Start: load this inspection's queue and paint it over the page ------------------------
  var active = false;
  document.querySelectorAll("form[data-outbox=answer] textarea[name=note]").forEach(function (t) {
    t.dataset.sent = t.defaultValue;
  });
  if (fromCopy) {
    blocked = "copy";
    setTimeout(released, 30000);  // no word from the worker (stopped?): send as before
  }
  var started = ready.then(allEntries).then(function (entries) {
    active = true;
    if (!fromCopy) snapshotNow();  // the page as served, at once (the signal may go any second)
    entries.sort(function (a, b) { return a.seq - b.seq; });
    queue = entries.filter(function (e) {
      return String(e.user) === String(cfg.user) && e.inspection === cfg.inspection;
    });
    queue.forEach(function (e) { e.state = e.state === "refused" ? "refused" : "queued"; });
    // A note typed before the outbox started (on a copy, which opens at once) is queued now.
    document.querySelectorAll("form[data-outbox=answer] textarea[name=note]").forEach(function (t) {
      if (t.value !== t.dataset.sent) flushNote(t.form, itemOf(t));
    });
    var items = {};
    queue.forEach(function (e) { if (e.item) items[e.item] = true; });
    Object.keys(items).forEach(paint);
    render();
    pump();
  }).catch(function () {
    active = false;  // no IndexedDB (some private modes): htmx does the writes as before
    snapshot();      // the page is still kept for reading offline
  }).then(function () { settled = true; });
  // For tests and the page-weight bench: how many writes wait, and whether the outbox took over.
  window.__outbox = { pending: waiting, active: function () { return active; } };
})();
