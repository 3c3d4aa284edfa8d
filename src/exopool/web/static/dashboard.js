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

// Uploads with a progress bar (forms marked data-progress): without this script the form posts as any
// form does; with it, the file goes by XMLHttpRequest so its progress can be shown, and the answer replaces
// the page as a normal submission's would.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-progress]");
  if (!form) return;
  event.preventDefault();
  const box = document.getElementById(form.dataset.progress);
  const bar = box.querySelector("progress");
  const status = box.querySelector("[role=status]");
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", (sent) => {
    if (!sent.lengthComputable) return;
    bar.max = sent.total;
    bar.value = sent.loaded;
    status.textContent = `Sending the file: ${Math.floor((100 * sent.loaded) / sent.total)}%`;
  });
  request.upload.addEventListener("load", () => {
    bar.value = bar.max;
    status.textContent = "File sent: checking every line…";
  });
  request.addEventListener("load", () => {
    const answer = new DOMParser().parseFromString(request.responseText, "text/html");
    document.title = answer.title;
    document.body.replaceWith(answer.body);
    // Where a redirect led (the pool page, after an import); a refusal stays at the page the form was on.
    if (request.responseURL !== form.action) history.replaceState(null, "", request.responseURL);
  });
  request.addEventListener("error", () => { status.textContent = "The upload failed: try again."; });
  form.querySelector("[type=submit]").disabled = true;
  box.hidden = false;
  request.send(new FormData(form));
});
