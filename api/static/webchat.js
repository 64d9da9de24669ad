// Settle web chat: talks to the public conversation API; the conversation survives reloads.
(function () {
  "use strict";
  const UI = {
    nl: { you: "U", bot: "Assistent", collector: "Medewerker", system: "Settle", send: "Verstuur",
          label: "Uw bericht", error: "Het versturen is niet gelukt. Probeer het nog eens.",
          waiting: "Een collega neemt uw gesprek over en antwoordt u hier. U kunt gewoon verder typen.",
          human: "U chat nu met een medewerker.",
          intro: "Hallo! Ik ben de digitale assistent. Vraag mij gerust naar uw saldo, uw openstaande facturen of hoe u kunt betalen." },
    en: { you: "You", bot: "Assistant", collector: "Colleague", system: "Settle", send: "Send",
          label: "Your message", error: "Sending failed. Please try again.",
          waiting: "A colleague will take over and reply to you here. Feel free to keep typing.",
          human: "You are now chatting with a colleague.",
          intro: "Hello! I'm the digital assistant. Ask me about your balance, your open invoices or how to pay." },
  };
  const store = window.localStorage;
  let conversationId = store.getItem("settle.conversation");
  if (!conversationId) {
    conversationId = "web-" + (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));
    store.setItem("settle.conversation", conversationId);
  }
  let language = store.getItem("settle.language") || ((navigator.language || "nl").slice(0, 2) === "en" ? "en" : "nl");
  let lastId = 0;
  let state = "bot";
  let loaded = false; // history shown: from now on the debtor's own messages are already on screen
  const seen = new Set();
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const typing = document.getElementById("typing");
  const stateLine = document.getElementById("state");
  const base = "/api/v1/conversations/" + encodeURIComponent(conversationId) + "/messages";

  function linkify(text, node) {
    const parts = text.split(/(https?:\/\/[^\s)]+)/g);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        const a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener";
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function render(message) {
    if (message.id) {
      if (seen.has(message.id)) return;
      seen.add(message.id);
      lastId = Math.max(lastId, message.id);
    }
    const li = document.createElement("li");
    li.className = "msg msg--" + message.sender;
    const who = document.createElement("span");
    who.className = "msg__who";
    who.textContent = message.sender === "debtor" ? UI[language].you : UI[language][message.sender];
    li.appendChild(who);
    linkify(message.text, li);
    if (message.buttons && message.buttons.length) {
      const chips = document.createElement("div");
      chips.className = "chips";
      message.buttons.forEach(function (b) {
        const btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        chips.appendChild(btn);
      });
      li.appendChild(chips);
    }
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function showState(next) {
    state = next || state;
    const line = state === "waiting" || state === "human" ? UI[language][state] : "";
    stateLine.textContent = line;
    stateLine.hidden = !line;
  }

  async function send(text, shown) {
    loaded = true;
    render({ sender: "debtor", text: shown || text, buttons: [] });
    typing.hidden = false;
    try {
      const response = await fetch(base, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text, language: language }),
      });
      if (!response.ok) throw new Error(response.status);
      const body = await response.json();
      body.messages.forEach(render);
      showState(body.state);
    } catch (e) {
      render({ sender: "system", text: UI[language].error, buttons: [] });
    } finally {
      typing.hidden = true;
    }
  }

  // everything after the last message seen; with `wait` the server holds the answer until
  // something arrives (a colleague's reply, a payment confirmation) or the state changes
  async function poll(wait) {
    const query = new URLSearchParams();
    if (lastId) query.set("after", String(lastId));
    if (wait) query.set("wait", String(wait));
    const response = await fetch(base + (query.toString() ? "?" + query : ""));
    if (!response.ok) return false; // 404: no conversation yet
    const body = await response.json();
    body.messages.forEach(function (m) {
      if (m.sender !== "debtor" || !loaded) render(m);
      else { seen.add(m.id); lastId = Math.max(lastId, m.id); }
    });
    loaded = true;
    showState(body.state);
    return true;
  }

  async function listen() {
    for (;;) {
      let ok = false;
      try { ok = await poll(25); } catch (e) { /* offline: try again shortly */ }
      if (!ok) await new Promise(function (resolve) { setTimeout(resolve, 3000); });
    }
  }

  function setLanguage(lang) {
    language = lang; store.setItem("settle.language", lang);
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-lang]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); });
    document.getElementById("send").textContent = UI[lang].send;
    document.getElementById("text-label").textContent = UI[lang].label;
    input.placeholder = UI[lang].label;
    showState(state);
  }

  document.querySelectorAll("[data-lang]").forEach(function (b) {
    b.addEventListener("click", function () { setLanguage(b.dataset.lang); });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  setLanguage(language);
  poll(0).catch(function () { return false; }).then(function () {
    // a new conversation starts with a short hint of what the assistant does (not stored)
    if (!log.children.length) render({ sender: "bot", text: UI[language].intro, buttons: [] });
    listen();
  });
  input.focus();
})();
