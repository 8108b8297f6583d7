/* Comboboxes of the search (issue 13 §3), after the ARIA combobox pattern (list autocomplete):
   the navigation box (data-combobox="navigate": Enter opens the highlighted result) and the
   searchable selects (data-combobox="pick": Enter puts the row's id in the hidden input).
   htmx fills the listbox; this file only moves the highlight and handles the keys:
   ArrowDown / ArrowUp move, Enter chooses, Escape closes (a second Escape clears the text). */
(function () {
  "use strict";

  function listboxOf(input) { return document.getElementById(input.getAttribute("aria-controls")); }
  function options(listbox) { return Array.from(listbox.querySelectorAll('[role="option"]')); }

  function open(input, listbox) {
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close(input, listbox) {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options(listbox).forEach(function (o) { o.classList.remove("active"); o.setAttribute("aria-selected", "false"); });
  }

  function highlight(input, listbox, option) {
    options(listbox).forEach(function (o) {
      var on = o === option;
      o.classList.toggle("active", on);
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(input, listbox, option) {
    if (input.dataset.combobox === "navigate") {
      window.location.assign(option.dataset.href);
      return;
    }
    var hidden = input.parentElement.querySelector("[data-combobox-value]");
    hidden.value = option.dataset.value;
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
    input.value = option.dataset.label;
    input.dataset.chosenLabel = option.dataset.label;
    close(input, listbox);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-combobox]")) return;
    var listbox = listboxOf(input);
    var all = options(listbox);
    var current = listbox.querySelector('[role="option"].active');
    var index = all.indexOf(current);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      open(input, listbox);
      var next = event.key === "ArrowDown" ? (index + 1) % all.length : (index <= 0 ? all.length - 1 : index - 1);
      highlight(input, listbox, all[next]);
    } else if (event.key === "Enter") {
      if (current && !listbox.hidden) {
        event.preventDefault();
        choose(input, listbox, current);
      }
    } else if (event.key === "Escape") {
      if (!listbox.hidden) {
        event.preventDefault();
        close(input, listbox);
      } else if (input.dataset.combobox === "pick") {
        input.value = "";
        input.parentElement.querySelector("[data-combobox-value]").value = "";
      }
    }
  });

  // Typing again in a searchable select forgets the row chosen before.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('[data-combobox="pick"]')) return;
    if (input.value !== input.dataset.chosenLabel) {
      input.parentElement.querySelector("[data-combobox-value]").value = "";
    }
  });

  // A click (or tap) on an option chooses it; mousedown so the input does not lose focus first.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest('.search-listbox [role="option"]');
    if (!option) return;
    event.preventDefault();
    var listbox = option.closest('[role="listbox"]');
    var input = document.querySelector('[aria-controls="' + listbox.id + '"]');
    choose(input, listbox, option);
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-combobox]")) return;
    close(input, listboxOf(input));
  });

  // Text typed before htmx was ready (a slow connection, a quick typist): its input events came
  // before htmx listened, and htmx took the typed text as the field's starting value, so « input
  // changed » would ignore it. Once htmx has processed the page, ask for the list of a focused
  // field whose text differs from the one the page came with.
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-combobox]").forEach(function (input) {
      if (input === document.activeElement && input.value.trim() && input.value !== input.defaultValue) {
        window.htmx.trigger(input, "combobox-typed");
      }
    });
  });

  // htmx swapped new options in: show them (or hide an empty list), nothing highlighted yet.
  document.addEventListener("htmx:afterSwap", function (event) {
    var listbox = event.detail.target;
    if (!listbox.matches || !listbox.matches(".search-listbox")) return;
    var input = document.querySelector('[aria-controls="' + listbox.id + '"]');
    if (!input) return;
    highlight(input, listbox, null);
    if (listbox.children.length && document.activeElement === input) {
      open(input, listbox);
    } else {
      close(input, listbox);
    }
  });
})();
