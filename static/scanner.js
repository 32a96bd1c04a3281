// The scan screen: read a site poster's QR code with the camera and open that site.
// BarcodeDetector where the browser has one, else the vendored jsQR (loaded only here).
// Only our own site URLs (/s/<token> on an origin the page lists) are followed.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  var video = root.querySelector("video");
  var status = root.querySelector(".scan-status");
  var origins = JSON.parse(root.dataset.origins);
  var SITE_PATH = /^\/s\/[A-Za-z0-9_-]{1,32}$/;
  var stream = null;
  var done = false;

  var say = function (text, kind) {
    status.textContent = text;
    status.className = "scan-status " + (kind || "");
  };

  // The site path a decoded text points to, or null when it is not one of our codes.
  var sitePath = function (text) {
    var url;
    try { url = new URL(text); } catch (e) { return null; }
    if (origins.indexOf(url.origin) < 0 || !SITE_PATH.test(url.pathname)) return null;
    return url.pathname;
  };

  var stop = function () {
    done = true;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  };

  var noCamera = function () {
    stop();
    root.classList.add("no-camera");
    say(root.dataset.msgNoCamera, "warn");
  };

  var found = function (text) {
    var path = sitePath(text);
    if (!path) {
      say(root.dataset.msgForeign + " " + text.slice(0, 80), "warn");
      return false;
    }
    stop();
    say(root.dataset.msgOpening);
    window.location.assign(path);
    return true;
  };

  var loadJsQR = function () {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) return resolve(window.jsQR);
      var s = document.createElement("script");
      s.src = root.dataset.decoder;
      s.onload = function () { resolve(window.jsQR); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  };

  // A decode function: frame (video) -> Promise of the text found, or null.
  var makeDecoder = function () {
    var native = window.BarcodeDetector && window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve([]);
    return native.then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) {
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return detector.detect(video).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }
      return loadJsQR().then(function (jsQR) {
        var canvas = document.createElement("canvas");
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        return function () {
          // A poster fills much of the frame: 640 px wide is plenty and keeps cheap phones quick.
          var scale = Math.min(1, 640 / video.videoWidth);
          canvas.width = Math.round(video.videoWidth * scale);
          canvas.height = Math.round(video.videoHeight * scale);
          ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
          var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
          var code = jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
          return Promise.resolve(code ? code.data : null);
        };
      });
    });
  };

  var loop = function (decode) {
    var tick = function () {
      // Left by a boosted link or the back button: let the camera go.
      if (done || !document.body.contains(video)) return stop();
      var next = function () { setTimeout(tick, 200); };
      if (video.readyState < 2 || !video.videoWidth) return next();
      decode().then(function (text) {
        if (!(text && found(text))) next();
      }, next);
    };
    tick();
  };

  window.addEventListener("pagehide", stop);
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return noCamera();
  navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
    .then(function (s) {
      if (done) { s.getTracks().forEach(function (t) { t.stop(); }); return; }
      stream = s;
      video.srcObject = s;
      root.classList.add("live");
      say(root.dataset.msgAim);
      return video.play().then(makeDecoder).then(loop);
    })
    .catch(noCamera);
})();
