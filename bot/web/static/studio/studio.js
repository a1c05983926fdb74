/* CX Navigator content studio: the page side of bot/web/studio.py and studio_api.py.
 *
 * Each page's root element names its editor in data-page. Edits stay in the page until
 * "Save"; a save answered 409 (someone else saved first) shows their version and keeps
 * the editor's work, so nothing is overwritten silently or lost. Requests go through
 * staff/session.js (CSRF token, sign-in again on an expired session).
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const api = (...args) => window.CXStaff.api(...args);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function showError(message) {
    $("studio-error-text").textContent = message;
    $("studio-error").hidden = false;
    $("studio-error").scrollIntoView({ block: "nearest" });
  }

  function clearError() {
    $("studio-error").hidden = true;
  }

  async function step(work) {
    clearError();
    document.body.setAttribute("aria-busy", "true");
    try {
      return await work();
    } catch (error) {
      showError(error.message);
      return undefined;
    } finally {
      document.body.removeAttribute("aria-busy");
    }
  }

  function data(id) {
    return JSON.parse($(id).textContent);
  }

  function status(text) {
    const node = $("save-status");
    if (node) node.textContent = text;
  }

  function renderWarnings(warnings) {
    const box = $("warnings");
    if (!box) return;
    box.replaceChildren();
    for (const warning of warnings || []) {
      const item = el("div", { class: "usa-alert usa-alert--warning usa-alert--slim cx-warning" },
        el("div", { class: "usa-alert__body" }, el("p", { class: "usa-alert__text", text: warning.message })));
      if (warning.closest && warning.closest.length) {
        const list = el("ul", { class: "usa-list" });
        for (const near of warning.closest) {
          list.append(el("li", { text: `${near.intent}: “${near.text}” (similarity ${near.score})` }));
        }
        item.querySelector(".usa-alert__body").append(list);
      }
      box.append(item);
    }
  }

  /** A save with conflict handling: `save(revision)` returns the saved item. */
  function conflictAware(save, describe, takeTheirs) {
    return async function run(revision) {
      const panel = $("conflict");
      try {
        const result = await save(revision);
        panel.hidden = true;
        return result;
      } catch (error) {
        if (error.status !== 409) throw error;
        const current = error.body.current;
        $("conflict-text").textContent = error.message;
        $("conflict-theirs").replaceChildren(...describe(current).map((line) => el("li", { text: line })));
        panel.hidden = false;
        $("conflict-take").onclick = () => { panel.hidden = true; takeTheirs(current); status("Their version is loaded."); };
        $("conflict-mine").onclick = () => step(async () => { panel.hidden = true; await run(current.revision); });
        panel.scrollIntoView({ block: "nearest" });
        return undefined;
      }
    };
  }

  /* ---------------------------------------------------------------- intent editor */

  function initIntent(root) {
    const initial = data("intent-data");
    const editable = root.dataset.editable === "true";
    let intent = initial.intent;
    let examples = intent.examples.map((e) => ({ text: e.text, entities: e.entities.slice() }));
    let dirty = false;

    function markDirty() {
      dirty = true;
      status("Not saved yet.");
    }
    window.addEventListener("beforeunload", (event) => {
      if (dirty) event.preventDefault();
    });

    function textWithEntities(example) {
      const span = el("span", { class: "cx-example__text" });
      let at = 0;
      for (const entity of example.entities.slice().sort((a, b) => a.start - b.start)) {
        span.append(example.text.slice(at, entity.start));
        const label = entity.value && entity.value !== example.text.slice(entity.start, entity.end)
          ? `${entity.entity} = ${entity.value}` : entity.entity;
        span.append(el("mark", { class: "cx-entity", title: label, "data-entity": entity.entity },
          example.text.slice(entity.start, entity.end), el("span", { class: "cx-entity__label", text: ` (${label})` })));
        at = entity.end;
      }
      span.append(example.text.slice(at));
      return span;
    }

    function render() {
      const list = $("examples");
      list.replaceChildren();
      examples.forEach((example, index) => {
        const controls = editable ? el("span", { class: "cx-example__controls" },
          el("button", { type: "button", class: "usa-button usa-button--unstyled", text: "Edit", "aria-label": `Edit “${example.text}”`,
            onclick: (event) => editInPlace(event.target.closest("li"), example) }),
          el("button", { type: "button", class: "usa-button usa-button--unstyled", text: "Remove", "aria-label": `Remove “${example.text}”`,
            onclick: () => { examples.splice(index, 1); markDirty(); render(); } }),
          example.entities.length ? el("button", { type: "button", class: "usa-button usa-button--unstyled", text: "Clear tags",
            onclick: () => { example.entities = []; markDirty(); render(); } }) : null,
          moveControl(example, index)) : null;
        list.append(el("li", { class: "cx-example", "data-index": index }, textWithEntities(example), controls));
      });
      $("example-count").textContent = String(examples.length);
    }

    /** The example's words in a text field; changed words lose their tags (re-tag them). */
    function editInPlace(item, example) {
      const id = `edit-${item.dataset.index}`;
      const input = el("input", { class: "usa-input", id, value: example.text });
      const done = () => {
        const text = input.value.trim().replace(/\s+/g, " ");
        if (text && text !== example.text) {
          example.text = text;
          example.entities = [];
          markDirty();
        }
        render();
      };
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") { event.preventDefault(); done(); }
        if (event.key === "Escape") render();
      });
      item.replaceChildren(el("label", { class: "usa-sr-only", for: id, text: "Example" }), input,
        el("button", { type: "button", class: "usa-button usa-button--small", text: "Done", onclick: done }));
      input.focus();
    }

    function moveControl(example, index) {
      const id = `move-${index}`;
      const select = el("select", { class: "usa-select cx-move", id },
        el("option", { value: "", text: "Move to…" }), ...initial.others.map((name) => el("option", { text: name })));
      select.addEventListener("change", () => step(async () => {
        if (!select.value) return;
        if (dirty) throw new Error("Save your changes before moving an example.");
        const moved = await api("POST", `/studio/api/intents/${encodeURIComponent(intent.name)}/move`, { text: example.text, target: select.value });
        load(moved.source);
        status(`Moved to ${select.value}.`);
      }));
      return el("span", {}, el("label", { class: "usa-sr-only", for: id, text: `Move “${example.text}” to another intent` }), select);
    }

    function load(fresh) {
      intent = fresh;
      examples = fresh.examples.map((e) => ({ text: e.text, entities: e.entities.slice() }));
      dirty = false;
      render();
    }

    function offsetIn(container, node, offset) {
      const range = document.createRange();
      range.selectNodeContents(container);
      range.setEnd(node, offset);
      return range.toString().length;
    }

    $("tag-selection").addEventListener("click", () => step(async () => {
      const selection = window.getSelection();
      if (!selection.rangeCount || selection.isCollapsed) throw new Error("Select the words to tag in one example first.");
      const range = selection.getRangeAt(0);
      const item = range.startContainer.parentElement && range.startContainer.parentElement.closest(".cx-example");
      if (!item || !item.contains(range.endContainer)) throw new Error("Select words inside one example.");
      const textNode = item.querySelector(".cx-example__text");
      const example = examples[Number(item.dataset.index)];
      // Labels inside marks are not part of the example: tag untagged text only.
      if (example.entities.length) throw new Error("Clear this example's tags before tagging it again.");
      let start = offsetIn(textNode, range.startContainer, range.startOffset);
      let end = offsetIn(textNode, range.endContainer, range.endOffset);
      while (start < end && example.text[start] === " ") start += 1;
      while (end > start && example.text[end - 1] === " ") end -= 1;
      if (start >= end) throw new Error("Select at least one word.");
      example.entities.push({ start, end, entity: $("entity-type").value, value: example.text.slice(start, end) });
      selection.removeAllRanges();
      markDirty();
      render();
    }));

    let checkTimer = null;
    $("new-example").addEventListener("input", () => {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(checkNew, 400);
    });

    async function checkNew() {
      const text = $("new-example").value.trim();
      const box = $("example-check");
      box.replaceChildren();
      if (!text || !editable) return;
      const result = await api("POST", "/studio/api/check-example", { intent: intent.name, text }).catch(() => null);
      if (!result) return;
      if (result.duplicate) {
        box.append(el("p", { class: "usa-error-message", text: `Already an example of ${result.duplicate.intent}: “${result.duplicate.text}”.` }));
      } else if (result.similar.length) {
        box.append(el("p", { class: "cx-warn", text: "Very close to examples of other intents:" }),
          el("ul", {}, ...result.similar.map((s) => el("li", { text: `${s.intent}: “${s.text}” (${s.score})` }))));
      }
    }

    $("add-example").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("new-example");
      const text = input.value.trim().replace(/\s+/g, " ");
      if (!text) return;
      if (examples.some((e) => e.text.toLowerCase() === text.toLowerCase())) {
        showError(`“${text}” is already in this intent.`);
        return;
      }
      clearError();
      examples.push({ text, entities: [] });
      input.value = "";
      $("example-check").replaceChildren();
      markDirty();
      render();
      input.focus();
    });

    const save = conflictAware(
      async (revision) => {
        const saved = await api("PUT", `/studio/api/intents/${encodeURIComponent(intent.name)}`, { examples, revision });
        load(saved.item);
        renderWarnings(saved.warnings);
        status(`Saved (revision ${saved.item.revision}).`);
        return saved;
      },
      (current) => current.examples.map((e) => e.annotated),
      (current) => load(current),
    );
    $("save").addEventListener("click", () => step(() => save(intent.revision)));

    const remove = $("delete-intent");
    if (remove) {
      remove.addEventListener("click", () => step(async () => {
        if (!window.confirm(`Delete the intent ${intent.name} and its examples from the draft?`)) return;
        await api("DELETE", `/studio/api/intents/${encodeURIComponent(intent.name)}?revision=${intent.revision}`);
        dirty = false;
        window.location.assign("/studio/intents");
      }));
    }
    if (!editable) {
      for (const id of ["save", "tag-selection", "add-example-button", "new-example"]) $(id).disabled = true;
    }
    render();
  }

  /* ---------------------------------------------------------------- response editor */

  function initResponse(root) {
    const editable = root.dataset.editable === "true";
    let response = data("response-data");
    let variations = [];

    function load(fresh) {
      response = fresh;
      variations = fresh.variations.map((v) => ({ ...v, extra: { ...v.extra } }));
      render();
    }

    function render() {
      const box = $("variations");
      box.replaceChildren();
      const languages = [...new Set(variations.map((v) => v.language))];
      for (const language of languages) {
        const row = el("div", { class: "grid-row grid-gap cx-variation-row" });
        for (const audience of ["public", "agent_console"]) {
          const column = el("div", { class: "grid-col-12 tablet:grid-col-6" },
            el("h2", { class: "font-heading-sm", text: `${audience === "public" ? "Public wording" : "Agent script wording"}${languages.length > 1 ? ` (${language})` : ""}` }));
          variations.forEach((variation, index) => {
            if (variation.audience !== audience || variation.language !== language) return;
            const id = `variation-${index}`;
            const area = el("textarea", { class: "usa-textarea", id, rows: "5", "data-audience": audience });
            area.value = variation.text || "";
            area.disabled = !editable;
            area.addEventListener("input", () => { variation.text = area.value; status("Not saved yet."); });
            column.append(el("label", { class: "usa-label", for: id, text: audience === "public" ? "What people read" : "What the agent reads or does" }), area);
            const buttons = variation.extra.buttons || [];
            if (buttons.length) {
              column.append(el("p", { class: "cx-muted", text: `Buttons: ${buttons.map((b) => b.title).join(" · ")}` }));
            }
          });
          row.append(column);
        }
        box.append(row);
      }
      $("add-agent").hidden = !editable || variations.some((v) => v.audience === "agent_console");
    }

    $("add-agent").addEventListener("click", () => {
      const publicOne = variations.find((v) => v.audience === "public");
      variations.push({ audience: "agent_console", language: "en", text: "Read: ", extra: { ...(publicOne ? publicOne.extra : {}) } });
      render();
    });

    const save = conflictAware(
      async (revision) => {
        const saved = await api("PUT", `/studio/api/responses/${encodeURIComponent(response.name)}`, { variations, revision });
        load(saved.item);
        renderWarnings(saved.warnings);
        status(`Saved (revision ${saved.item.revision}).`);
        return saved;
      },
      (current) => current.variations.map((v) => `${v.audience}: ${v.text || ""}`),
      (current) => load(current),
    );
    $("save").addEventListener("click", () => step(() => save(response.revision)));
    $("save").disabled = !editable;
    load(response);
  }

  /* ---------------------------------------------------------------- catalog editor */

  function initCatalog(form) {
    const editable = form.dataset.editable === "true";
    const initial = data("catalog-data");
    const fields = initial.fields; // every field of the schema, in the seed's order
    const lists = new Set(["documents", "steps", "keywords", "questions"]);
    let entry = initial.entry;

    function field(key, value) {
      const id = `field-${key}`;
      let input;
      let kind;
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        input = el("textarea", { class: "usa-textarea", id, rows: String(Math.max(2, value.length + 1)) });
        input.value = value.join("\n");
        kind = "lines";
      } else if (typeof value === "string" || value === null) {
        input = (value || "").length > 90 ? el("textarea", { class: "usa-textarea", id, rows: "3" }) : el("input", { class: "usa-input", id });
        input.value = value || "";
        kind = "text";
      } else {
        input = el("textarea", { class: "usa-textarea cx-code", id, rows: "8" });
        input.value = JSON.stringify(value, null, 2);
        kind = "json";
      }
      input.dataset.key = key;
      input.dataset.kind = kind;
      input.disabled = !editable || (key === "id" && entry.key !== "");
      const hint = kind === "lines" ? "One per line." : kind === "json" ? "Structured value (JSON)." : "";
      return el("div", { class: "cx-field" }, el("label", { class: "usa-label", for: id, text: key.replace(/_/g, " ") }),
        hint ? el("span", { class: "usa-hint", text: hint }) : null, input);
    }

    function load(fresh) {
      entry = fresh;
      const keys = [...fields, ...Object.keys(entry.data).filter((k) => !fields.includes(k))];
      const blank = (k) => (lists.has(k) ? [] : "");
      $("catalog-fields").replaceChildren(...keys.map((k) => field(k, k in entry.data ? entry.data[k] : blank(k))));
    }

    function collect() {
      const values = {};
      for (const input of $("catalog-fields").querySelectorAll("[data-key]")) {
        const key = input.dataset.key;
        if (input.dataset.kind === "lines") {
          const lines = input.value.split("\n").map((s) => s.trim()).filter(Boolean);
          if (lines.length || key in entry.data) values[key] = lines; // no new empty lists
        } else if (input.dataset.kind === "json") {
          try { values[key] = JSON.parse(input.value); } catch (error) { throw new Error(`${key}: not valid JSON (${error.message}).`); }
        } else if (input.value.trim() || key === "id") values[key] = input.value.trim();
      }
      return values;
    }

    const save = conflictAware(
      async (revision) => {
        const saved = await api("PUT", `/studio/api/catalog/${entry.kind}/${encodeURIComponent(entry.key)}`, { data: collect(), revision });
        load(saved.item);
        status(`Saved (revision ${saved.item.revision}).`);
        return saved;
      },
      (current) => Object.entries(current.data).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`),
      (current) => load(current),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (entry.key === "") {
        step(async () => {
          const created = await api("POST", `/studio/api/catalog/${entry.kind}`, { data: collect() });
          window.location.assign(`/studio/catalog/${created.item.kind}/${encodeURIComponent(created.item.key)}`);
        });
        return;
      }
      step(() => save(entry.revision));
    });
    $("save").disabled = !editable;
    load(entry);
  }

  /* ---------------------------------------------------------------- training runs */

  function renderJob(job) {
    const panel = $("job-panel");
    if (!panel) return;
    panel.hidden = false;
    panel.dataset.job = job.id;
    panel.dataset.state = job.state;
    $("job-id").textContent = job.id;
    $("job-purpose").textContent = job.purpose;
    $("job-progress").value = job.progress;
    $("job-stage").textContent = job.state === "failed" ? "Stopped." : `${job.progress}%: ${job.stage}`;
    $("job-error").hidden = !job.error;
    $("job-error").textContent = job.error || "";
    const result = $("job-result");
    result.replaceChildren();
    const before = ((job.result || {}).before || {}).nlu || {};
    const after = ((job.result || {}).after || {}).nlu || {};
    if (after.macro_f1 !== undefined) {
      const f = (x) => (typeof x === "number" ? x.toFixed(3) : "–");
      result.append(el("table", { class: "usa-table usa-table--compact", id: "job-metrics" },
        el("caption", { text: "Tests of the new model against the live one" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Measure" }), el("th", { scope: "col", text: "Live" }), el("th", { scope: "col", text: "New" }))),
        el("tbody", {},
          el("tr", {}, el("th", { scope: "row", text: "Intent F1 (macro)" }), el("td", { text: f(before.macro_f1) }), el("td", { text: f(after.macro_f1) })),
          el("tr", {}, el("th", { scope: "row", text: "Intent accuracy" }), el("td", { text: f(before.accuracy) }), el("td", { text: f(after.accuracy) })))));
    }
  }

  async function followJob(jobId, onDone) {
    for (;;) {
      const job = await api("GET", `/studio/api/jobs/${jobId}`);
      renderJob(job);
      if (job.state === "done" || job.state === "failed") {
        if (onDone) onDone(job);
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }

  function resumeJob(onDone) {
    const panel = $("job-panel");
    if (panel && panel.dataset.job && (panel.dataset.state === "queued" || panel.dataset.state === "running")) {
      step(() => followJob(panel.dataset.job, onDone));
    }
  }

  /* ---------------------------------------------------------------- review, versions */

  function initReview() {
    const comment = () => $("review-comment").value;
    const reviewStatus = (text) => { $("review-status").textContent = text; };
    const done = (job) => reviewStatus(job.state === "done"
      ? "Published: the assistant now answers with this version."
      : "Not published: the live version is unchanged. The reason is shown above.");
    const submit = $("submit-review");
    if (submit) submit.addEventListener("click", () => step(async () => {
      await api("POST", "/studio/api/review/submit", { comment: comment() });
      window.location.reload();
    }));
    const approve = $("approve");
    if (approve) approve.addEventListener("click", () => step(async () => {
      const started = await api("POST", "/studio/api/review/approve", { comment: comment() });
      approve.disabled = true;
      reviewStatus("Approved. Training and testing the new version…");
      await followJob(started.job, done);
    }));
    const back = $("send-back");
    if (back) back.addEventListener("click", () => step(async () => {
      await api("POST", "/studio/api/review/send-back", { comment: comment() });
      window.location.reload();
    }));
    resumeJob(done);
  }

  function initVersions() {
    for (const button of document.querySelectorAll(".cx-rollback")) {
      button.addEventListener("click", () => step(async () => {
        const release = button.dataset.release;
        if (!window.confirm(`Load version ${release} into the live assistant?`)) return;
        const started = await api("POST", `/studio/api/releases/${release}/rollback`);
        await followJob(started.job, (job) => { if (job.state === "done") window.location.reload(); });
      }));
    }
    resumeJob();
  }

  /* ---------------------------------------------------------------- try it */

  function initTry() {
    let conversation = "";
    const transcript = $("try-transcript");
    const say = (who, text, extra) => transcript.append(el("li", { class: `cx-turn cx-turn--${who}` },
      el("span", { class: "usa-sr-only", text: who === "user" ? "You: " : "Assistant: " }), text, extra || null));
    $("train-draft").addEventListener("click", () => step(async () => {
      const started = await api("POST", "/studio/api/preview");
      $("train-draft").disabled = true;
      await followJob(started.job, (job) => {
        $("train-draft").disabled = false;
        $("preview-model").textContent = job.state === "done" ? "Draft model trained: try it below." : `The draft training failed: ${job.error}`;
      });
    }));
    $("try-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("try-message");
      const text = input.value.trim();
      if (!text) return;
      step(async () => {
        const audience = document.querySelector('input[name="audience"]:checked').value;
        const answer = await api("POST", "/studio/api/try", { text, conversation, audience });
        conversation = answer.conversation;
        input.value = "";
        say("user", text);
        for (const message of answer.messages) {
          const buttons = (message.buttons || []).map((b) => b.title).join(" · ");
          say("bot", message.text || "", buttons ? el("span", { class: "cx-muted", text: ` [${buttons}]` }) : null);
        }
      });
    });
    $("try-restart").addEventListener("click", () => {
      conversation = "";
      transcript.replaceChildren();
    });
    resumeJob();
  }

  /* ---------------------------------------------------------------- inbox, intents, accounts */

  function initInbox() {
    for (const group of document.querySelectorAll(".cx-inbox__group")) {
      const keys = group.dataset.keys.split(",").filter(Boolean);
      const say = (text) => { group.querySelector(".cx-inbox__status").textContent = text; };
      const assign = group.querySelector(".cx-assign");
      if (!assign) continue;
      assign.addEventListener("click", () => step(async () => {
        const intent = group.querySelector(".cx-assign-intent").value;
        if (!intent) throw new Error("Choose the intent the message should have matched.");
        const saved = await api("POST", "/studio/api/inbox/assign", { keys, text: assign.dataset.text, intent });
        say(`Added to ${intent} in the draft.${saved.warnings.length ? " " + saved.warnings[0].message : ""}`);
        for (const button of group.querySelectorAll("button, select")) button.disabled = true;
      }));
      group.querySelector(".cx-dismiss").addEventListener("click", () => step(async () => {
        await api("POST", "/studio/api/inbox/dismiss", { keys });
        say("Dismissed.");
        for (const button of group.querySelectorAll("button, select")) button.disabled = true;
      }));
    }
  }

  function initNewIntent(form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      step(async () => {
        const created = await api("POST", "/studio/api/intents", { name: $("new-intent-name").value.trim(), domain_file: $("new-intent-file").value });
        window.location.assign(`/studio/intents/${encodeURIComponent(created.name)}`);
      });
    });
  }

  function initAccounts() {
    for (const row of document.querySelectorAll("#account-list tr[data-username]")) {
      const username = row.dataset.username;
      const say = (text) => { row.querySelector(".cx-account-status").textContent = text; };
      const saveRoles = row.querySelector(".cx-save-roles");
      if (saveRoles) saveRoles.addEventListener("click", () => step(async () => {
        const roles = [...row.querySelectorAll("input[type=checkbox]:checked")].map((c) => c.value);
        const saved = await api("PUT", `/studio/api/accounts/${encodeURIComponent(username)}/roles`, { roles });
        say(` Roles saved: ${saved.roles.join(", ")}.`);
      }));
      const disable = row.querySelector(".cx-disable");
      if (disable) disable.addEventListener("click", () => step(async () => {
        if (!window.confirm(`Disable ${username}? They can no longer sign in.`)) return;
        await api("POST", `/studio/api/accounts/${encodeURIComponent(username)}/disable`);
        window.location.reload();
      }));
    }
    $("new-account").addEventListener("submit", (event) => {
      event.preventDefault();
      step(async () => {
        const roles = [...document.querySelectorAll('#new-account input[name="roles"]:checked')].map((c) => c.value);
        const created = await api("POST", "/studio/api/accounts", {
          username: $("acc-username").value, display_name: $("acc-name").value, password: $("acc-password").value, roles,
        });
        $("acc-password").value = "";
        $("account-status").textContent = `Created ${created.username} (${created.roles.join(", ")}).`;
      });
    });
  }

  const pages = {
    intent: initIntent,
    response: initResponse,
    catalog: initCatalog,
    review: initReview,
    versions: initVersions,
    try: initTry,
    inbox: initInbox,
    accounts: initAccounts,
  };
  for (const root of document.querySelectorAll("[data-page]")) pages[root.dataset.page](root);
  const newIntent = $("new-intent");
  if (newIntent) initNewIntent(newIntent);
  if (!document.querySelector("[data-page]")) resumeJob(); // the overview's run panel
})();
