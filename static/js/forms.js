// Small form behaviours without inline handlers (the Content-Security-Policy allows scripts from files only):
// <select data-submit-on-change> submits its form when changed; <form data-confirm="..."> asks first.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
