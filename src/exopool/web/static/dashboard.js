// Copy buttons: the page works without this; it only saves selecting text by hand.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const text = source.value !== undefined ? source.value : source.textContent;
  navigator.clipboard.writeText(text.trim()).then(
    () => { button.textContent = "Copied"; },
    () => { if (source.select) source.select(); button.textContent = "Select and copy"; },
  );
});
