// Shrink photos on the phone before upload: a 4 MB camera frame becomes ~300 KB, which is the
// difference between seconds and minutes on a weak 4G signal. The server still checks and
// re-encodes everything; this only saves bandwidth. Any failure falls back to the original file.
(function () {
  "use strict";
  var LONG_EDGE = 1600, QUALITY = 0.85, MIN_BYTES = 600 * 1024;

  // EXIF DateTimeOriginal (or DateTime) from a JPEG's first bytes: the canvas drops EXIF,
  // so the capture time travels in a form field instead.
  function exifDate(buf) {
    var v = new DataView(buf), off = 2;
    if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) return "";
    while (off + 10 < v.byteLength) {
      var marker = v.getUint16(off), size = v.getUint16(off + 2);
      if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) {
        var tiff = off + 10, le = v.getUint16(tiff) === 0x4949;
        var u16 = function (o) { return v.getUint16(tiff + o, le); };
        var u32 = function (o) { return v.getUint32(tiff + o, le); };
        var find = function (ifd, tag) {
          var n = u16(ifd);
          for (var i = 0; i < n; i++) { if (u16(ifd + 2 + i * 12) === tag) return ifd + 2 + i * 12; }
          return -1;
        };
        var ifd0 = u32(4), exif = find(ifd0, 0x8769), entry = -1;
        if (exif >= 0) entry = find(u32(exif + 8), 0x9003);
        if (entry < 0) entry = find(ifd0, 0x0132);
        if (entry < 0) return "";
        var p = u32(entry + 8), s = "";
        for (var i = 0; i < 19; i++) s += String.fromCharCode(v.getUint8(tiff + p + i));
        return s;
      }
      if ((marker & 0xFF00) !== 0xFF00) break;
      off += 2 + size;
    }
    return "";
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size < MIN_BYTES || !window.createImageBitmap) {
      return Promise.resolve({ file: file, taken: "" });
    }
    return file.slice(0, 131072).arrayBuffer().then(function (head) {
      var taken = "";
      try { taken = exifDate(head); } catch (e) { taken = ""; }
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
        var scale = Math.min(1, LONG_EDGE / Math.max(bmp.width, bmp.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bmp.width * scale);
        canvas.height = Math.round(bmp.height * scale);
        canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) {
            if (!blob || blob.size >= file.size) return resolve({ file: file, taken: taken });
            var name = file.name.replace(/\.\w+$/, "") + ".jpg";
            resolve({ file: new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }),
                      taken: taken });
          }, "image/jpeg", QUALITY);
        });
      });
    }).catch(function () { return { file: file, taken: "" }; });
  }

  // The checklist's outbox (outbox.js) shrinks and uploads each photo on its own.
  window.shrinkPhoto = shrink;

  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (!input.matches || !input.matches("input[type=file][data-shrink]") || !input.files.length) return;
    var form = input.form, buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    form.classList.add("shrinking");
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (results) {
      var dt = new DataTransfer();
      results.forEach(function (r) { dt.items.add(r.file); });
      input.files = dt.files;
      // Each photo keeps its own capture time: one taken_at field per file, in the files' order.
      var fields = form.querySelectorAll("input[name=taken_at]");
      if (fields.length) {
        for (var i = 1; i < fields.length; i++) fields[i].remove();
        var last = fields[0];
        results.forEach(function (r, i) {
          var field = i === 0 ? last : last.cloneNode();
          field.value = r.taken || "";
          if (i > 0) { last.parentNode.insertBefore(field, last.nextSibling); last = field; }
        });
      }
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
      form.classList.remove("shrinking");
      // Forms that upload as soon as a photo is taken listen for this (hx-trigger).
      input.dispatchEvent(new CustomEvent("photo-ready", { bubbles: true }));
    });
  });
})();
