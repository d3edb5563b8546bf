// Keyboard shortcuts: any link or button with data-key="ArrowLeft" (etc.) is followed when that
// key is pressed outside a text field. Pages work without this; it only saves reaching for the mouse.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const shortcut = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!shortcut) return;
  event.preventDefault();
  shortcut.click();
});
