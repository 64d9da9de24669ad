/*
 * Settle web chat: an embeddable widget. A creditor adds one tag to any page:
 *
 *   <script src="https://settle.example/static/webchat.js" defer></script>
 *
 * Optional data attributes on that tag:
 *   data-language="nl|en"   the language to start in (a debtor's own choice is remembered)
 *   data-title="…"          the panel's title (default "Settle")
 *   data-open="true"        open the panel on the first visit (a launcher button opens it otherwise)
 *   data-target="#selector" render inline in that element, always open, without a launcher
 *   data-api="https://…"    where the Settle API is (default: where this script comes from)
 *
 * The widget derives the API and its stylesheet (webchat.css, next to this file) from its own
 * src, takes its labels from the gateway's text catalogue (GET api/v1/webchat/texts, nl and
 * en), builds its DOM inside a shadow root (the host page's CSS and ids cannot clash with it),
 * talks to the public conversation API, long-polls for collector replies and payment
 * confirmations, and keeps the conversation across reloads (localStorage
 * "settle.conversation", "settle.language"). Its only global is window.SettleChat:
 * open(), close(), toggle(), setLanguage("nl"|"en").
 */
(function () {
  "use strict";
  if (window.SettleChat) return; // the tag is on the page twice

  let UI = null; // the labels per language, from the gateway (GET api/v1/webchat/texts)
  const SENDERS = ["debtor", "bot", "collector", "system"];

  // --- where we come from, and the options on our tag -------------------------------------
  const script = document.currentScript || Array.prototype.slice
    .call(document.querySelectorAll("script[src]"))
    .reverse()
    .find(function (s) { return /\/webchat\.js(?:[?#]|$)/.test(s.src); });
  const options = (script && script.dataset) || {};
  const src = script && script.src ? script.src : new URL("/static/webchat.js", location.href).href;
  const apiBase = new URL(options.api ? options.api.replace(/\/?$/, "/") : "../", src);
  const cssUrl = new URL("webchat.css", src);
  cssUrl.search = new URL(src).search; // a cache-busting ?v= on the script goes to the CSS too
  const textsUrl = new URL("api/v1/webchat/texts", apiBase).href;

  // the labels come from the gateway's text catalogue, asked for at once (while the page
  // loads); the widget appears when they are in, and asks again while the API is unreachable
  function loadTexts() {
    return fetch(textsUrl)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .catch(function () {
        return new Promise(function (resolve) { setTimeout(resolve, 3000); }).then(loadTexts);
      });
  }
  const textsLoaded = loadTexts();
  // the creditor's name, logo and colour (the payment page shows the same); the widget does
  // not wait for it
  const brandLoaded = fetch(new URL("api/v1/webchat/brand", apiBase).href)
    .then(function (response) { return response.ok ? response.json() : null; })
    .catch(function () { return null; });

  // --- storage that never throws (blocked cookies, private mode, sandboxed frames) ---------
  const memory = {};
  function storage(area) {
    return {
      get: function (key) {
        try { return window[area].getItem(key); } catch (e) { return memory[area + key] || null; }
      },
      set: function (key, value) {
        try { window[area].setItem(key, value); } catch (e) { memory[area + key] = value; }
      },
    };
  }
  const local = storage("localStorage");
  const session = storage("sessionStorage");

  // the conversation and its secret (from the first answer) are kept together: a stored
  // conversation without a secret is one that cannot be read back, so a new one starts
  let conversationId = local.get("settle.conversation");
  let conversationToken = local.get("settle.conversation_token");
  if (!conversationId || !/^[A-Za-z0-9_.:-]{1,128}$/.test(conversationId) ||
      local.get("settle.conversation_of_token") !== conversationId) {
    conversationId = "web-" + (window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2));
    conversationToken = null;
    local.set("settle.conversation", conversationId);
    local.set("settle.conversation_of_token", conversationId);
    local.set("settle.conversation_token", "");
  }
  function withToken(headers) {
    if (conversationToken) headers["X-Conversation-Token"] = conversationToken;
    return headers;
  }
  const messagesUrl = new URL(
    "api/v1/conversations/" + encodeURIComponent(conversationId) + "/messages", apiBase
  ).href;

  function pickLanguage() {
    const chosen = local.get("settle.language");
    if (chosen === "nl" || chosen === "en") return chosen;
    if (options.language === "nl" || options.language === "en") return options.language;
    return (navigator.language || "nl").slice(0, 2).toLowerCase() === "en" ? "en" : "nl";
  }

  let language = pickLanguage();
  // sent with each message only when the debtor (or the creditor's page) chose it; a guess
  // from the browser is left to the gateway, which reads the language the debtor writes in
  let languageChosen = ["nl", "en"].indexOf(local.get("settle.language")) >= 0 ||
    options.language === "nl" || options.language === "en";
  let lastId = 0;
  let sentOnce = false;
  let state = "bot";
  let loaded = false; // history shown: from now on the debtor's own messages are already on screen
  let listening = false;
  let sending = 0;
  let unread = 0;
  let isOpen = false;
  const seen = new Set();
  const titles = new Map(); // button payload -> title, to show a clicked chip's title in the history

  // --- the DOM ---------------------------------------------------------------------------
  function el(tag, className, attributes) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  const target = options.target ? document.querySelector(options.target) : null;
  const inline = !!target;
  const host = el("settle-chat", "", { "data-settle-chat": inline ? "inline" : "float" });
  const root = host.attachShadow({ mode: "open" });
  // hidden until the stylesheet is in, so the page never shows an unstyled widget
  const preload = el("style");
  preload.textContent = ":host{all:initial}.settle-root{visibility:hidden}";
  const stylesheet = el("link", "", { rel: "stylesheet", href: cssUrl.href });
  stylesheet.addEventListener("error", function () { preload.remove(); });

  const wrapper = el("div", "settle-root " + (inline ? "settle-root--inline" : "settle-root--float"));
  const launcher = el("button", "settle-launcher", { type: "button", "aria-expanded": "false", "aria-controls": "panel" });
  const launcherIcon = el("span", "settle-launcher__icon settle-launcher__icon--closed", { "aria-hidden": "true" });
  launcherIcon.innerHTML = '<svg viewBox="0 0 24 24" width="22" height="22" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  const launcherOpenIcon = el("span", "settle-launcher__icon settle-launcher__icon--open", { "aria-hidden": "true" });
  launcherOpenIcon.innerHTML = '<svg viewBox="0 0 24 24" width="22" height="22" focusable="false"><path fill="currentColor" d="M5.3 8.3a1 1 0 0 1 1.4 0L12 13.6l5.3-5.3a1 1 0 1 1 1.4 1.4l-6 6a1 1 0 0 1-1.4 0l-6-6a1 1 0 0 1 0-1.4z"/></svg>';
  const launcherText = el("span", "settle-launcher__text");
  const badge = el("span", "settle-launcher__badge", { "aria-hidden": "true" });
  badge.hidden = true;
  launcher.append(launcherIcon, launcherOpenIcon, launcherText, badge);

  const panel = el("section", "settle-panel", { id: "panel", "aria-labelledby": "title" });
  if (!inline) { panel.setAttribute("role", "dialog"); panel.setAttribute("aria-modal", "false"); }
  const header = el("header", "settle-header");
  const heading = el("div", "settle-heading");
  const title = el("h2", "settle-title", { id: "title" });
  title.textContent = options.title || "Settle";
  const subtitle = el("p", "settle-subtitle");
  heading.append(title, subtitle);
  const langs = el("div", "settle-lang", { role: "group", "aria-label": "Taal / Language" });
  ["nl", "en"].forEach(function (lang) {
    const b = el("button", "settle-lang__button", { type: "button", "data-lang": lang, lang: lang, "aria-pressed": "false" });
    b.textContent = lang.toUpperCase();
    b.setAttribute("aria-label", lang === "nl" ? "NL, Nederlands" : "EN, English"); // the visible text first
    b.addEventListener("click", function () { setLanguage(lang); });
    langs.append(b);
  });
  const closeButton = el("button", "settle-close", { type: "button" });
  closeButton.innerHTML = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 1 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"/></svg>';
  closeButton.addEventListener("click", function () { setOpen(false, true); });
  header.append(heading, langs);
  if (!inline) header.append(closeButton);

  const stateLine = el("p", "settle-state", { id: "state", role: "status" });
  stateLine.hidden = true;
  const log = el("ol", "settle-log", { id: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
  const typing = el("p", "settle-typing", { id: "typing" });
  const dots = el("span", "settle-typing__dots", { "aria-hidden": "true" });
  dots.append(el("span"), el("span"), el("span"));
  const typingText = el("span", "settle-sr");
  typing.append(dots, typingText);
  typing.hidden = true;
  const form = el("form", "settle-form", { id: "form", novalidate: "" });
  const label = el("label", "settle-sr", { for: "text", id: "text-label" });
  const input = el("input", "settle-input", { id: "text", name: "text", type: "text", autocomplete: "off", maxlength: "4000", enterkeyhint: "send" });
  const sendButton = el("button", "settle-send", { type: "submit", id: "send" });
  form.append(label, input, sendButton);
  panel.append(header, stateLine, log, typing, form);
  if (!inline) wrapper.append(launcher);
  wrapper.append(panel);
  root.append(preload, stylesheet, wrapper);

  // --- messages --------------------------------------------------------------------------
  // a payment link (…/pay/<token>) is a button "Betaal € 79,99" with the URL behind it
  const PAY_LINK = /\/pay\/[A-Za-z0-9_-]{8,}$/;
  const AMOUNT = /€\s?-?\d[\d.,]*\d/;

  function payButton(url, text) {
    const amount = AMOUNT.exec(String(text));
    const a = el("a", "settle-pay", { href: url, target: "_blank", rel: "noopener noreferrer", "data-pay": "" });
    const label = el("span", "", { "data-pay-label": amount ? amount[0].replace(/€\s/, "€\u00a0") : "" });
    label.textContent = payLabel(label.getAttribute("data-pay-label"));
    const hint = el("span", "settle-sr", { "data-ui": "new_tab" });
    hint.textContent = " " + UI[language].new_tab;
    a.append(label, hint);
    return a;
  }

  function payLabel(amount) {
    const t = UI[language];
    return amount ? t.pay_amount.replace("{amount}", amount) : t.pay;
  }

  function linkify(text, node) {
    // "€ 1.234,56" stays on one line
    String(text).replace(/€ (?=[\d-])/g, "€\u00a0").split(/(https?:\/\/[^\s<>"')]+)/g).forEach(function (part, i) {
      if (i % 2 === 0) { if (part) node.append(document.createTextNode(part)); return; }
      const trail = /[.,;:!?]+$/.exec(part); // a full stop after a link is not part of it
      const url = trail ? part.slice(0, trail.index) : part;
      if (PAY_LINK.test(url)) {
        node.append(payButton(url, text));
        if (trail) node.append(document.createTextNode(trail[0]));
        return;
      }
      const a = el("a", "settle-link", { href: url, target: "_blank", rel: "noopener noreferrer" });
      a.textContent = url;
      const hint = el("span", "settle-sr", { "data-ui": "new_tab" });
      hint.textContent = " " + UI[language].new_tab;
      a.append(hint);
      node.append(a);
      if (trail) node.append(document.createTextNode(trail[0]));
    });
  }

  // buttons that were answered (the debtor wrote or chose since, or a colleague took over)
  // can't be pressed again; the one chosen stays marked
  function retireChips(chosen) {
    log.querySelectorAll(".settle-chip:not([disabled])").forEach(function (chip) {
      chip.disabled = true;
      if (chosen && chip === chosen) chip.setAttribute("data-chosen", "");
    });
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // shows a message once (by id); true when it was new
  function render(message) {
    if (message.id != null) {
      if (seen.has(message.id)) return false;
      seen.add(message.id);
      lastId = Math.max(lastId, message.id);
    }
    const sender = SENDERS.indexOf(message.sender) >= 0 ? message.sender : "system";
    // msg--<sender> is the project's shared hook (the console uses it too); scoped by the shadow root
    const li = el("li", "settle-msg settle-msg--" + sender + " msg--" + sender);
    if (message.intro) li.setAttribute("data-intro", "");
    // the speaker's name only where the speaker changes (a screen reader still hears it)
    const previous = log.lastElementChild;
    const same = previous && !previous.hasAttribute("data-intro") && previous.getAttribute("data-sender") === sender;
    li.setAttribute("data-sender", sender);
    const who = el("span", same ? "settle-msg__who settle-sr" : "settle-msg__who", { "data-who": sender });
    who.textContent = sender === "debtor" ? UI[language].you : UI[language][sender];
    if (same) li.classList.add("settle-msg--same");
    const body = el("span", "settle-msg__text");
    const text = sender === "debtor" && titles.has(message.text) ? titles.get(message.text) : message.text;
    linkify(text || "", body);
    li.append(who, body);
    // the debtor answered, or a person or the system speaks: earlier buttons are done with
    if (sender !== "bot") retireChips();
    const buttons = message.buttons || [];
    if (buttons.length) {
      retireChips(); // a new question replaces the old one
      const chips = el("div", "settle-chips", { role: "group" });
      buttons.forEach(function (b) {
        titles.set(b.payload, b.title);
        const chip = el("button", "settle-chip", { type: "button" });
        chip.textContent = b.title;
        chip.addEventListener("click", function () {
          retireChips(chip);
          send(b.payload, b.title);
        });
        chips.append(chip);
      });
      li.append(chips);
    }
    const intro = log.querySelector("[data-intro]");
    if (intro && !message.intro) intro.remove(); // the hint makes way for the real conversation
    log.append(li);
    scrollDown();
    return true;
  }

  function showState(next) {
    state = next || state;
    if (state === "waiting" || state === "human") retireChips();
    const line = state === "waiting" || state === "human" ? UI[language][state] : "";
    stateLine.textContent = line;
    stateLine.hidden = !line;
  }

  function setTyping(delta) {
    sending += delta;
    typing.hidden = sending <= 0;
    if (!typing.hidden) scrollDown();
  }

  function unreadText(n) {
    const t = UI[language];
    return n === 1 ? t.unread_one : t.unread_many.replace("{n}", String(n));
  }

  function countUnread(n) {
    unread = isOpen ? 0 : unread + n;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    badge.hidden = unread === 0;
    // the visible text first in the name, then how many are new
    launcher.setAttribute("aria-label", UI[language].launcher + (unread ? ", " + unreadText(unread) : ""));
  }

  async function send(text, shown) {
    // the first message carries the browser's language for the gateway to fall back on
    const first = lastId === 0 && !sentOnce;
    sentOnce = true;
    loaded = true;
    render({ sender: "debtor", text: shown || text });
    setTyping(1);
    try {
      const response = await fetch(messagesUrl, {
        method: "POST", headers: withToken({ "Content-Type": "application/json" }),
        body: JSON.stringify(languageChosen ? { text: text, language: language }
          : first ? { text: text, browser_language: navigator.language || "" } : { text: text }),
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const body = await response.json();
      if (body.conversation_token) {
        conversationToken = body.conversation_token;
        local.set("settle.conversation_token", conversationToken);
      }
      body.messages.forEach(render);
      showState(body.state);
      listen(); // the conversation exists now: wait for what a colleague or a payment brings
    } catch (e) {
      render({ sender: "system", text: UI[language].error });
      if (!shown && !input.value) input.value = text; // typed text is not lost: Enter tries again
    } finally {
      setTyping(-1);
    }
  }

  // everything after the last message seen; with `wait` the server holds the answer until
  // something arrives (a colleague's reply, a payment confirmation) or the state changes.
  // false: no such conversation yet.
  async function poll(wait) {
    const query = "?after=" + lastId + (wait ? "&wait=" + wait : "");
    const response = await fetch(messagesUrl + query, { cache: "no-store", headers: withToken({}) });
    if (response.status === 404) return false;
    if (!response.ok) throw new Error("HTTP " + response.status);
    const body = await response.json();
    let fresh = 0;
    body.messages.forEach(function (m) {
      if (m.sender !== "debtor" || !loaded) {
        if (render(m) && loaded && m.sender !== "debtor") fresh += 1;
      } else {
        seen.add(m.id);
        lastId = Math.max(lastId, m.id);
      }
    });
    loaded = true;
    showState(body.state);
    if (fresh) countUnread(fresh);
    return true;
  }

  function listen() {
    if (listening) return;
    listening = true;
    (async function () {
      for (;;) {
        let ok = false;
        try { ok = await poll(25); } catch (e) { /* offline or restarting: try again shortly */ }
        if (!ok) await new Promise(function (resolve) { setTimeout(resolve, 3000); });
      }
    })();
  }

  // --- language, opening and closing -----------------------------------------------------
  function setLanguage(lang, byDebtor) {
    if (lang !== "nl" && lang !== "en") return;
    language = lang;
    if (byDebtor !== false) {
      languageChosen = true;
      local.set("settle.language", lang);
    }
    const t = UI[lang];
    wrapper.setAttribute("lang", lang);
    langs.querySelectorAll("[data-lang]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang));
    });
    subtitle.textContent = t.subtitle;
    launcherText.textContent = t.launcher;
    closeButton.setAttribute("aria-label", t.close);
    log.setAttribute("aria-label", t.log);
    label.textContent = t.label;
    input.placeholder = t.placeholder;
    sendButton.textContent = t.send;
    typingText.textContent = t.typing;
    log.querySelectorAll("[data-who]").forEach(function (who) {
      const sender = who.getAttribute("data-who");
      who.textContent = sender === "debtor" ? t.you : t[sender];
    });
    log.querySelectorAll('[data-ui="new_tab"]').forEach(function (hint) { hint.textContent = " " + t.new_tab; });
    log.querySelectorAll("[data-pay-label]").forEach(function (label) {
      label.textContent = payLabel(label.getAttribute("data-pay-label"));
    });
    const intro = log.querySelector("[data-intro] .settle-msg__text");
    if (intro) intro.textContent = t.intro;
    showState(state);
    countUnread(0);
  }

  function setOpen(next, moveFocus) {
    if (inline) next = true;
    isOpen = next;
    panel.hidden = !next;
    wrapper.classList.toggle("settle-root--open", next);
    launcher.setAttribute("aria-expanded", String(next));
    if (!inline) session.set("settle.open", next ? "1" : "0");
    if (next) {
      countUnread(0);
      scrollDown();
      if (moveFocus) input.focus();
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!isOpen, true); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !inline && isOpen) {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false, true);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  function applyBrand(brand) {
    if (!brand) return;
    if (/^#[0-9a-fA-F]{6}$/.test(brand.colour || "")) {
      wrapper.style.setProperty("--settle-brand", brand.colour);
      wrapper.style.setProperty("--settle-brand-text", brand.colour_text || "#fff");
    }
    if (!options.title && brand.name) title.textContent = brand.name;
    if (brand.logo_url) {
      const logo = el("img", "settle-logo", { src: new URL(brand.logo_url, apiBase).href, alt: "", width: "32", height: "32" });
      header.prepend(logo);
    }
  }

  function mount(texts) {
    UI = texts;
    brandLoaded.then(applyBrand);
    (target || document.body).append(host);
    setLanguage(language, false);
    const remembered = session.get("settle.open");
    setOpen(remembered ? remembered === "1" : options.open === "true", false);
    log.setAttribute("aria-busy", "true"); // the history at once, not read out line by line
    // false: a new conversation (nothing to wait for until the first message); offline: keep trying
    poll(0).catch(function () { return true; }).then(function (exists) {
      log.removeAttribute("aria-busy");
      // a new conversation starts with a short hint of what the assistant does (not stored)
      if (!log.children.length) render({ sender: "bot", text: UI[language].intro, intro: true });
      if (exists) listen();
    });
  }

  const pageReady = document.readyState === "loading"
    ? new Promise(function (resolve) { document.addEventListener("DOMContentLoaded", resolve); })
    : Promise.resolve();
  const mounted = Promise.all([textsLoaded, pageReady]).then(function (done) { mount(done[0]); });

  // called before the widget is up, these wait for it
  window.SettleChat = Object.freeze({
    open: function () { mounted.then(function () { setOpen(true, true); }); },
    close: function () { mounted.then(function () { setOpen(false, true); }); },
    toggle: function () { mounted.then(function () { setOpen(!isOpen, true); }); },
    setLanguage: function (lang) { mounted.then(function () { setLanguage(lang); }); },
  });
})();
