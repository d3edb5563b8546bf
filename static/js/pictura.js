// Keyboard shortcuts: any link or button with data-key="ArrowLeft" (etc.) is followed when that
// key is pressed outside a text field, and "/" jumps to the search box (data-key-focus). Pages work without this; it only saves reaching for the mouse.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const field = document.querySelector(`[data-key-focus="${CSS.escape(event.key)}"]`);
  if (field) {
    event.preventDefault();
    field.focus();
    return;
  }
  const shortcut = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!shortcut) return;
  event.preventDefault();
  shortcut.click();
});

// Forms marked data-confirm ask before they post. Without JavaScript they post straight away,
// which is why only reversible or clearly labelled actions use it.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// "Copy link" buttons: data-copy names the input whose value goes to the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy"); // older browsers, and pages not served over HTTPS
  }
  const label = button.textContent;
  button.textContent = "Copied!";
  setTimeout(() => { button.textContent = label; }, 1500);
});

// Photo grids with a selection form: shift-click ticks every box between two clicks, and the
// toolbar counts what is ticked.
document.querySelectorAll("[data-selectable-grid]").forEach((grid) => {
  const boxes = Array.from(grid.querySelectorAll(".select-box"));
  const count = document.querySelector("[data-selection-count]");
  const hint = count ? count.textContent : "";
  let last = null;
  const update = () => {
    const ticked = boxes.filter((box) => box.checked).length;
    document.body.classList.toggle("selecting", ticked > 0);
    if (count) count.textContent = ticked ? `${ticked} selected` : hint;
  };
  boxes.forEach((box) => box.addEventListener("click", (event) => {
    if (event.shiftKey && last !== null) {
      const [from, to] = [boxes.indexOf(last), boxes.indexOf(box)].sort((a, b) => a - b);
      boxes.slice(from, to + 1).forEach((other) => { other.checked = box.checked; });
    }
    last = box;
    update();
  }));
  update();
});
