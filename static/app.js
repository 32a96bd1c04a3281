// Small glue for htmx on phones with a weak signal: say clearly when something did not save.
(function () {
  "use strict";
  var toast = function (text, kind) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = text;
    el.className = "toast " + (kind || "error");
    el.hidden = false;
    clearTimeout(el._timer);
    el._timer = setTimeout(function () { el.hidden = true; }, 6000);
  };
  var lang = document.documentElement.lang || "zh-CN";
  var offlineText = lang.indexOf("zh") === 0
    ? "网络不通，刚才的操作没有保存，请稍后重试。"
    : "No network: your last action was not saved. Please try again.";
  document.addEventListener("htmx:sendError", function () { toast(offlineText); });
  document.addEventListener("htmx:timeout", function () { toast(offlineText); });
  // A refusal (409/422) that swaps nothing says why in X-Message; a later success clears the toast.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail.xhr;
    if (!xhr) return;
    var msg = xhr.getResponseHeader("X-Message");
    if ((xhr.status === 409 || xhr.status === 422) && msg) toast(decodeURIComponent(msg));
    else if (xhr.status >= 200 && xhr.status < 300) {
      var el = document.getElementById("toast");
      if (el) el.hidden = true;
    }
  });
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var msg = xhr.getResponseHeader("X-Message");
    toast(msg ? decodeURIComponent(msg) : (xhr.status + " " + xhr.statusText));
  });
  // Print buttons (ledger print view, poster sheets): the CSP allows no inline handlers.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) window.print();
  });
  // A weak signal must not leave a request hanging forever.
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.timeout = evt.detail.timeout || 60000;
  });
})();
