// tender dashboard: pages work without this file; it only adds conveniences.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Times are rendered in UTC on the server; show the reader's local time on hover.
  for (const el of document.querySelectorAll("time[datetime]")) {
    el.title = new Date(el.getAttribute("datetime")).toLocaleString();
  }
  // A key or signing secret shown once: focusing it selects it, ready to copy.
  for (const el of document.querySelectorAll("input.secret")) {
    el.addEventListener("focus", () => el.select());
  }
  // Keep the confirmation button from being pressed twice.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", () => {
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    });
  }
});
