// Behaviour wired by data attributes, so that pages carry no inline script (the CSP forbids it).
document.addEventListener("change", (event) => {
  if (event.target.classList.contains("js-autosubmit")) event.target.form.submit();
});
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("[data-busy-text]");
  if (button) { button.disabled = true; button.textContent = button.dataset.busyText; }
});
