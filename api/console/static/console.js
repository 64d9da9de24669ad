// Settle console: live queue and transcript over Server-Sent Events, reply without a
// reload, and a few keys (j/k/Enter in the queue; c, r, q on a case; Ctrl+Enter sends).
(function () {
  "use strict";
  const live = document.getElementById("live");
  const rows = document.getElementById("queue-rows");
  const kase = document.getElementById("case");
  if (!rows && !kase) return;
  const words = document.body.dataset; // the page's language: liveText, reconnectingText, sendFailed

  // a form on its way (claim, release, resolve) navigates by itself: no live reload meanwhile
  let leaving = false;
  document.addEventListener("submit", function (event) {
    if (event.target !== document.getElementById("reply")) leaving = true;
  });
  window.addEventListener("pageshow", function () { leaving = false; });

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // --- the queue ------------------------------------------------------------------
  let selected = -1;
  function rowList() { return rows ? Array.from(rows.querySelectorAll("tr[id^='handoff-']")) : []; }
  function select(index) {
    const list = rowList();
    if (!list.length) return;
    selected = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (r, i) { r.classList.toggle("selected", i === selected); });
    const link = list[selected].querySelector("a");
    if (link) link.focus();
  }
  let refreshing = false;
  async function refreshQueue() {
    if (refreshing) return;
    refreshing = true;
    try {
      const before = new Set(rowList().map(function (r) { return r.id; }));
      const chosen = rowList()[selected];
      const response = await fetch("/console/queue/rows", { headers: { Accept: "text/html" } });
      if (response.status === 401) { if (!leaving) location.reload(); return; }
      if (!response.ok) return;
      rows.innerHTML = await response.text();
      rowList().forEach(function (r, i) {
        if (before.size && !before.has(r.id)) r.classList.add("new");
        if (chosen && r.id === chosen.id) { selected = i; r.classList.add("selected"); }
      });
    } catch (e) { /* offline: the next change event tries again */ } finally { refreshing = false; }
  }

  // --- one case -------------------------------------------------------------------
  const transcript = document.getElementById("transcript");
  const replyForm = document.getElementById("reply");
  const replyText = document.getElementById("reply-text");
  function scrollDown() { if (transcript) transcript.scrollTop = transcript.scrollHeight; }
  // one refresh at a time (a change event and a sent reply may ask at once); a request made
  // while one runs is done right after it; lines already shown are never added twice
  let caseBusy = null;
  let caseAgain = false;
  function refreshCase() {
    if (caseBusy) { caseAgain = true; return caseBusy; }
    caseBusy = loadCase().finally(function () {
      caseBusy = null;
      if (caseAgain) { caseAgain = false; refreshCase(); }
    });
    return caseBusy;
  }
  async function loadCase() {
    try {
      const after = transcript.dataset.lastId || "0";
      const response = await fetch(kase.dataset.live + "?after=" + after, { headers: { Accept: "application/json" } });
      if (response.status === 401) { location.reload(); return; }
      if (!response.ok) return;
      const body = await response.json();
      const incoming = document.createElement("template");
      incoming.innerHTML = body.html;
      let added = false;
      incoming.content.querySelectorAll("li[data-id]").forEach(function (li) {
        if (transcript.querySelector("li[data-id='" + li.dataset.id + "']")) return;
        transcript.appendChild(li);
        added = true;
      });
      transcript.dataset.lastId = String(Math.max(Number(after), Number(body.last_id) || 0));
      if (added) scrollDown();
      const changed = body.status !== kase.dataset.status || (body.collector || "") !== kase.dataset.collector;
      if (changed && !leaving && !(replyText && replyText.value.trim())) location.reload();
    } catch (e) { /* try again on the next change */ }
  }

  if (replyForm) {
    const error = document.getElementById("reply-error");
    replyForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      const text = replyText.value.trim();
      if (!text) return;
      error.textContent = "";
      const button = replyForm.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const response = await fetch(replyForm.action, {
          method: "POST", body: new FormData(replyForm), headers: { Accept: "application/json" },
        });
        if (!response.ok) {
          const body = await response.json().catch(function () { return {}; });
          error.textContent = body.detail ? String(body.detail) : words.sendFailed + " (" + response.status + ")";
          return;
        }
        replyText.value = "";
        await refreshCase();
      } catch (e) {
        error.textContent = words.sendFailed;
      } finally {
        button.disabled = false;
        replyText.focus();
      }
    });
    replyText.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        replyForm.requestSubmit();
      }
    });
  }

  if (rows) {
    rows.addEventListener("click", function (event) {
      const row = event.target.closest("tr[id^='handoff-']");
      if (row && !event.target.closest("a") && !window.getSelection().toString()) {
        location.href = row.querySelector("a").href;
      }
    });
  }

  // --- keys -----------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (rows) {
      if (event.key === "j") { select(selected + 1); event.preventDefault(); }
      if (event.key === "k") { select(selected - 1); event.preventDefault(); }
    }
    if (kase) {
      const claim = document.getElementById("claim");
      if (event.key === "c" && claim) { claim.click(); event.preventDefault(); }
      if (event.key === "r" && replyText) { replyText.focus(); event.preventDefault(); }
      if (event.key === "q") { location.href = "/console"; event.preventDefault(); }
    }
  });

  // --- live updates ---------------------------------------------------------------
  function setLive(up) {
    if (!live) return;
    live.hidden = false;
    live.classList.toggle("live--down", !up);
    live.querySelector(".live__text").textContent = up ? words.liveText : words.reconnectingText;
  }
  function refresh() { if (rows) refreshQueue(); if (kase) refreshCase(); }
  if (window.EventSource) {
    const source = new EventSource("/console/events");
    source.addEventListener("change", refresh);
    let down = null;
    source.addEventListener("open", function () { clearTimeout(down); setLive(true); });
    // a stream ends now and then and the browser reconnects at once: only a longer gap shows
    source.addEventListener("error", function () { clearTimeout(down); down = setTimeout(function () { setLive(false); }, 4000); });
  } else {
    setInterval(refresh, 3000);
  }
  if (rows) setInterval(refreshQueue, 30000); // the waiting times move on
  scrollDown();
})();
