/* Staff pages' requests: the session's CSRF token on every call, and a sign-in dialog
 * when the session has expired, after which the interrupted request is sent again, so
 * work in progress (a note, an edit) is never lost. Used by the agent console and the
 * studio; the dialog's markup is templates/_relogin.html.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const config = document.querySelector("[data-csrf-token]");
  let csrfToken = config ? config.dataset.csrfToken : "";
  let relogin = null; // the pending sign-in, shared by every request that hit a 401

  function signInAgain() {
    if (relogin) return relogin;
    const dialog = $("relogin");
    const previous = document.activeElement;
    relogin = new Promise((resolve) => {
      const form = $("relogin-form");
      const onSubmit = async (event) => {
        event.preventDefault();
        $("relogin-error").textContent = "";
        const response = await fetch("/api/session", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            username: $("relogin-username").value,
            password: $("relogin-password").value,
          }),
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) {
          $("relogin-error").textContent = body.detail || "Sign-in failed. Try again.";
          return;
        }
        csrfToken = body.csrfToken;
        for (const input of document.querySelectorAll('input[name="csrf_token"]')) {
          input.value = csrfToken;
        }
        form.removeEventListener("submit", onSubmit);
        $("relogin-password").value = "";
        dialog.hidden = true;
        relogin = null;
        if (previous && previous.focus) previous.focus();
        resolve();
      };
      form.addEventListener("submit", onSubmit);
    });
    dialog.hidden = false;
    $("relogin-username").focus();
    return relogin;
  }

  /** JSON request; throws Error(detail) on failure, with `status` and `body` attached. */
  async function api(method, path, body) {
    for (;;) {
      const response = await fetch(path, {
        method,
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRF-Token": csrfToken,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status === 401) {
        await signInAgain();
        continue; // the same request, now signed in
      }
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        const detail = typeof data.detail === "string" ? data.detail : null;
        const error = new Error(detail || `The server answered ${response.status}. Try again.`);
        error.status = response.status;
        error.body = data;
        throw error;
      }
      return data;
    }
  }

  window.CXStaff = { api };
})();
