/* Behaviour shared by every page (no dependency; loaded with defer). */
(function () {
  "use strict";

  /* A table wider than the screen scrolls inside its frame (.table-responsive): the frame takes the
     keyboard focus and is named after its table (WCAG 2.1.1, RGAA 7.3), so that a keyboard user can
     scroll it with the arrow keys. Frames that do not scroll are left alone (no useless tab stop). */
  function frameScrollingTables(root) {
    root.querySelectorAll(".table-responsive").forEach(function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth + 1;
      if (!scrolls) {
        if (frame.dataset.framed) {
          frame.removeAttribute("tabindex");
          frame.removeAttribute("role");
          delete frame.dataset.framed;
        }
        return;
      }
      if (frame.hasAttribute("tabindex")) return;
      frame.setAttribute("tabindex", "0");
      frame.setAttribute("role", "region");
      frame.dataset.framed = "1";
      if (!frame.hasAttribute("aria-label") && !frame.hasAttribute("aria-labelledby")) {
        var caption = frame.querySelector("caption");
        var heading = null;
        for (var node = frame.previousElementSibling; node && !heading; node = node.previousElementSibling) {
          if (/^H[1-6]$/.test(node.tagName)) heading = node;
        }
        var name = (caption && caption.textContent.trim()) || (heading && heading.textContent.trim()) || "Tableau";
        frame.setAttribute("aria-label", name + " (défile horizontalement)");
      }
    });
  }

  /* After a form comes back with errors, the focus goes to its first invalid field (WCAG 3.3.1):
     a keyboard or screen-reader user lands where the correction is needed, not on the page body. */
  function focusFirstError() {
    var invalid = document.querySelector("main [aria-invalid='true'], main .is-invalid");
    if (invalid && typeof invalid.focus === "function" && !document.activeElement.closest("main")) {
      invalid.focus();
    }
  }

  /* A form that marks required fields with an asterisk says once what the asterisk means (WCAG 3.3.2). */
  function explainRequiredMarks(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector(".required-mark, .asteriskField") || form.querySelector(".required-note")) return;
      var note = document.createElement("p");
      note.className = "small text-body-secondary required-note";
      note.textContent = "Les champs marqués d’un astérisque (*) sont obligatoires.";
      form.insertBefore(note, form.firstChild);
    });
  }

  /* A header checkbox ``data-check-all="<name>"`` checks or unchecks every checkbox of that name. */
  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("input[data-check-all]");
    if (!all) return;
    document.querySelectorAll("input[type=checkbox][name='" + all.dataset.checkAll + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    explainRequiredMarks(document);
    frameScrollingTables(document);
    focusFirstError();
  });
  window.addEventListener("resize", function () { frameScrollingTables(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    frameScrollingTables(event.target);
    explainRequiredMarks(event.target);
  });
})();
