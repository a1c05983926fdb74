/*
 * CX Navigator chat widget. One script tag on any page, no framework:
 *
 *   <script src="https://YOUR-CX-NAVIGATOR/static/widget/cx-navigator.js" defer></script>
 *
 * Optional, before it: window.CXNavigatorConfig = { lang: "en", title: "...", server: "..." }.
 * Everything the bot or a person writes is rendered as text (never as HTML). The
 * conversation id lives in sessionStorage for this tab only; history is read back from
 * the server, so nothing personal is stored in the browser.
 *
 * Warm handoff: when the assistant puts the person in line for an agent (custom JSON
 * cx_event "handoff_waiting"), the widget shows the place and polls
 * /api/chat/handoff/{id} until an agent takes the chat, offering the agency's number
 * once the wait is long. An agent's arrival and departure come as "agent_joined" and
 * "agent_left"; in between, every message is the agent's and carries their name.
 *
 * A new, empty chat opens with a greeting and the catalog's first life experiences as
 * buttons (/api/chat/starters). "End chat" asks to confirm; when the chat ends, the
 * assistant's messages stay on screen (the person's own are never kept) and can be
 * downloaded as a text file or printed, until the person starts a new chat.
 */
(function () {
  "use strict";
  if (window.CXNavigator) { return; }

  var script = document.currentScript;
  var options = window.CXNavigatorConfig || {};
  var ORIGIN = options.server || new URL(script ? script.src : "/", location.href).origin;
  var LANG = options.lang || document.documentElement.lang || "en";
  var SESSION_KEY = "cxnavigator.session";
  var OPEN_KEY = "cxnavigator.open";

  // Every string the widget itself shows, in one place, ready for translation.
  var STRINGS = {
    en: {
      launcher: "Chat with CX Navigator",
      title: "CX Navigator",
      close: "Close chat",
      notice: "Don't share your full Social Security number or other private details here. " +
        "This is a virtual assistant; it can point you to services and check a status.",
      log: "Conversation",
      inputLabel: "Type your message",
      hint: "Up to {max} characters. Press Enter to send, Shift+Enter for a new line.",
      send: "Send",
      startOver: "Start over",
      person: "Talk to a person",
      endChat: "End chat",
      you: "You said",
      bot: "CX Navigator said",
      choices: "Choices",
      typing: "CX Navigator is typing",
      newTab: "(opens in a new tab)",
      call: "Call",
      tooLong: "Your message is {count} characters long. Please keep it to {max} or fewer.",
      empty: "Please type a message first.",
      offline: "We can't reach the assistant right now. We'll keep trying.",
      notSent: "Your message was not sent. It is still in the box, and we will send it when the connection is back.",
      back: "You're connected again.",
      ended: "Chat ended. You can keep the assistant's answers, or start a new chat at any time.",
      welcome: "Hi! I can point you to federal services for big moments in life. Pick one to start, or tell me what's going on in your own words.",
      confirmEnd: "End this chat? You can keep the assistant's answers afterwards.",
      confirmYes: "Yes, end the chat",
      confirmNo: "Keep chatting",
      keep: "Keep the answers",
      download: "Download the answers",
      print: "Print the answers",
      newChat: "Start a new chat",
      fileTitle: "Your chat with {title}, {date}",
      fileNote: "The assistant's answers only; what you typed is not included.",
      fileName: "cx-navigator-answers.txt",
      historyError: "We couldn't load your earlier messages.",
      refused: "Your message could not be sent. Please try again.",
      inLine: "You're number {place} in line for a person.",
      callback: "No one is free yet. You can keep waiting, or call {agency} at {phone}{hours}.",
      agentSaid: "{name} said",
      joined: "{name} joined the chat.",
      handedBack: "{name} left the chat. The virtual assistant will answer your next message.",
      agentEnded: "{name} ended the chat with you. If you write again, the virtual assistant will answer."
    }
  };
  var T = STRINGS[LANG] || STRINGS.en;
  if (options.title) { T.title = options.title; }

  var URL_OR_PHONE = /(https:\/\/[^\s<>"]+[^\s<>".,;:!?)])|(\b1-\d{3}-\d{3}-\d{4}\b|\b\d{3}-\d{3}-\d{4}\b)/g;

  var state = {
    config: null,
    socket: null,
    connected: false,
    sessionId: sessionStorage.getItem(SESSION_KEY),
    pending: null,
    typingTimer: null,
    started: false,
    offlineShown: false,
    lastSent: null,  // the last message sent in real time, until answered or refused
    ending: false,  // "End chat" was pressed; the survey may come before the end
    waiting: false,  // in line for an agent
    pollTimer: null,
    callbackShown: false,
    agent: null,  // the name of the agent who has the chat, while they have it
    ended: false  // the chat ended and its answers are still shown, until a new chat
  };
  var HANDOFF_POLL_MS = 4000;
  var SKIP_SURVEY = "/survey_skip";  // the payload of "Skip survey" (bot/domain/survey.yml)

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attributes[name]; }
      else { node.setAttribute(name, attributes[name]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function bubbleIcon() {
    // Drawn, not an emoji: host machines without an emoji font would show a box.
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "cxn-launcher__icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  // ---- the widget's DOM -------------------------------------------------------------
  var stylesheet = el("link", { rel: "stylesheet", href: ORIGIN + "/static/widget/cx-navigator.css" });
  document.head.appendChild(stylesheet);

  var root = el("div", { "class": "cxn", lang: LANG });
  var launcher = el("button", {
    type: "button", "class": "cxn-launcher", "aria-expanded": "false", "aria-controls": "cxn-panel"
  }, [bubbleIcon(), el("span", { text: T.launcher })]);
  var title = el("h2", { id: "cxn-title", "class": "cxn-title", text: T.title });
  var closeButton = el("button", { type: "button", "class": "cxn-close", "aria-label": T.close },
    [el("span", { "aria-hidden": "true", text: "\u00D7" })]);
  var notice = el("p", { id: "cxn-notice", "class": "cxn-notice", text: T.notice });
  var status = el("p", { "class": "cxn-status", role: "status" });
  var log = el("div", { "class": "cxn-log", role: "log", "aria-label": T.log, tabindex: "0" });
  var typing = el("p", { "class": "cxn-typing", hidden: "" }, [
    el("span", { "class": "cxn-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", { "class": "cxn-sr", text: T.typing })
  ]);
  var input = el("textarea", {
    id: "cxn-input", "class": "cxn-input", rows: "2", "aria-describedby": "cxn-hint cxn-error"
  });
  var hint = el("p", { id: "cxn-hint", "class": "cxn-hint" });
  var error = el("p", { id: "cxn-error", "class": "cxn-error", role: "alert" });
  var sendButton = el("button", { type: "submit", "class": "cxn-send", text: T.send });
  var form = el("form", { "class": "cxn-form", novalidate: "" }, [
    el("label", { "for": "cxn-input", "class": "cxn-label", text: T.inputLabel }),
    input, hint, error, sendButton
  ]);
  var endButton = el("button", { type: "button", "class": "cxn-action", "data-action": "end", text: T.endChat });
  var actions = el("div", { "class": "cxn-actions" }, [
    el("button", { type: "button", "class": "cxn-action", "data-action": "start-over", text: T.startOver }),
    el("button", { type: "button", "class": "cxn-action", "data-action": "person", text: T.person }),
    endButton
  ]);
  var confirmYes = el("button", { type: "button", "class": "cxn-action cxn-action--primary", text: T.confirmYes });
  var confirmNo = el("button", { type: "button", "class": "cxn-action", text: T.confirmNo });
  var confirmBox = el("div", {
    "class": "cxn-confirm", role: "group", "aria-labelledby": "cxn-confirm-question", hidden: ""
  }, [el("p", { id: "cxn-confirm-question", "class": "cxn-confirm__question", text: T.confirmEnd }),
    el("div", { "class": "cxn-confirm__buttons" }, [confirmYes, confirmNo])]);
  var downloadButton = el("button", { type: "button", "class": "cxn-action", text: T.download });
  var printButton = el("button", { type: "button", "class": "cxn-action", text: T.print });
  var newChatButton = el("button", { type: "button", "class": "cxn-action", text: T.newChat });
  var keepBox = el("div", { "class": "cxn-keep", role: "group", "aria-label": T.keep, hidden: "" },
    [downloadButton, printButton, newChatButton]);
  var panel = el("section", {
    id: "cxn-panel", "class": "cxn-panel", role: "dialog", "aria-labelledby": "cxn-title",
    "aria-describedby": "cxn-notice", hidden: ""
  }, [el("div", { "class": "cxn-header" }, [title, closeButton]), notice, status, log, typing, form,
    actions, confirmBox, keepBox]);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ---- rendering ---------------------------------------------------------------------
  function appendRich(parent, text) {
    // Text stays text: links and phone numbers become <a> elements, nothing is parsed as HTML.
    var last = 0;
    text.replace(URL_OR_PHONE, function (match, url, phone, offset) {
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var link;
      if (url) {
        link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url });
        link.appendChild(el("span", { "class": "cxn-sr", text: " " + T.newTab }));
      } else {
        link = el("a", {
          href: "tel:+1" + phone.replace(/^1-/, "").replace(/-/g, ""), "class": "cxn-tel", text: phone
        });
      }
      parent.appendChild(link);
      last = offset + match.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function clock(date) {
    return date.toLocaleTimeString(LANG, { hour: "numeric", minute: "2-digit" });
  }

  function answered() {
    // The person moved on (typed or clicked): earlier turns' buttons no longer apply.
    Array.prototype.forEach.call(log.querySelectorAll(".cxn-choice"), function (b) { b.disabled = true; });
  }

  function choices(buttons) {
    var group = el("div", { "class": "cxn-choices", role: "group", "aria-label": T.choices });
    buttons.forEach(function (choice) {
      // Skipping the survey is a way out, not an answer: it must not look like one.
      var skip = choice.payload === SKIP_SURVEY;
      var button = el("button", {
        type: "button", "class": "cxn-choice" + (skip ? " cxn-choice--skip" : ""), text: choice.title
      });
      button.addEventListener("click", function () {
        if (send(choice.payload, choice.title)) {
          answered();
          input.focus();  // the clicked button is now disabled: keep focus in the chat
        }
      });
      group.appendChild(button);
    });
    return group;
  }

  function render(sender, text, buttons, when, agent) {
    if (sender === "user") { answered(); }
    var time = when ? new Date(when) : new Date();
    var item = el("div", { "class": "cxn-msg cxn-msg--" + sender + (agent ? " cxn-msg--agent" : "") });
    var body = el("p", { "class": "cxn-text" });
    var said = sender === "user" ? T.you : agent ? fill(T.agentSaid, { name: agent }) : T.bot;
    if (agent) { item.appendChild(el("p", { "class": "cxn-who", "aria-hidden": "true", text: agent })); }
    body.appendChild(el("span", { "class": "cxn-sr", text: said + ": " }));
    appendRich(body, text || "");
    item.appendChild(body);
    item.appendChild(el("p", { "class": "cxn-meta" }, [
      el("time", { datetime: time.toISOString(), text: clock(time) })
    ]));
    if (buttons && buttons.length) { item.appendChild(choices(buttons)); }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function note(text) {
    // A line in the log about the chat itself (an agent joined, a callback number).
    var item = el("p", { "class": "cxn-note" });
    appendRich(item, text);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function greet() {
    // An empty chat opens with a welcome and the catalog's first life experiences.
    if (log.firstChild || state.ended) { return; }
    fetch(ORIGIN + "/api/chat/starters")
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (starters) {
        if (log.firstChild || state.ended) { return; }  // the person was quicker
        var text = el("p", { "class": "cxn-text" }, [el("span", { "class": "cxn-sr", text: T.bot + ": " })]);
        text.appendChild(document.createTextNode(T.welcome));
        var item = el("div", { "class": "cxn-welcome" }, [text]);
        if (starters.buttons.length) { item.appendChild(choices(starters.buttons)); }
        log.appendChild(item);
      })
      .catch(function () { /* without starters the box still works: the person types */ });
  }

  function clearLog() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
  }

  function newChat(focus) {
    // Leaves the kept answers of an ended chat for a fresh one.
    state.ended = false;
    keepBox.hidden = true;
    clearLog();
    setStatus("");
    if (focus) { greet(); input.focus(); }
  }

  function answersText() {
    // The assistant's messages only: they are masked by the server; what the person
    // typed (maybe a name or a case number) is never written to the file.
    var lines = [fill(T.fileTitle, { title: T.title, date: new Date().toLocaleString(LANG) }), T.fileNote, ""];
    Array.prototype.forEach.call(log.querySelectorAll(".cxn-msg--bot:not(.cxn-msg--agent) .cxn-text"), function (body) {
      var copy = body.cloneNode(true);
      Array.prototype.forEach.call(copy.querySelectorAll(".cxn-sr"), function (s) { s.remove(); });
      lines.push(copy.textContent.trim(), "");
    });
    return lines.join("\r\n");
  }

  function downloadAnswers() {
    var blob = new Blob([answersText()], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = el("a", { href: url, download: T.fileName, hidden: "" });
    root.appendChild(link);
    link.click();
    root.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function printAnswers() {
    // Only the chat's answers are printed (cx-navigator.css, @media print).
    document.documentElement.classList.add("cxn-printing");
    window.addEventListener("afterprint", function done() {
      document.documentElement.classList.remove("cxn-printing");
      window.removeEventListener("afterprint", done);
    });
    window.print();
  }

  function setStatus(text) { status.textContent = text || ""; }
  function setError(text) {
    error.textContent = text || "";
    if (text) { input.setAttribute("aria-invalid", "true"); }
    else { input.removeAttribute("aria-invalid"); }
  }

  function showTyping() {
    if (state.agent) { return; }  // a person answers when they can; no bot is typing
    typing.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, 30000);
  }
  function hideTyping() { typing.hidden = true; clearTimeout(state.typingTimer); }
  function botReplied() {
    // Rasa sends no "done" signal: hide the indicator once replies stop arriving.
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, 700);
  }

  // ---- talking to the assistant ------------------------------------------------------
  function newSessionId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function remember(id) {
    state.sessionId = id;
    sessionStorage.setItem(SESSION_KEY, id);
  }

  function botMessage(message) {
    botReplied();
    state.lastSent = null;
    var custom = message.custom || {};
    if (custom.cx_event === "chat_ended") { return finishEnd(); }
    if (custom.cx_event === "handoff_waiting") { return startWaiting(custom.place); }
    if (custom.cx_event === "agent_joined") { return agentJoined(custom.agent); }
    if (custom.cx_event === "agent_left") { return agentLeft(custom.agent, custom.closed); }
    if (!message.text) { return; }
    render("bot", message.text, message.quick_replies || message.buttons || [], null, state.agent);
  }

  // ---- waiting for a person, and talking to one ---------------------------------------
  function handoffUrl(suffix) {
    return ORIGIN + "/api/chat/handoff/" + encodeURIComponent(state.sessionId) + (suffix || "");
  }

  function startWaiting(place) {
    if (state.agent) { return; }
    state.waiting = true;
    if (place) { setStatus(fill(T.inLine, { place: place })); }
    if (!state.pollTimer) { state.pollTimer = setTimeout(pollHandoff, HANDOFF_POLL_MS); }
  }

  function stopWaiting() {
    state.waiting = false;
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function pollHandoff() {
    state.pollTimer = null;
    if (!state.waiting || !state.sessionId) { return; }
    fetch(handoffUrl())
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(handoffStatus)
      .catch(function () { /* a missed poll is retried */ })
      .then(function () {
        if (state.waiting && !state.pollTimer) {
          state.pollTimer = setTimeout(pollHandoff, HANDOFF_POLL_MS);
        }
      });
  }

  function handoffStatus(current) {
    if (current.state === "claimed") { return agentJoined(current.agent); }
    if (current.state !== "waiting") { stopWaiting(); setStatus(""); return; }
    var line = fill(T.inLine, { place: current.place });
    if (status.textContent !== line) { setStatus(line); }  // announced only when it moves
    if (current.overdue && current.callback && !state.callbackShown) {
      state.callbackShown = true;
      var hours = current.callback.hours ? " (" + current.callback.hours + ")" : "";
      note(fill(T.callback, { agency: current.callback.agency, phone: current.callback.phone, hours: hours }));
    }
  }

  function agentJoined(name) {
    stopWaiting();
    if (state.agent === name) { return; }
    state.agent = name || T.title;
    hideTyping();
    setStatus("");
    note(fill(T.joined, { name: state.agent }));
  }

  function agentLeft(name, closed) {
    stopWaiting();
    note(fill(closed ? T.agentEnded : T.handedBack, { name: name || state.agent || T.title }));
    state.agent = null;
  }

  function leaveLine() {
    // Out of the line: nobody should take a chat the person has left.
    if (state.waiting && state.sessionId) {
      fetch(handoffUrl("/leave"), { method: "POST" }).catch(function () { /* it lapses */ });
    }
    stopWaiting();
  }

  function resumeHandoff() {
    // After a reload: still in line, or still with an agent?
    if (!state.sessionId) { return Promise.resolve(); }
    return fetch(handoffUrl())
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (current) {
        if (!current) { return; }
        if (current.state === "claimed") { state.agent = current.agent; }
        if (current.state === "waiting") { startWaiting(current.place); handoffStatus(current); }
      })
      .catch(function () { /* the next message still works */ });
  }

  function send(text, shown) {
    setError("");
    if (!text || !text.trim()) { setError(T.empty); return false; }
    var max = state.config ? state.config.maxMessageChars : 500;
    if (text.length > max) { setError(fill(T.tooLong, { count: text.length, max: max })); return false; }
    if (state.ended) { newChat(false); }
    if (!state.sessionId) { remember(newSessionId()); }
    var payload = { message: text, session_id: state.sessionId, metadata: { language: LANG } };
    if (state.connected) {
      render("user", shown || text);
      state.lastSent = { text: text, shown: shown };
      state.socket.emit("user_uttered", payload);
      showTyping();
      return true;
    }
    sendByRest(text, shown);
    return true;
  }

  function sendByRest(text, shown) {
    // The REST webhook when the real-time channel is down; kept text on failure.
    if (!state.config) { return queue(text, shown); }
    showTyping();
    fetch(state.config.restUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sessionId, message: text, metadata: { language: LANG } })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (replies) {
      render("user", shown || text);
      if (input.value === text) { input.value = ""; }
      state.pending = null;
      replies.forEach(botMessage);
      if (!replies.length) { hideTyping(); }
    }).catch(function () { queue(text, shown); });
  }

  function queue(text, shown) {
    hideTyping();
    state.pending = { text: text, shown: shown };
    if (!shown) { input.value = text; }
    setError(T.notSent);
    offline();
  }

  function flushPending() {
    if (!state.pending) { return; }
    var pending = state.pending;
    state.pending = null;
    setError("");
    if (!pending.shown && input.value === pending.text) { input.value = ""; }
    send(pending.text, pending.shown);
  }

  function offline() {
    state.connected = false;
    root.removeAttribute("data-connected");  // what tests and embedding pages can wait for
    if (!state.offlineShown) { setStatus(T.offline); state.offlineShown = true; }
  }

  function online() {
    state.connected = true;
    root.setAttribute("data-connected", "");
    if (state.offlineShown) { setStatus(T.back); state.offlineShown = false; }
    flushPending();
  }

  function connect() {
    if (state.socket || typeof window.io !== "function" || !state.config) { return; }
    var socket = window.io(state.config.socketUrl, {
      path: state.config.socketPath,
      transports: ["websocket", "polling"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000
    });
    state.socket = socket;
    socket.on("connect", function () {
      if (!state.sessionId) { remember(newSessionId()); }
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (id) {
      remember(typeof id === "string" ? id : (id && id.session_id) || state.sessionId);
      online();
    });
    socket.on("bot_uttered", botMessage);
    socket.on("cx_error", function (problem) {
      // The server refused the last message (it checks length too): say why, keep the text.
      hideTyping();
      // The server's message says why in the person's words (slow down, outage, ...).
      var max = (problem && problem.max) || state.config.maxMessageChars;
      setError(problem && problem.reason === "too_long"
        ? fill(T.tooLong, { count: problem.count, max: max })
        : (problem && problem.message) || T.refused);
      var last = state.lastSent;
      if (last && !last.shown && !input.value) { input.value = last.text; }  // nothing is lost
      state.lastSent = null;
    });
    socket.on("disconnect", offline);
    socket.on("connect_error", offline);
  }

  function restoreHistory() {
    if (!state.sessionId) { return Promise.resolve(); }
    log.setAttribute("aria-busy", "true");  // restored messages are not announced again
    return fetch(ORIGIN + "/api/chat/history/" + encodeURIComponent(state.sessionId))
      .then(function (response) {
        if (response.status === 404) { return { messages: [] }; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (history) {
        history.messages.forEach(function (m) { render(m.sender, m.text, [], m.time, m.agent); });
        var last = history.messages[history.messages.length - 1];
        if (last && last.sender === "bot" && last.buttons.length) {
          log.removeChild(log.lastChild);
          render("bot", last.text, last.buttons, last.time);
        }
      })
      .catch(function () { setStatus(T.historyError); })
      .then(function () { log.removeAttribute("aria-busy"); });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (typeof window.io === "function") { return resolve(); }
      var tag = el("script", { src: src });
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function start() {
    if (state.started) { return; }
    state.started = true;
    fetch(ORIGIN + "/api/chat/config")
      .then(function (response) { return response.json(); })
      .then(function (config) {
        state.config = config;
        hint.textContent = fill(T.hint, { max: config.maxMessageChars });
        return Promise.all([
          restoreHistory().then(resumeHandoff).then(greet),
          loadScript(ORIGIN + "/assets/socket.io/socket.io.min.js")
        ]);
      })
      .then(connect)
      .catch(offline);
  }

  // ---- opening, closing, keys --------------------------------------------------------
  function open(keepFocus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("cxn--open");
    sessionStorage.setItem(OPEN_KEY, "1");
    start();
    if (!keepFocus) { input.focus(); }
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("cxn--open");
    sessionStorage.removeItem(OPEN_KEY);
    launcher.focus();
  }

  function askToEnd() {
    // Ending loses the conversation: ask first, with focus on the answer.
    confirmBox.hidden = false;
    confirmYes.focus();
  }

  function cancelEnd() {
    confirmBox.hidden = true;
    endButton.focus();
  }

  function endChat() {
    confirmBox.hidden = true;
    // The assistant offers its short survey first (once per conversation), then says
    // the chat has ended; a second click, or no connection, ends it at once.
    var talked = log.querySelector(".cxn-msg--user");
    leaveLine();
    if (state.agent && state.connected) {
      // The assistant is paused while an agent has the chat: tell the agent, and end.
      send("/end_chat", T.endChat);
      return finishEnd();
    }
    if (state.ending || !talked || !state.connected) { return finishEnd(); }
    state.ending = true;
    if (!send("/end_chat", T.endChat)) { finishEnd(); }
  }

  function finishEnd() {
    var ended = state.sessionId;
    leaveLine();
    state.agent = null;
    state.callbackShown = false;
    state.ending = false;
    sessionStorage.removeItem(SESSION_KEY);
    state.sessionId = null;
    state.pending = null;
    if (state.socket) {
      // Its "disconnect" must not announce an outage: this end was asked for.
      state.socket.off();
      state.socket.disconnect();
      state.socket = null;
    }
    state.connected = false;
    state.offlineShown = false;
    state.started = false;
    answered();
    state.ended = log.querySelector(".cxn-msg--bot") !== null;
    if (state.ended) { keepBox.hidden = false; } else { clearLog(); }
    setError("");
    setStatus(T.ended);
    // Host pages can react to the end of a chat (analytics, a follow-up link).
    window.dispatchEvent(new CustomEvent("cxnavigator:chat-ended", { detail: { sessionId: ended } }));
    start();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) { open(false); } else { close(); } });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    event.preventDefault();
    if (!confirmBox.hidden) { cancelEnd(); } else { close(); }
  });
  confirmYes.addEventListener("click", function () { endChat(); input.focus(); });
  confirmNo.addEventListener("click", cancelEnd);
  downloadButton.addEventListener("click", downloadAnswers);
  printButton.addEventListener("click", printAnswers);
  newChatButton.addEventListener("click", function () { newChat(true); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (send(text)) {
      if (state.connected) { input.value = ""; }
      input.focus();
    }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  actions.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-action");
    if (action === "start-over") { send("/start_over", T.startOver); }
    if (action === "person") { send("/human_handoff", T.person); }
    if (action === "end") { askToEnd(); }
  });

  function mount() {
    document.body.appendChild(root);
    // After a reload or a new page on the site, the chat stays open, without taking focus.
    if (sessionStorage.getItem(OPEN_KEY)) { open(true); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }

  window.CXNavigator = { open: open, close: close, send: send, endChat: endChat };
})();
