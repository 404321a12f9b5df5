/* Small progressive enhancements; every page works without this file.
   Loaded with the CSP nonce; no inline handlers anywhere. */
(function () {
  "use strict";

  // This file is loaded before the Bootstrap Italia bundle. The bundle includes Video.js,
  // which otherwise injects a <style> element into <head> that our CSP (style-src 'self')
  // blocks; this documented switch turns that off. We host no videos.
  window.VIDEOJS_NO_DYNAMIC_STYLE = true;

  document.addEventListener("DOMContentLoaded", function () {
    // After a failed submission, move the focus to the error summary so screen-reader and
    // keyboard users hear the list of errors first (Designers Italia / GOV.UK pattern).
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      return;
    }
    // Otherwise, if the server reported a problem (e.g. sign-in failed), focus that message.
    var alert = document.querySelector("main .alert-danger[tabindex]");
    if (alert) {
      alert.focus();
    }
  });

  // Links in the error summary: focus the field itself, not only scroll to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("#error-summary a[href^='#']") : null;
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });
})();
