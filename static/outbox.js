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
      if (pending().length && !window.confirm(cfg ? cfg.text.leave : site.text.newVersion)) return;
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

  function pending() { return queue.filter(function (e) { return e.state !== "refused"; }); }
  function ofItem(id) { return queue.filter(function (e) { return String(e.item) === String(id); }); }
  function itemEl(id) { return document.getElementById("item-" + id); }

  function enqueue(entry) {
    entry.user = cfg.user;
    entry.inspection = cfg.inspection;
    entry.key = entry.key || newKey();
    entry.state = "queued";
    entry.tries = 0;
    entry.attempted = false;
    entry.created = Date.now();
    return putEntry(entry).then(function (seq) {
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
  function schedule() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; pump(); }, backoff);
    backoff = Math.min(RETRY_MAX, backoff * 2);
  }
  window.addEventListener("online", function () { backoff = RETRY_MIN; clearTimeout(retryTimer); pump(); });
  window.addEventListener("offline", function () { if (pending().length) trouble("offline"); });

  function acknowledged(entry, r) {
    if (entry.kind === "submit") {
      var to = r.header("HX-Redirect");
      if (to) { snapshotNow(); location.assign(to); }
      return;
    }
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
    var bar = document.getElementById("outbox-bar"), n = pending().length;
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
  function snapshotNow() {
    if (!window.caches || !navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    var doc = document.documentElement.cloneNode(true);
    doc.querySelectorAll("[data-ob]").forEach(function (n) { n.remove(); });
    doc.querySelectorAll("[data-ob-unhid]").forEach(function (n) { n.hidden = true; n.removeAttribute("data-ob-unhid"); });
    doc.querySelectorAll(".queued").forEach(function (n) { n.classList.remove("queued"); });
    doc.querySelectorAll(".item[data-state]").forEach(function (n) { n.removeAttribute("data-state"); });
    doc.querySelectorAll(".item-state").forEach(function (n) { n.textContent = ""; });
    doc.querySelectorAll("#outbox-bar, #toast, #update-bar, .submit-wait").forEach(function (n) {
      if (n.id === "update-bar") { n.remove(); return; }
      n.hidden = true;
      if (n.id !== "toast") n.textContent = "";
    });
    doc.querySelectorAll("textarea").forEach(function (t) { t.textContent = t.defaultValue; });
    var html = "<!doctype html>\n" + doc.outerHTML;
    caches.open(PAGES_CACHE).then(function (c) {
      return c.put(location.href.split("#")[0], new Response(html, {
        headers: { "Content-Type": "text/html; charset=utf-8", "X-Outbox-Snapshot": "1" } }));
    }).catch(function () {});
  }

  // ---- Taking the checklist's writes over ---------------------------------------------------
  function itemOf(node) { var a = node.closest("article[data-item]"); return a && a.getAttribute("data-item"); }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("form[data-outbox=answer] button[name=result]");
    if (!button || !active) return;
    evt.preventDefault();
    evt.stopPropagation();
    var id = itemOf(button), form = button.form;
    if (button.classList.contains("save-note")) { flushNote(form, id); return; }
    var confirmText = button.getAttribute("hx-confirm");
    if (confirmText && !button.classList.contains("on") && !window.confirm(confirmText)) return;
    flushNote(form, id);
    replaceOrEnqueue("answer", id, form.action, { result: button.value });
  }, true);

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
    if (!active || !input.matches || !input.matches("form[data-outbox=photo] input[type=file]")) return;
    evt.stopPropagation();  // photos.js's own handler is for forms without the outbox
    var id = itemOf(input), form = input.form, files = Array.prototype.slice.call(input.files);
    flushNote(document.querySelector("#item-" + id + " form[data-outbox=answer]"), id);
    var shrink = window.shrinkPhoto || function (f) { return Promise.resolve({ file: f, taken: "" }); };
    // Each photo is its own upload, with its own capture time.
    files.reduce(function (p, file) {
      return p.then(function () { return shrink(file); }).then(function (r) {
        return enqueue({ kind: "photo", item: id, url: form.action, fields: {}, blob: r.file,
                         filename: r.file.name, taken: r.taken });
      });
    }, Promise.resolve()).then(function () { input.value = ""; });
  }, true);

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!active || !form.matches) return;
    if (form.matches("form[data-outbox=answer]")) {  // Enter in a field: save the note
      evt.preventDefault();
      evt.stopPropagation();
      flushNote(form, itemOf(form));
      return;
    }
    if (!form.matches("form[data-outbox=submit]")) return;
    evt.preventDefault();
    evt.stopPropagation();
    document.querySelectorAll("form[data-outbox=answer]").forEach(function (f) { flushNote(f, itemOf(f)); });
    if (queue.some(function (e) { return e.kind === "submit"; })) return;  // a double tap
    enqueue({ kind: "submit", item: null, url: form.action, fields: {} });
  }, true);

  window.addEventListener("beforeunload", function (evt) {
    Object.keys(noteTimers).forEach(function (id) {
      flushNote(document.querySelector("#item-" + id + " form[data-outbox=answer]"), id);
    });
    if (!pending().length || leaving) return;
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
  ready.then(allEntries).then(function (entries) {
    snapshotNow();  // the page as served, at once (the signal may go any second)
    active = true;
    entries.sort(function (a, b) { return a.seq - b.seq; });
    queue = entries.filter(function (e) {
      return String(e.user) === String(cfg.user) && e.inspection === cfg.inspection;
    });
    queue.forEach(function (e) { e.state = e.state === "refused" ? "refused" : "queued"; });
    var items = {};
    queue.forEach(function (e) { if (e.item) items[e.item] = true; });
    Object.keys(items).forEach(paint);
    render();
    pump();
  }).catch(function () {
    active = false;  // no IndexedDB (some private modes): htmx does the writes as before
    snapshot();      // the page is still kept for reading offline
  });
  // For tests and the page-weight bench: how many writes wait, and whether the outbox took over.
  window.__outbox = { pending: function () { return pending().length; }, active: function () { return active; } };
})();
