// Upload page enhancement: drag & drop, a preview and a real progress bar per file, and each
// file's result as the server reports it. Without JavaScript the same <form> posts every file
// at once and the server renders the results.
(() => {
  const form = document.querySelector("[data-upload-form]");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const dropzone = form.querySelector("[data-dropzone]");
  const list = document.querySelector("[data-upload-list]");
  const summary = form.querySelector("[data-upload-summary]");
  const submit = form.querySelector("[data-upload-submit]");
  const maxBytes = Number(form.dataset.maxBytes);
  const PARALLEL_UPLOADS = 3;
  const queued = [];
  const counts = { done: 0, duplicate: 0, rejected: 0 };

  const formatSize = (bytes) =>
    bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addItem(file) {
    const item = element("li", "upload-item queued");
    const thumb = element("span", "upload-thumb");
    if (/^image\/(jpeg|png|gif|webp|bmp)$/.test(file.type)) {
      const img = element("img");
      img.alt = "";
      img.src = URL.createObjectURL(file);
      img.onload = () => URL.revokeObjectURL(img.src);
      thumb.append(img);
    }
    const name = element("span", "upload-name", file.name);
    const size = element("span", "upload-size muted", formatSize(file.size));
    const progress = element("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Upload progress of ${file.name}`);
    const status = element("span", "upload-status", "Waiting");
    item.append(thumb, name, size, progress, status);
    list.append(item);
    return { item, progress, status };
  }

  function showResult(entry, result) {
    entry.item.className = `upload-item ${result.status}`;
    entry.progress.value = 100;
    entry.status.textContent = "";
    if (result.url) {
      const link = element("a", "", result.message);
      link.href = result.url;
      entry.status.append(link);
    } else {
      entry.status.textContent = result.message;
    }
    counts[result.status] += 1;
    updateSummary();
  }

  function updateSummary() {
    const parts = [];
    if (queued.length) parts.push(`${queued.length} ready to upload`);
    if (counts.done) parts.push(`${counts.done} uploaded`);
    if (counts.duplicate) parts.push(`${counts.duplicate} already in your library`);
    if (counts.rejected) parts.push(`${counts.rejected} rejected`);
    summary.textContent = parts.join(" · ");
    submit.disabled = queued.length === 0;
    submit.textContent = queued.length ? `Upload ${queued.length} photo${queued.length > 1 ? "s" : ""}` : "Upload";
  }

  function addFiles(files) {
    for (const file of files) {
      const entry = addItem(file);
      if (file.size > maxBytes) {
        showResult(entry, { status: "rejected", message: `Larger than the ${formatSize(maxBytes)} limit.` });
      } else if (file.size === 0) {
        showResult(entry, { status: "rejected", message: "The file is empty." });
      } else {
        queued.push({ file, ...entry });
      }
    }
    updateSummary();
  }

  function send(entry) {
    return new Promise((resolve) => {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      data.append("tags", form.elements.tags.value);
      if (form.elements.album) data.append("album", form.elements.album.value);
      data.append("files", entry.file, entry.file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      entry.item.className = "upload-item uploading";
      entry.status.textContent = "Uploading…";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) entry.progress.value = Math.round((event.loaded / event.total) * 100);
      };
      xhr.upload.onload = () => { entry.status.textContent = "Processing…"; };
      xhr.onload = () => {
        let result;
        try {
          const body = JSON.parse(xhr.responseText);
          result = body.results && body.results[0];
          if (!result) {
            const errors = Object.values(body.errors || {}).flat().map((e) => e.message);
            result = { status: "rejected", message: errors.join(" ") || "The server refused the file." };
          }
        } catch {
          // Not Pictura's answer but the proxy's in front of it (nginx: body too large, timeout).
          const proxyAnswers = {
            413: "The file is larger than the server accepts.",
            408: "The upload took too long and was cut off; please try again.",
            502: "The server did not answer in time; please try again.",
            503: "The server did not answer in time; please try again.",
            504: "The server did not answer in time; please try again.",
          };
          const message = proxyAnswers[xhr.status] || `The server answered ${xhr.status}; please try again.`;
          result = { status: "rejected", message };
        }
        showResult(entry, result);
        resolve();
      };
      xhr.onerror = () => {
        showResult(entry, { status: "rejected", message: "Network error: the file did not reach the server." });
        resolve();
      };
      xhr.send(data);
    });
  }

  async function worker() {
    while (queued.length) {
      const entry = queued.shift();
      updateSummary();
      await send(entry);
    }
  }

  input.addEventListener("change", () => {
    addFiles(input.files);
    input.value = "";
  });
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    dropzone.addEventListener(type, () => dropzone.classList.remove("dragging"));
  }
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    addFiles(event.dataTransfer.files);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!queued.length) return;
    submit.disabled = true;
    await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
    updateSummary();
  });
  updateSummary();
})();
