// Settle web chat: talks to the public conversation API; the conversation survives reloads.
(function () {
  "use strict";
  const UI = {
    nl: { you: "U", bot: "Assistent", collector: "Medewerker", system: "Settle", send: "Verstuur",
          label: "Uw bericht", error: "Het versturen is niet gelukt. Probeer het nog eens.",
          intro: "Hallo! Ik ben de digitale assistent. Vraag mij gerust naar uw saldo, uw openstaande facturen of hoe u kunt betalen." },
    en: { you: "You", bot: "Assistant", collector: "Colleague", system: "Settle", send: "Send",
          label: "Your message", error: "Sending failed. Please try again.",
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
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const typing = document.getElementById("typing");
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
    if (message.id && message.id <= lastId) return;
    if (message.id) lastId = message.id;
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

  async function send(text, shown) {
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
    } catch (e) {
      render({ sender: "system", text: UI[language].error, buttons: [] });
    } finally {
      typing.hidden = true;
    }
  }

  async function poll() {
    try {
      const response = await fetch(base + (lastId ? "?after=" + lastId : ""));
      if (response.ok) {
        const body = await response.json();
        body.messages.forEach(function (m) { if (m.sender !== "debtor" || !lastId) render(m); else lastId = Math.max(lastId, m.id); });
      }
    } catch (e) { /* offline: try again later */ }
  }

  function setLanguage(lang) {
    language = lang; store.setItem("settle.language", lang);
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-lang]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); });
    document.getElementById("send").textContent = UI[lang].send;
    document.getElementById("text-label").textContent = UI[lang].label;
    input.placeholder = UI[lang].label;
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
  poll().then(function () {
    // a new conversation starts with a short hint of what the assistant does (not stored)
    if (!log.children.length) render({ sender: "bot", text: UI[language].intro, buttons: [] });
  });
  setInterval(poll, 3000);
  input.focus();
})();
