// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const printButton = event.target.closest("[data-print]");
  if (printButton) {
    window.print();
  }
});

// Forms that destroy something ask first (the page's own words, in its language).
document.addEventListener("submit", (event) => {
  const question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
