// The upload page's widget, on Uppy (static/vendor/uppy, from npm): drag & drop, a preview, a
// progress bar and a result per file. With files in S3 each file goes straight to the bucket in
// parts (Uppy's S3 multipart uploader, every part URL signed by Pictura): a dropped connection
// resumes from the parts already there ("Upload" again), and so does a closed tab (Uppy's
// Golden Retriever keeps the files in the browser). On local disk files post to this page.
// Without JavaScript the same <form> posts every file at once and the page lists the results.
(() => {
  const form = document.querySelector("[data-upload-form]");
  if (!form || !window.Uppy) return;
  const input = form.querySelector('input[type="file"]');
  const dropzone = form.querySelector("[data-dropzone]");
  const list = document.querySelector("[data-upload-list]");
  const summary = form.querySelector("[data-upload-summary]");
  const submit = form.querySelector("[data-upload-submit]");
  const maxBytes = Number(form.dataset.maxBytes);
  const direct = form.dataset.directUrl;  // set when files go straight to S3
  const csrf = form.elements.csrfmiddlewaretoken.value;
  const entries = new Map();  // Uppy's file id -> its row in the list
  const counts = { done: 0, duplicate: 0, rejected: 0 };

  const uppy = new Uppy.Uppy({ autoProceed: false, restrictions: { maxFileSize: maxBytes } });

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
    if (file.data instanceof Blob && /^image\/(jpeg|png|gif|webp|bmp)$/.test(file.type)) {
      const img = element("img");
      img.alt = "";
      img.src = URL.createObjectURL(file.data);
      img.onload = () => URL.revokeObjectURL(img.src);
      thumb.append(img);
    }
    const progress = element("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Upload progress of ${file.name}`);
    const status = element("span", "upload-status", "Waiting");
    item.append(thumb, element("span", "upload-name", file.name), element("span", "upload-size muted", formatSize(file.size)),
      progress, status);
    list.append(item);
    const entry = { item, progress, status };
    entries.set(file.id, entry);
    return entry;
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

  function waiting() {
    return uppy.getFiles().filter((file) => !file.progress.uploadComplete);
  }

  function updateSummary() {
    const queued = waiting().length;
    const parts = [];
    if (queued) parts.push(`${queued} ready to upload`);
    if (counts.done) parts.push(`${counts.done} uploaded`);
    if (counts.duplicate) parts.push(`${counts.duplicate} already in your library`);
    if (counts.rejected) parts.push(`${counts.rejected} rejected`);
    summary.textContent = parts.join(" · ");
    submit.disabled = queued === 0;
    submit.textContent = queued ? `Upload ${queued} photo${queued > 1 ? "s" : ""}` : "Upload";
  }

  function addFiles(files) {
    for (const data of files) {
      try {
        uppy.addFile({ name: data.name, type: data.type, data, source: "Local" });
      } catch (error) {  // Uppy's own words: too large, or the same file twice in this batch
        const message = data.size > maxBytes ? `Larger than the ${formatSize(maxBytes)} limit.` : error.message;
        showResult(addItem({ id: `refused-${entries.size}`, name: data.name, size: data.size, type: "" }),
          { status: "rejected", message });
      }
    }
    updateSummary();
  }

  async function api(url, body, method = "POST") {
    const response = await fetch(url, {
      method,
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: method === "GET" ? undefined : JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || `The server answered ${response.status}; please try again.`);
    return answer;
  }

  // The result of a file uploaded to S3 comes once a worker has checked it.
  async function directResult(file) {
    for (;;) {
      const upload = await api(`${direct}${file.meta.directId}/`, null, "GET");
      if (upload.state !== "ingesting") {
        const status = { done: "done", duplicate: "duplicate" }[upload.state] || "rejected";
        return { status, message: upload.message, url: upload.url };
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  if (direct) {
    const partSize = Number(form.dataset.partSize);
    // The chosen files themselves are kept (IndexedDB) up to the upload limit each, 1 GB in all.
    uppy.use(Uppy.GoldenRetriever, { serviceWorker: false, indexedDB: { maxFileSize: maxBytes, maxTotalSize: 1024 ** 3 } });
    uppy.use(Uppy.AwsS3, {
      limit: 3,
      // A part that fails is sent again after these pauses (ms): a connection that drops for up
      // to about two minutes costs only the parts in flight; the others stay in the bucket.
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      shouldUseMultipart: () => true,
      getChunkSize: () => partSize,
      async createMultipartUpload(file) {
        const upload = await api(direct, {
          filename: file.name, size: file.size, tags: form.elements.tags.value,
          album: form.elements.album ? form.elements.album.value : "",
        });
        uppy.setFileMeta(file.id, { directId: upload.id });
        return { uploadId: upload.uploadId, key: upload.key };
      },
      async signPart(file, { partNumber }) {
        return { url: (await api(`${direct}${file.meta.directId}/parts/${partNumber}/`)).url };
      },
      async listParts(file) {
        return (await api(`${direct}${file.meta.directId}/parts/`, null, "GET")).parts;
      },
      async completeMultipartUpload(file, { parts }) {
        await api(`${direct}${file.meta.directId}/complete/`, { parts });
        return {};
      },
      async abortMultipartUpload(file) {
        if (file.meta.directId) await api(`${direct}${file.meta.directId}/abort/`);
      },
    });
  } else {
    uppy.use(Uppy.XHRUpload, {
      endpoint: form.action || window.location.href,
      fieldName: "files",
      formData: true,
      limit: 3,
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
      allowedMetaFields: ["tags", "album"],
    });
  }

  // Not Pictura's answer but the proxy's in front of it (nginx: body too large, timeout).
  const proxyAnswers = {
    413: "The file is larger than the server accepts.",
    408: "The upload took too long and was cut off; please try again.",
    502: "The server did not answer in time; please try again.",
    503: "The server did not answer in time; please try again.",
    504: "The server did not answer in time; please try again.",
  };

  uppy.on("file-added", (file) => addItem(file));
  // Files the browser kept from a page closed mid-upload (Golden Retriever): listed again, and
  // "Upload" goes on from the parts the bucket already has.
  uppy.on("restored", () => {
    for (const file of uppy.getFiles()) if (!entries.has(file.id)) addItem(file);
    updateSummary();
  });
  uppy.on("upload-progress", (file, progress) => {
    const entry = entries.get(file.id);
    if (!entry || !progress.bytesTotal) return;
    entry.item.className = "upload-item uploading";
    entry.progress.value = Math.round((progress.bytesUploaded / progress.bytesTotal) * 100);
    entry.status.textContent = progress.bytesUploaded < progress.bytesTotal ? "Uploading…" : "Processing…";
  });
  uppy.on("upload-success", async (file, response) => {
    const entry = entries.get(file.id);
    entry.status.textContent = "Processing…";
    let result;
    try {
      result = direct ? await directResult(file) : response.body.results[0];
    } catch (error) {
      result = { status: "rejected", message: error.message };
    }
    showResult(entry, result);
    uppy.removeFile(file.id);  // done with: the same file may be chosen again later
  });
  uppy.on("upload-error", (file, error, response) => {
    const body = response && response.body;
    const errors = body && body.errors ? Object.values(body.errors).flat().map((e) => e.message) : [];
    let message = errors.join(" ") || (response && proxyAnswers[response.status]) || error.message;
    // A part PUT that never reached the bucket (Uppy says "Unknown error"), or a fetch that failed.
    if (!errors.length && (error.isNetworkError || /unknown error|network|failed to fetch/i.test(message))) {
      message = "The connection dropped. Press Upload to go on from where it stopped.";
    }
    const entry = entries.get(file.id);
    entry.item.className = "upload-item rejected";
    entry.status.textContent = message;
    updateSummary();
  });

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
    if (!waiting().length) return;
    submit.disabled = true;
    uppy.setMeta({ tags: form.elements.tags.value, album: form.elements.album ? form.elements.album.value : "" });
    const interrupted = Object.keys(uppy.getState().currentUploads || {});  // restored from a closed page
    const failed = uppy.getFiles().some((file) => file.error);
    if (interrupted.length) await Promise.all(interrupted.map((id) => uppy.restore(id)));
    else await (failed ? uppy.retryAll() : uppy.upload());
    updateSummary();
  });
  updateSummary();
})();
