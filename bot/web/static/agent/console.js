/* CX Navigator agent console: the page side of bot/web/agent.py.
 *
 * Everything shown is rebuilt from the state the server returns after each step
 * (transcript, script, checklist, case, wrap-ups), so a reload or a second screen
 * shows the same call. The call id sits in the address (?call=...), nothing else is
 * kept in the browser. A session that expires mid-call opens a sign-in dialog and the
 * interrupted request is sent again afterwards (staff/session.js): a note being
 * saved is never lost.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  let callId = new URLSearchParams(window.location.search).get("call");
  let noteEdited = false;
  let busy = false;
  const dispositionLabels = {};
  for (const option of $("disposition").options) {
    if (option.value) dispositionLabels[option.value] = option.textContent;
  }

  /* Requests */

  function showError(message) {
    $("console-error-text").textContent = message;
    $("console-error").hidden = false;
  }

  function clearError() {
    $("console-error").hidden = true;
  }

  const api = (...args) => window.CXStaff.api(...args);
  window.CXConsole = { api, redactedNote }; // queue.js

  async function step(work) {
    if (busy) return;
    busy = true;
    clearError();
    document.body.setAttribute("aria-busy", "true");
    try {
      await work();
    } catch (error) {
      showError(error.message);
    } finally {
      busy = false;
      document.body.removeAttribute("aria-busy");
    }
  }

  /* Rendering */

  function time(iso) {
    const node = document.createElement("time");
    node.dateTime = iso;
    node.textContent = new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return node;
  }

  function line(text) {
    const p = document.createElement("p");
    p.textContent = text;
    if (/^Read:/.test(text)) p.className = "cx-line--read";
    return p;
  }

  function renderScript(state) {
    const script = $("script");
    script.replaceChildren();
    if (!state.script.length) {
      script.append(line(state.transcript.length ? "Waiting for the caller." : "Ask the caller how you can help, then type what they say."));
    }
    for (const message of state.script) script.append(line(message.text));
    const answers = $("answers");
    answers.replaceChildren();
    const last = state.script.filter((m) => m.buttons.length).pop();
    for (const button of last ? last.buttons : []) {
      const node = document.createElement("button");
      node.type = "button";
      node.className = "usa-button usa-button--outline";
      node.textContent = button.title;
      node.dataset.payload = button.payload;
      node.addEventListener("click", () => say(button.payload));
      answers.append(node);
    }
  }

  /* A stored message that lost details to masking says so (bot/web/chat.py). */
  function redactedNote(message) {
    const note = document.createElement("span");
    note.className = "cx-redacted";
    note.textContent = message.note;
    return note;
  }

  function renderTranscript(state) {
    const list = $("transcript");
    list.replaceChildren();
    const entries = state.transcript.map((m) => ({ ...m, kind: m.sender }));
    for (const w of state.wrapups) entries.push({ kind: "wrapup", time: w.created_at, wrapup: w });
    entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    for (const entry of entries) {
      const item = document.createElement("li");
      const who = document.createElement("span");
      who.className = "cx-who";
      if (entry.kind === "wrapup") {
        item.className = "cx-wrapup-entry";
        who.textContent = `Wrap-up by ${entry.wrapup.agentName}:`;
        const label = dispositionLabels[entry.wrapup.disposition] || entry.wrapup.disposition;
        item.append(who, `${label}. ${entry.wrapup.note}`);
      } else {
        who.textContent = entry.kind === "user" ? "Caller:" : "Script:";
        item.append(who, entry.text);
        if (entry.redacted) item.append(redactedNote(entry));
      }
      item.append(time(entry.time));
      list.append(item);
    }
    list.scrollTop = list.scrollHeight;
  }

  /* The facts come in words from the server (bot/agent/console_words.py): no ids. */
  function renderFacts(state) {
    const facts = state.facts;
    $("fact-life-experience").textContent = facts.lifeExperience || "None yet";
    $("fact-lookup").textContent = facts.lookup ? `${facts.lookup}${facts.lookupOutcome ? ` (${facts.lookupOutcome})` : ""}` : "None";
    $("fact-verified").textContent = facts.verifiedFor.length ? facts.verifiedFor.join(", ") : "Nothing yet";
  }

  function renderVerification(state) {
    const panel = $("verify-panel");
    const checklist = state.verification;
    panel.hidden = !checklist;
    if (!checklist) return;
    const done = Boolean(checklist.done);
    $("verify-intro").textContent = `Before disclosing anything from ${checklist.agency}, confirm each item with the caller.`;
    const steps = $("verify-steps");
    const key = `${checklist.lookup}:${checklist.steps.length}`;
    if (steps.dataset.key !== key) {
      steps.dataset.key = key;
      steps.replaceChildren();
      checklist.steps.forEach((text, index) => {
        const box = document.createElement("div");
        box.className = "usa-checkbox";
        const input = document.createElement("input");
        input.className = "usa-checkbox__input";
        input.type = "checkbox";
        input.id = `verify-step-${index}`;
        input.addEventListener("change", updateVerifyButton);
        const label = document.createElement("label");
        label.className = "usa-checkbox__label";
        label.htmlFor = input.id;
        label.textContent = text;
        box.append(input, label);
        steps.append(box);
      });
    }
    for (const input of steps.querySelectorAll("input")) {
      if (done) input.checked = true;
      input.disabled = done;
    }
    $("verify-form").dataset.lookup = checklist.lookup;
    $("verify-complete").hidden = !done;
    $("verify-done").hidden = done;
    updateVerifyButton();
  }

  function updateVerifyButton() {
    const inputs = [...$("verify-steps").querySelectorAll("input")];
    $("verify-done").disabled = !inputs.length || inputs.some((i) => !i.checked || i.disabled);
  }

  function renderCase(state) {
    const panel = $("case-panel");
    const data = state.case;
    panel.hidden = !data;
    if (!data) return;
    const rows = [
      ["Agency", data.agency],
      ["Service", data.service],
      ["Status", data.status_text],
      ["Last changed", data.last_changed ? new Date(`${data.last_changed}T00:00:00`).toLocaleDateString([], { year: "numeric", month: "long", day: "numeric" }) : null],
      ...Object.entries(data.facts || {}),
      [data.items_heading, (data.items || []).join("; ") || null],
      ["What happens next", data.next],
      ["What the caller can do", data.action],
      ["Agency phone", data.phone],
      ["Web", data.url],
    ];
    const list = $("case");
    list.replaceChildren();
    for (const [term, value] of rows) {
      if (!value) continue;
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      if (term === "Web") {
        const link = document.createElement("a");
        link.href = value;
        link.textContent = value;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        dd.append(link);
      } else {
        dd.textContent = value;
      }
      list.append(dt, dd);
    }
  }

  function render(state) {
    callId = state.conversationId;
    const url = new URL(window.location.href);
    url.searchParams.set("call", callId);
    window.history.replaceState(null, "", url);
    const first = state.transcript[0];
    $("call-label").textContent = first ? `Call started at ${time(first.time).textContent}` : "New call";
    for (const id of ["said", "said-send", "disposition", "note", "draft-note", "save-wrapup"]) {
      $(id).disabled = false;
    }
    renderScript(state);
    renderTranscript(state);
    renderFacts(state);
    renderVerification(state);
    renderCase(state);
  }

  async function refreshNote(force) {
    if (!callId || (noteEdited && !force)) return;
    const data = await api("GET", `/api/agent/calls/${callId}/note`);
    $("note").value = data.note;
    noteEdited = false;
  }

  /* Actions */

  function say(text) {
    return step(async () => {
      render(await api("POST", `/api/agent/calls/${callId}/say`, { text }));
      await refreshNote(false);
      $("said").focus();
    });
  }

  $("start-call").addEventListener("click", () =>
    step(async () => {
      noteEdited = false;
      $("note").value = "";
      $("disposition").value = "";
      $("wrapup-status").textContent = "";
      $("verify-steps").dataset.key = "";
      render(await api("POST", "/api/agent/calls"));
      $("said").focus();
    }),
  );

  $("said-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("said").value.trim();
    if (!text) {
      showError("Type what the caller said first.");
      return;
    }
    $("said").value = "";
    say(text);
  });

  $("verify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const lookup = event.currentTarget.dataset.lookup;
    step(async () => {
      render(await api("POST", `/api/agent/calls/${callId}/verify`, { lookup }));
      await refreshNote(false);
    });
  });

  $("note").addEventListener("input", () => {
    noteEdited = true;
  });

  $("draft-note").addEventListener("click", () => step(() => refreshNote(true)));

  $("wrapup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const disposition = $("disposition").value;
    if (!disposition) {
      showError("Choose how the call ended before saving the wrap-up.");
      $("disposition").focus();
      return;
    }
    step(async () => {
      const state = await api("POST", `/api/agent/calls/${callId}/wrapup`, { disposition, note: $("note").value });
      render(state);
      noteEdited = true; // what was saved stays on screen
      const saved = state.wrapups[state.wrapups.length - 1];
      $("wrapup-status").textContent = `Wrap-up saved at ${new Date(saved.created_at).toLocaleTimeString()}.`;
    });
  });

  if (callId) {
    step(async () => {
      render(await api("GET", `/api/agent/calls/${encodeURIComponent(callId)}`));
      await refreshNote(false);
    });
  }
})();
