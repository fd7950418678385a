// Behaviour wired by data attributes, so that pages carry no inline script (the CSP forbids it).
document.addEventListener("change", (event) => {
  if (event.target.classList.contains("js-autosubmit")) event.target.form.submit();
});
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("[data-busy-text]");
  if (button) { button.disabled = true; button.textContent = button.dataset.busyText; }
});

// Irreversible steps ask first: a submit button (or its form) with data-confirm="…" opens the shared
// dialog (core/_confirm_modal.html) and the form is submitted, through that same button, only on 确认.
(() => {
  let confirmed = null;
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    const text = (button && button.dataset.confirm) || form.dataset.confirm;
    const dialog = document.getElementById("kc-confirm");
    if (!text || !dialog || !window.bootstrap) return;
    if (confirmed === form) { confirmed = null; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    dialog.querySelector(".js-confirm-text").textContent = text;
    const ok = dialog.querySelector(".js-confirm-ok");
    ok.dataset.label ??= ok.textContent;
    ok.textContent = (button && button.textContent.trim()) || ok.dataset.label;
    ok.onclick = () => {
      bootstrap.Modal.getOrCreateInstance(dialog).hide();
      confirmed = form;
      // requestSubmit keeps the button's name/value and formaction, as the original click would have.
      if (button) form.requestSubmit(button); else form.requestSubmit();
    };
    bootstrap.Modal.getOrCreateInstance(dialog).show();
  }, true);
})();

// Type-ahead pickers (core/widgets/picker.html): a found item becomes a chip with a hidden input;
// its × removes it. Nothing reloads the page.
document.addEventListener("click", (event) => {
  const found = event.target.closest(".js-pick");
  if (found) {
    const picker = found.closest(".kc-picker");
    const chosen = picker.querySelector(".js-picker-chosen");
    const value = found.dataset.pickValue;
    if (![...chosen.querySelectorAll("input")].some((i) => i.value === value)) {
      const chip = document.createElement("span");
      chip.className = "badge text-bg-primary d-inline-flex align-items-center gap-1 js-picker-chip";
      chip.textContent = found.dataset.pickLabel;
      const input = document.createElement("input");
      Object.assign(input, { type: "hidden", name: picker.dataset.pickerName, value });
      const remove = document.createElement("button");
      Object.assign(remove, { type: "button", className: "btn-close btn-close-white js-picker-remove" });
      remove.setAttribute("aria-label", found.dataset.pickLabel);
      chip.append(input, remove);
      chosen.append(chip);
    }
    found.remove();
    return;
  }
  const remove = event.target.closest(".js-picker-remove");
  if (remove) remove.closest(".js-picker-chip").remove();
});

// Row editors (Django formsets): "添加一行" clones the empty form, numbering it as the next form.
document.addEventListener("click", (event) => {
  const add = event.target.closest(".js-add-row");
  if (!add) return;
  const box = add.closest("fieldset");
  const total = box.querySelector(`input[name="${add.dataset.prefix}-TOTAL_FORMS"]`);
  const html = box.querySelector(".js-row-template").innerHTML.replaceAll("__prefix__", total.value);
  box.querySelector(".js-rows").insertAdjacentHTML("beforeend", html);
  total.value = Number(total.value) + 1;
});

// The rubric's running weight total, so the "must total 100" rule is seen before saving.
const showWeightTotal = () => {
  document.querySelectorAll(".js-weight-total").forEach((out) => {
    const box = out.closest("fieldset");
    let sum = 0;
    box.querySelectorAll(".js-rows tr").forEach((row) => {
      const weight = row.querySelector('input[name$="-weight"]');
      const gone = row.querySelector('input[name$="-DELETE"]');
      if (weight && !(gone && gone.checked)) sum += Number(weight.value) || 0;
    });
    out.textContent = Math.round(sum * 100) / 100;
    out.classList.toggle("text-danger", Math.abs(sum - 100) > 1e-9);
  });
};
document.addEventListener("input", showWeightTotal);
document.addEventListener("change", showWeightTotal);
document.addEventListener("DOMContentLoaded", showWeightTotal);
