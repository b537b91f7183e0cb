// hakusho: drag and drop onto the upload form. The form works without this file:
// it only lets a workbook dropped on the form's area fill its file field and send it.
"use strict";
// A file dropped beside the form would make the browser leave the page to open it.
["dragover", "drop"].forEach(function (name) {
  document.addEventListener(name, function (event) { event.preventDefault(); });
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.dropzone").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    if (!input) { return; }
    // The hint is shown only where dropping works: with this script.
    form.querySelectorAll(".drop-hint").forEach(function (hint) { hint.hidden = false; });
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function () { form.classList.remove("over"); });
    });
    var error = form.querySelector(".drop-error");
    // Says why a drop was not sent, in the form's own element (no inline script or style).
    function refuse(message) {
      if (!error) { return; }
      error.textContent = message;
      error.hidden = false;
    }
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer ? event.dataTransfer.files : null;
      if (!files || files.length === 0) { return; }
      if (files.length !== 1) {
        refuse("ブックは1つずつドロップしてください(" + files.length + " 個のファイルがドロップされました)。");
        return;
      }
      if (error) { error.hidden = true; }
      input.files = files;
      form.requestSubmit();
    });
  });
});
