/*
 * Bujian TV board. Polls state.json every second with the last ETag (the server
 * answers 304 from its cache while the queue has not moved), redraws what changed,
 * and on a new call (a ticket not seen before, or its call count raised by a recall)
 * flashes the number and plays the chime, then the spoken call, one call after
 * another. The server renders the first state into the page; this file only keeps
 * it current. No framework.
 */
(function () {
  "use strict";

  var body = document.body;
  var stateUrl = body.dataset.stateUrl;
  var pollMs = parseInt(body.dataset.pollMs, 10) || 1000;
  var retryMs = 3000;
  var voiceServed = body.dataset.voice === "on";
  var storageKey = "bujian.board.sound";
  var maxQueue = 8;
  var clipTimeoutMs = 15000;

  var etag = body.dataset.etag || "";
  var seen = {}; // ticket id -> call count already shown
  var boothSignature = "";
  var activated = false;
  var soundOn = readSoundSetting();
  var queue = [];
  var playing = false;
  var chime = new Audio(body.dataset.chimeUrl);
  chime.preload = "auto";

  var els = {
    now: document.getElementById("board-now"),
    booths: document.getElementById("board-booths"),
    recent: document.getElementById("board-recent"),
    boothTemplate: document.getElementById("board-booth-template"),
    callTemplate: document.getElementById("board-call-template"),
    clock: document.getElementById("board-clock"),
    offline: document.getElementById("board-offline"),
    sound: document.getElementById("board-sound"),
    activate: document.getElementById("board-activate"),
  };

  // --- settings -----------------------------------------------------------------

  function readSoundSetting() {
    try {
      return window.localStorage.getItem(storageKey) !== "off";
    } catch (e) {
      return true; // storage blocked: default on
    }
  }

  function showSoundSetting() {
    els.sound.textContent = soundOn ? body.dataset.labelOn : body.dataset.labelOff;
    els.sound.setAttribute("aria-pressed", soundOn ? "true" : "false");
  }

  els.sound.addEventListener("click", function () {
    soundOn = !soundOn;
    try {
      window.localStorage.setItem(storageKey, soundOn ? "on" : "off");
    } catch (e) {
      /* not remembered; still applies now */
    }
    showSoundSetting();
  });

  // Browsers play audio only after a gesture on the page: ask for one click.
  els.activate.addEventListener("click", function () {
    activated = true;
    els.activate.hidden = true;
    play(chime, function () {});
  });

  // --- drawing ------------------------------------------------------------------

  function slot(root, name) {
    return root.querySelector('[data-slot="' + name + '"]');
  }

  // Same steps as views_board.board_grid: [at most this many booths, columns].
  var gridSteps = [[3, 3], [8, 4], [15, 5], [24, 6]];

  function layOut(count) {
    var size = gridSteps.length + 1;
    var columns = 8;
    for (var i = 0; i < gridSteps.length; i++) {
      if (count <= gridSteps[i][0]) {
        size = i + 1;
        columns = Math.max(1, Math.min(count, gridSteps[i][1]));
        break;
      }
    }
    els.booths.dataset.size = size;
    els.booths.style.setProperty("--cols", columns);
  }

  function flash(el) {
    el.classList.remove("is-new");
    void el.offsetWidth; // restart the animation
    el.classList.add("is-new");
  }

  function fromTemplate(template) {
    return template.content.firstElementChild.cloneNode(true);
  }

  function drawBooths(booths) {
    var signature = booths.map(function (b) { return b.id + ":" + b.name; }).join(",");
    if (signature !== boothSignature) {
      boothSignature = signature;
      els.booths.textContent = "";
      booths.forEach(function (booth) {
        var card = fromTemplate(els.boothTemplate);
        card.dataset.booth = booth.id;
        slot(card, "prefix").textContent = booth.prefix;
        slot(card, "name").textContent = booth.name;
        els.booths.appendChild(card);
      });
      layOut(booths.length);
    }
    booths.forEach(function (booth) {
      var card = els.booths.querySelector('[data-booth="' + booth.id + '"]');
      slot(card, "current").textContent = booth.current ? booth.current.label : "—";
      slot(card, "waiting").textContent = booth.waiting;
    });
  }

  function drawRecent(recent) {
    var latest = recent[0];
    slot(els.now, "label").textContent = latest ? latest.label : "—";
    slot(els.now, "booth").textContent = latest ? latest.booth_name : "";
    els.recent.textContent = "";
    recent.slice(1).forEach(function (call) {
      var item = fromTemplate(els.callTemplate);
      item.dataset.ticket = call.ticket;
      slot(item, "label").textContent = call.label;
      slot(item, "booth").textContent = call.booth_name;
      els.recent.appendChild(item);
    });
  }

  function newCalls(state) {
    // Oldest first, so the voice says them in the order they were called.
    var calls = state.recent.slice().reverse();
    state.booths.forEach(function (booth) {
      if (booth.current) calls.push(booth.current);
    });
    var fresh = [];
    calls.forEach(function (call) {
      var known = seen[call.ticket];
      if (known === undefined || call.calls > known) {
        seen[call.ticket] = call.calls;
        fresh.push(call);
      }
    });
    return fresh;
  }

  function apply(state, announce) {
    drawBooths(state.booths);
    drawRecent(state.recent);
    var fresh = newCalls(state);
    if (!announce || fresh.length === 0) return;
    flash(els.now);
    fresh.forEach(function (call) {
      var card = els.booths.querySelector('[data-booth="' + call.booth + '"]');
      if (card) flash(card);
      announceCall(call);
    });
  }

  // --- sound --------------------------------------------------------------------

  // Play one clip; `done` runs once, when it ends, fails, is refused or hangs.
  function play(audio, done) {
    var finished = false;
    var timer = null;
    function finish() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      audio.removeEventListener("ended", finish);
      audio.removeEventListener("error", finish);
      done();
    }
    audio.addEventListener("ended", finish);
    audio.addEventListener("error", finish);
    timer = setTimeout(finish, clipTimeoutMs);
    try {
      audio.currentTime = 0;
      var started = audio.play();
      if (started && started.catch) started.catch(finish);
    } catch (e) {
      finish();
    }
  }

  function announceCall(call) {
    if (!activated) return;
    var clip = null;
    if (soundOn && voiceServed && call.voice) {
      // Fetched now, while the chime plays.
      clip = new Audio(call.voice);
      clip.preload = "auto";
      clip.load();
    }
    queue.push(clip);
    while (queue.length > maxQueue) queue.shift();
    playNext();
  }

  function playNext() {
    if (playing || queue.length === 0) return;
    playing = true;
    var clip = queue.shift();
    play(chime, function () {
      if (!clip) {
        playing = false;
        playNext();
        return;
      }
      play(clip, function () {
        playing = false;
        playNext();
      });
    });
  }

  // --- polling ------------------------------------------------------------------

  function poll() {
    var headers = {};
    if (etag) headers["If-None-Match"] = etag;
    fetch(stateUrl, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("board state: HTTP " + response.status);
        etag = response.headers.get("ETag") || "";
        return response.json();
      })
      .then(function (state) {
        els.offline.hidden = true;
        if (state) apply(state, true);
        setTimeout(poll, pollMs);
      })
      .catch(function () {
        els.offline.hidden = false;
        setTimeout(poll, retryMs);
      });
  }

  function tick() {
    els.clock.textContent = new Date().toLocaleTimeString(document.documentElement.lang || "id", {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  // --- start --------------------------------------------------------------------

  var first = JSON.parse(document.getElementById("board-state").textContent);
  apply(first, false); // calls made before the page opened are not announced
  showSoundSetting();
  els.sound.hidden = false;
  els.activate.hidden = false;
  tick();
  setInterval(tick, 10000);
  setTimeout(poll, pollMs);
})();
