// Printing a page prints what is folded away too: open every <details> before printing.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details").forEach((d) => { d.dataset.bookWasOpen = d.open; d.open = true; });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details").forEach((d) => { d.open = d.dataset.bookWasOpen === "true"; });
});
