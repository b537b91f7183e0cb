// hakusho: drag and drop onto the upload form. The form works without this file:
// it only lets a workbook dropped on the form's area fill its file field and send it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.dropzone").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    if (!input) { return; }
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function () { form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || event.dataTransfer.files.length !== 1) { return; }
      input.files = event.dataTransfer.files;
      form.requestSubmit();
    });
  });
});
