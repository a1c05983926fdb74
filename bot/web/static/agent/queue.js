/* CX Navigator agent console: warm handoff (bot/web/handoff.py, agent_queue.html).
 *
 * "Waiting chats" polls the queue and lists each person in line with their wait and a
 * summary; "Take this chat" claims one (if another agent was quicker, the page says who).
 * The taken chat opens in "Web chat": its transcript, polled for the person's new
 * messages, a box whose messages reach the person's widget, and buttons to hand the chat
 * back to the assistant or close it. The chat id sits in the address (?chat=...), so a
 * reload keeps it. Requests go through console.js's api() (re-login on 401, CSRF).
 */
(function () {
  "use strict";

  const QUEUE_POLL_MS = 4000;
  const CHAT_POLL_MS = 2500;
  const $ = (id) => document.getElementById(id);
  const api = (...args) => window.CXConsole.api(...args);
  let chatId = new URLSearchParams(window.location.search).get("chat");
  let chatTimer = null;
  let shown = 0; // transcript entries already on screen
  let lastCount = null;
  // What this agent typed, by the masked copy the transcript stores: shown as typed on
  // this page; after a reload the stored copy shows, with its "details removed" note.
  const typed = new Map();
  let sending = false; // a poll answered mid-send could show the stored copy first
  // The widget's own controls send these payloads; the transcript says what they mean.
  const CONTROLS = {
    "/human_handoff": "(asked for a person)",
    "/end_chat": "(ended the chat)",
    "/start_over": "(started over)",
  };

  function minutes(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m ? `${m} min ${s} s` : `${s} s`;
  }

  /* Waiting chats */

  function queueError(message) {
    $("queue-error").textContent = message;
    $("queue-error").hidden = !message;
  }

  function entry(chat) {
    const item = document.createElement("li");
    item.dataset.id = chat.conversationId;
    const wait = document.createElement("p");
    wait.className = "cx-wait";
    const summary = document.createElement("p");
    summary.className = "cx-summary";
    summary.id = `summary-${chat.conversationId}`;
    summary.textContent = chat.summary || "No summary.";
    const take = document.createElement("button");
    take.type = "button";
    take.className = "usa-button";
    take.textContent = "Take this chat";
    take.setAttribute("aria-describedby", summary.id);
    take.addEventListener("click", () => claim(chat.conversationId, take));
    item.append(wait, summary, take);
    return item;
  }

  function renderQueue(data) {
    const list = $("queue-list");
    const current = new Map([...list.children].map((li) => [li.dataset.id, li]));
    const waiting = data.waiting.filter((chat) => chat.conversationId !== chatId);
    for (const chat of waiting) {
      const item = current.get(chat.conversationId) || list.appendChild(entry(chat));
      current.delete(chat.conversationId);
      const wait = item.querySelector(".cx-wait");
      wait.textContent = `Waiting ${minutes(chat.waitSeconds)}${chat.overdue ? " (offered a callback)" : ""}`;
      wait.classList.toggle("cx-wait--overdue", chat.overdue);
    }
    for (const gone of current.values()) gone.remove();
    // Said (politely) only when the number changes, not on every poll.
    if (waiting.length !== lastCount) {
      lastCount = waiting.length;
      $("queue-count").textContent = waiting.length
        ? `${waiting.length} ${waiting.length === 1 ? "chat is" : "chats are"} waiting.`
        : "No one is waiting.";
    }
  }

  async function pollQueue() {
    try {
      renderQueue(await api("GET", "/api/agent/queue"));
    } catch (error) {
      queueError(error.message);
    }
    setTimeout(pollQueue, QUEUE_POLL_MS);
  }

  async function claim(id, button) {
    queueError("");
    button.disabled = true;
    try {
      await api("POST", `/api/agent/queue/${encodeURIComponent(id)}/claim`);
    } catch (error) {
      queueError(error.message); // "Already taken by <agent>."
      button.disabled = false;
      return;
    }
    const item = button.closest("li");
    if (item) item.remove();
    openChat(id);
    $("chat-message").focus();
  }

  /* The taken chat */

  function who(message) {
    if (message.sender === "user") return ["Person:", ""];
    if (message.agent) return [`${message.agent}:`, " cx-who--agent"];
    return ["Assistant:", ""];
  }

  function renderTranscript(state) {
    const list = $("chat-transcript");
    for (const message of state.transcript.slice(shown)) {
      const item = document.createElement("li");
      const [label, extra] = who(message);
      const name = document.createElement("span");
      name.className = `cx-who${extra}`;
      name.textContent = label;
      const time = document.createElement("time");
      time.dateTime = message.time;
      time.textContent = new Date(message.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      const mine = message.agent && message.redacted && typed.get(message.text);
      if (mine && mine.length) {
        item.append(name, mine.shift(), time); // what this agent typed, not the stored copy
      } else {
        const text = (message.sender === "user" && CONTROLS[message.text]) || message.text;
        item.append(name, text, time);
        if (message.redacted) item.append(window.CXConsole.redactedNote(message));
      }
      list.append(item);
    }
    shown = Math.max(shown, state.transcript.length);
    list.scrollTop = list.scrollHeight;
  }

  async function refreshChat() {
    if (!chatId) return;
    try {
      const state = await api("GET", `/api/agent/calls/${encodeURIComponent(chatId)}`);
      if (!sending) renderTranscript(state);
    } catch (error) {
      $("chat-status").textContent = error.message;
    }
  }

  function setChatControls(enabled) {
    for (const id of ["chat-message", "chat-send", "chat-release", "chat-close"]) $(id).disabled = !enabled;
  }

  function remember(id) {
    const url = new URL(window.location.href);
    if (id) url.searchParams.set("chat", id);
    else url.searchParams.delete("chat");
    window.history.replaceState(null, "", url);
  }

  function openChat(id) {
    chatId = id;
    shown = 0;
    remember(id);
    $("chat-transcript").replaceChildren();
    $("chat-label").textContent = "Web chat taken from the queue";
    $("chat-status").textContent = "";
    $("chat-panel").hidden = false;
    setChatControls(true);
    clearInterval(chatTimer);
    chatTimer = setInterval(refreshChat, CHAT_POLL_MS);
    refreshChat();
  }

  function endChat(done) {
    clearInterval(chatTimer);
    chatTimer = null;
    setChatControls(false);
    $("chat-status").textContent = done;
    chatId = null;
    remember(null);
  }

  $("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = $("chat-message");
    const text = field.value.trim();
    if (!text || !chatId) return;
    $("chat-send").disabled = true;
    sending = true;
    try {
      const sent = await api("POST", `/api/agent/chats/${encodeURIComponent(chatId)}/send`, { text });
      if (sent.stored !== sent.text) typed.set(sent.stored, [...(typed.get(sent.stored) || []), sent.text]);
      sending = false;
      field.value = "";
      $("chat-status").textContent = "";
      await refreshChat();
    } catch (error) {
      $("chat-status").textContent = error.message;
    } finally {
      sending = false;
      $("chat-send").disabled = !chatId;
      field.focus();
    }
  });

  function finish(action, done) {
    return async () => {
      if (!chatId) return;
      try {
        await api("POST", `/api/agent/chats/${encodeURIComponent(chatId)}/${action}`);
        await refreshChat();
        endChat(done);
      } catch (error) {
        $("chat-status").textContent = error.message;
      }
    };
  }

  $("chat-release").addEventListener("click", finish("release", "Handed back to the assistant."));
  $("chat-close").addEventListener("click", finish("close", "Chat closed."));

  if (chatId) openChat(chatId);
  pollQueue();
})();
