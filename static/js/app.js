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

  /* Small behaviours declared in the HTML with data-* attributes: the Content-Security-Policy
     (script-src 'self', issue 17 §11) refuses inline handlers such as onclick="…". Listeners sit on
     the document, so content swapped in by htmx behaves the same without re-binding. */

  /* <form data-confirm="Question ?">: asks before submitting; « Annuler » keeps the page as it is. */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  /* <select data-autosubmit>: choosing an option submits its form (the form keeps its own button
     for keyboard users and for browsers without JavaScript). */
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (!select || !select.form) return;
    if (typeof select.form.requestSubmit === "function") select.form.requestSubmit();
    else select.form.submit();
  });

  /* The search field of a list's filter form (includes/filter_form.html) sends its search as its
     text changes, 400 ms after the last key. Its « change », when it loses the focus, would send it
     again as the pointer presses a link of the list; the answer, swapped in before the button is
     released, would replace the link under the pointer and the click would be lost. That « change »
     stops here, before it reaches the form's htmx trigger. */
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("form[role=search][hx-get] input[name=q]")) event.stopPropagation();
  }, true);

  /* <input data-select-on-focus>: a read-only value to copy (a key, an address) is selected whole. */
  document.addEventListener("focusin", function (event) {
    var input = event.target.closest && event.target.closest("input[data-select-on-focus]");
    if (input) input.select();
  });

  /* <button data-copy-from="<input id>" data-copied-label="Copiée">: copies that field's value to
     the clipboard and says so on the button. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy-from]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copyFrom);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.value).then(function () {
      if (button.dataset.copiedLabel) button.textContent = button.dataset.copiedLabel;
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
