/* Tosca SCO runtime: one script shared by every SCO of a package exported by Tosca.
 *
 * It finds the LMS's SCORM API (1.2 `API` or 2004 `API_1484_11`) up the frame and opener chain, shows the
 * SCO's pages one at a time, scores quizzes in the browser, evaluates the module's completion rule as Tosca
 * does (every required page done; a weighted score at or above the minimum when one is set) and reports:
 * status and score when the rule is met (never on unload), one objective per competence, where the learner is
 * (location, suspend_data) so that a later launch resumes there, and Commit then Finish/Terminate on pagehide.
 * Without an LMS it still works, and says that progress is not recorded.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("tosca-sco-config").textContent);
  var text = config.text;
  var DISCOVERY_DEPTH = 10;
  var RETRIES = 6;
  var RETRY_DELAY_MS = 250;

  // -- API discovery ------------------------------------------------------------------------------------

  function apiIn(win) {
    var name = config.version === "2004" ? "API_1484_11" : "API";
    for (var depth = 0; win && depth < DISCOVERY_DEPTH; depth += 1) {
      try {
        if (win[name]) {
          return win[name];
        }
      } catch (error) {
        // A frame of another origin: its API cannot be reached, but one further up may be.
      }
      var parent = null;
      try {
        parent = win.parent;
      } catch (error) {
        parent = null;
      }
      if (!parent || parent === win) {
        break;
      }
      win = parent;
    }
    return null;
  }

  function discoverApi() {
    var found = apiIn(window);
    var openers = [];
    try {
      openers.push(window.opener);
    } catch (error) { /* no access to the opener */ }
    try {
      openers.push(window.top.opener);
    } catch (error) { /* no access to the top window */ }
    for (var index = 0; !found && index < openers.length; index += 1) {
      if (openers[index]) {
        found = apiIn(openers[index]);
      }
    }
    return found;
  }

  // -- adapters: the two data models, behind the same few verbs -----------------------------------------

  function Scorm12(api) {
    this.api = api;
  }
  Scorm12.prototype = {
    initialize: function () { return String(this.api.LMSInitialize("")) === "true"; },
    get: function (name) { return String(this.api.LMSGetValue(name) || ""); },
    set: function (name, value) { return String(this.api.LMSSetValue(name, String(value))) === "true"; },
    commit: function () { return String(this.api.LMSCommit("")) === "true"; },
    finish: function () { return String(this.api.LMSFinish("")) === "true"; },
    mode: function () { return this.get("cmi.core.lesson_mode"); },
    location: function () { return this.get("cmi.core.lesson_location"); },
    setLocation: function (value) { this.set("cmi.core.lesson_location", value); },
    start: function () {
      var status = this.get("cmi.core.lesson_status");
      if (status === "" || status === "not attempted") {
        this.set("cmi.core.lesson_status", "incomplete");
      }
    },
    progress: function () { /* SCORM 1.2 has no progress measure */ },
    report: function (result) {
      if (result.score !== null) {
        this.set("cmi.core.score.min", "0");
        this.set("cmi.core.score.max", "100");
        this.set("cmi.core.score.raw", String(Math.round(result.score * 100)));
      }
      if (result.met) {
        this.set("cmi.core.lesson_status", config.minScore === null ? "completed" : "passed");
      } else if (result.failed) {
        this.set("cmi.core.lesson_status", "failed");
      }
    },
    objective: function (index, competence, result) {
      var prefix = "cmi.objectives." + index + ".";
      this.set(prefix + "id", competence.id);
      var status = "incomplete";
      if (result.met) {
        status = config.minScore === null ? "completed" : "passed";
      } else if (result.failed) {
        status = "failed";
      }
      this.set(prefix + "status", status);
      if (result.score !== null) {
        this.set(prefix + "score.min", "0");
        this.set(prefix + "score.max", "100");
        this.set(prefix + "score.raw", String(Math.round(result.score * 100)));
      }
    },
    objectiveIds: function () {
      var count = parseInt(this.get("cmi.objectives._count"), 10) || 0;
      var ids = [];
      for (var index = 0; index < count; index += 1) {
        ids.push(this.get("cmi.objectives." + index + ".id"));
      }
      return ids;
    },
    leave: function (met, seconds) {
      this.set("cmi.core.exit", met ? "" : "suspend");
      this.set("cmi.core.session_time", sessionTime12(seconds));
    }
  };

  function Scorm2004(api) {
    this.api = api;
  }
  Scorm2004.prototype = {
    initialize: function () { return String(this.api.Initialize("")) === "true"; },
    get: function (name) { return String(this.api.GetValue(name) || ""); },
    set: function (name, value) { return String(this.api.SetValue(name, String(value))) === "true"; },
    commit: function () { return String(this.api.Commit("")) === "true"; },
    finish: function () { return String(this.api.Terminate("")) === "true"; },
    mode: function () { return this.get("cmi.mode"); },
    location: function () { return this.get("cmi.location"); },
    setLocation: function (value) { this.set("cmi.location", value); },
    start: function () {
      var status = this.get("cmi.completion_status");
      if (status === "" || status === "not attempted" || status === "unknown") {
        this.set("cmi.completion_status", "incomplete");
      }
    },
    progress: function (result) {
      this.set("cmi.progress_measure", result.progress.toFixed(4));
    },
    report: function (result) {
      if (result.score !== null) {
        this.set("cmi.score.scaled", result.score.toFixed(4));
        this.set("cmi.score.min", "0");
        this.set("cmi.score.max", "100");
        this.set("cmi.score.raw", String(Math.round(result.score * 100)));
      }
      if (result.complete) {
        this.set("cmi.completion_status", "completed");
      }
      if (result.met && config.minScore !== null) {
        this.set("cmi.success_status", "passed");
      } else if (result.failed) {
        this.set("cmi.success_status", "failed");
      }
    },
    objective: function (index, competence, result) {
      // The objective of a competence is satisfied when the module's rule is met: that is the evidence Tosca
      // records for it. The manifest maps it to a global objective named by the competence's URI.
      var prefix = "cmi.objectives." + index + ".";
      this.set(prefix + "id", competence.id);
      this.set(prefix + "completion_status", result.met ? "completed" : "incomplete");
      this.set(prefix + "progress_measure", result.progress.toFixed(4));
      if (result.met) {
        this.set(prefix + "success_status", "passed");
      } else if (result.failed) {
        this.set(prefix + "success_status", "failed");
      }
      if (result.score !== null) {
        this.set(prefix + "score.scaled", result.score.toFixed(4));
      }
    },
    objectiveIds: Scorm12.prototype.objectiveIds,
    leave: function (met, seconds) {
      this.set("cmi.exit", met ? "normal" : "suspend");
      this.set("cmi.session_time", "PT" + Math.max(0, Math.round(seconds)) + "S");
    }
  };

  function sessionTime12(seconds) {
    var total = Math.max(0, Math.round(seconds));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var rest = total % 60;
    function two(value) { return (value < 10 ? "0" : "") + value; }
    return (hours < 10 ? "000" : hours < 100 ? "00" : hours < 1000 ? "0" : "") + hours + ":" + two(minutes) + ":" +
      two(rest);
  }

  // -- state: what the learner did, kept in suspend_data ------------------------------------------------

  var pages = config.pages;
  var state = { page: 0, viewed: {}, quizzes: {} };

  function encodeState(withSelections) {
    var viewed = "";
    var quizzes = [];
    for (var index = 0; index < pages.length; index += 1) {
      viewed += state.viewed[pages[index].id] ? "1" : "0";
      var quiz = state.quizzes[pages[index].id];
      if (quiz) {
        var entry = [index, quiz.attempts, quiz.best];
        if (withSelections) {
          entry.push(quiz.selected.join(" "));
        }
        quizzes.push(entry);
      }
    }
    return JSON.stringify({ v: 1, d: viewed, q: quizzes });
  }

  function suspendData() {
    var data = encodeState(true);
    if (data.length > config.suspendLimit) {
      data = encodeState(false); // what was chosen is the first thing to go: attempts and scores are kept
    }
    return data.length > config.suspendLimit ? "" : data;
  }

  function restore(data, location) {
    try {
      var saved = JSON.parse(data);
      if (saved && saved.v === 1) {
        for (var index = 0; index < pages.length && index < saved.d.length; index += 1) {
          if (saved.d.charAt(index) === "1") {
            state.viewed[pages[index].id] = true;
          }
        }
        (saved.q || []).forEach(function (entry) {
          var page = pages[entry[0]];
          if (page && page.kind === "quiz") {
            state.quizzes[page.id] = {
              attempts: Number(entry[1]) || 0,
              best: Number(entry[2]) || 0,
              selected: entry[3] ? String(entry[3]).split(" ") : []
            };
          }
        });
      }
    } catch (error) {
      // Data this script did not write (or a truncated copy): start afresh rather than fail.
    }
    var page = parseInt(location, 10);
    if (page >= 0 && page < pages.length) {
      state.page = page;
    }
  }

  // -- the completion rule (as xblocks/blocks/rule.py evaluates it) --------------------------------------

  function isDone(page) {
    if (page.kind === "quiz") {
      return Boolean(state.quizzes[page.id] && state.quizzes[page.id].attempts > 0);
    }
    return Boolean(state.viewed[page.id]);
  }

  function attemptsLeft(page) {
    if (!page.maxAttempts) {
      return null;
    }
    var quiz = state.quizzes[page.id];
    return Math.max(0, page.maxAttempts - (quiz ? quiz.attempts : 0));
  }

  function evaluate() {
    var required = 0;
    var done = 0;
    var weighted = 0;
    var weights = 0;
    var canImprove = false;
    pages.forEach(function (page) {
      if (!page.counts) {
        return;
      }
      if (page.required) {
        required += 1;
        done += isDone(page) ? 1 : 0;
      }
      if (page.kind === "quiz") {
        var quiz = state.quizzes[page.id];
        weights += page.weight;
        weighted += page.weight * (quiz ? quiz.best : 0);
        if (attemptsLeft(page) !== 0 && !(quiz && quiz.best >= 1)) {
          canImprove = true;
        }
      }
    });
    var score = weights ? Math.round((weighted / weights) * 10000) / 10000 : null;
    var complete = done === required;
    var passed = config.minScore === null || score === null ? null : score >= config.minScore - 1e-9;
    return {
      required: required,
      done: done,
      progress: required ? done / required : 1,
      score: score,
      complete: complete,
      met: complete && passed !== false,
      failed: complete && passed === false && !canImprove
    };
  }

  // -- talking to the LMS -------------------------------------------------------------------------------

  var lms = null;
  var recording = false;
  var finished = false;
  var startedAt = Date.now();
  var reported = { met: false, failed: false };

  function connect(api) {
    lms = config.version === "2004" ? new Scorm2004(api) : new Scorm12(api);
    if (!lms.initialize()) {
      lms = null;
      return;
    }
    var mode = lms.mode();
    // An empty mode is what many LMSs send: it means normal. Browse and review never change the record.
    recording = mode === "" || mode === "normal";
    restore(lms.get("cmi.suspend_data"), lms.location());
    if (recording) {
      lms.start();
      writeObjectives(evaluate());
      lms.commit();
    }
  }

  function writeObjectives(result) {
    if (!config.competences.length) {
      return;
    }
    var ids = lms.objectiveIds();
    config.competences.forEach(function (competence) {
      var index = ids.indexOf(competence.id);
      if (index < 0) {
        index = ids.length;
        ids.push(competence.id);
      }
      lms.objective(index, competence, result);
    });
  }

  function saveProgress() {
    if (!lms || !recording || finished) {
      return;
    }
    var result = evaluate();
    lms.setLocation(String(state.page));
    lms.set("cmi.suspend_data", suspendData());
    lms.progress(result);
    // Status is set the moment the rule is met (or can no longer be), and once: never guessed on unload.
    if ((result.met && !reported.met) || (result.failed && !reported.failed)) {
      lms.report(result);
      writeObjectives(result);
      reported.met = result.met;
      reported.failed = result.failed;
    } else if (result.score !== null && !result.met) {
      lms.report({ score: result.score, met: false, failed: false, complete: result.complete });
    }
    lms.commit();
  }

  function leave() {
    if (!lms || finished) {
      return;
    }
    if (recording) {
      saveProgress();
      lms.leave(reported.met, (Date.now() - startedAt) / 1000);
      lms.commit();
    }
    finished = true;
    lms.finish();
  }

  // -- the pages ----------------------------------------------------------------------------------------

  var sections = document.querySelectorAll("[data-tosca-page]");
  var previous = document.getElementById("tosca-previous");
  var next = document.getElementById("tosca-next");
  var position = document.getElementById("tosca-position");
  var statusLine = document.getElementById("tosca-status");
  var notice = document.getElementById("tosca-notice");
  var pageLinks = document.querySelectorAll("[data-tosca-goto]");

  function show(index, focus) {
    state.page = index;
    for (var each = 0; each < sections.length; each += 1) {
      sections[each].hidden = each !== index;
    }
    for (var link = 0; link < pageLinks.length; link += 1) {
      if (Number(pageLinks[link].getAttribute("data-tosca-goto")) === index) {
        pageLinks[link].setAttribute("aria-current", "page");
      } else {
        pageLinks[link].removeAttribute("aria-current");
      }
    }
    if (previous) {
      previous.disabled = index === 0;
    }
    if (next) {
      next.disabled = index === pages.length - 1;
    }
    if (position) {
      position.textContent = text.position.replace("%(page)s", index + 1).replace("%(pages)s", pages.length);
    }
    if (pages[index].kind === "html") {
      state.viewed[pages[index].id] = true;
    }
    if (focus) {
      var heading = sections[index].querySelector("h2");
      if (heading) {
        heading.focus();
      }
    }
    update();
  }

  function update() {
    var result = evaluate();
    pages.forEach(function (page, index) {
      var mark = document.getElementById("tosca-done-" + index);
      if (mark) {
        mark.hidden = !isDone(page);
      }
    });
    if (statusLine) {
      var message = text.progress.replace("%(done)s", result.done).replace("%(required)s", result.required);
      if (result.met) {
        message = text.met;
      } else if (result.failed) {
        message = text.failed;
      } else if (result.complete && result.score !== null) {
        message = text.below.replace("%(score)s", Math.round(result.score * 100))
          .replace("%(min)s", Math.round(config.minScore * 100));
      }
      statusLine.textContent = message;
    }
    saveProgress();
  }

  function setupQuiz(page, index) {
    var form = sections[index].querySelector("form[data-tosca-quiz]");
    if (!form) {
      return;
    }
    var feedback = form.querySelector("[data-tosca-feedback]");
    var attemptsLine = form.querySelector("[data-tosca-attempts]");
    var button = form.querySelector("button[type=submit]");
    var inputs = form.querySelectorAll("input[name]");

    function render(message) {
      var quiz = state.quizzes[page.id];
      var left = attemptsLeft(page);
      if (quiz) {
        for (var each = 0; each < inputs.length; each += 1) {
          inputs[each].checked = quiz.selected.indexOf(inputs[each].value) >= 0;
        }
      }
      if (attemptsLine) {
        attemptsLine.textContent = left === null ? "" :
          (left === 1 ? text.attemptLeft : text.attemptsLeft).replace("%(left)s", left);
      }
      var closed = left === 0 || Boolean(quiz && quiz.best >= 1);
      button.disabled = closed;
      if (message !== undefined) {
        feedback.textContent = "";
        var title = document.createElement("p");
        title.className = "tosca-verdict";
        title.textContent = message;
        feedback.appendChild(title);
        (quiz ? quiz.selected : []).forEach(function (choiceId) {
          var said = page.feedback[choiceId];
          if (said) {
            var item = document.createElement("div");
            item.className = "tosca-choice-feedback";
            item.innerHTML = said; // sanitized by Tosca when the course was written, and again on export
            feedback.appendChild(item);
          }
        });
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var selected = [];
      for (var each = 0; each < inputs.length; each += 1) {
        if (inputs[each].checked) {
          selected.push(inputs[each].value);
        }
      }
      if (!selected.length) {
        feedback.textContent = text.choose;
        return;
      }
      if (attemptsLeft(page) === 0) {
        return;
      }
      var right = page.correct.slice().sort().join(" ");
      var score = selected.slice().sort().join(" ") === right ? 1 : 0;
      var quiz = state.quizzes[page.id] || { attempts: 0, best: 0, selected: [] };
      quiz.attempts += 1;
      quiz.best = Math.max(quiz.best, score);
      quiz.selected = selected;
      state.quizzes[page.id] = quiz;
      var left = attemptsLeft(page);
      render(score === 1 ? text.correct : left === 0 ? text.wrongLast : text.wrong);
      update();
    });
    render(state.quizzes[page.id] ? "" : undefined);
  }

  function setupVideo(page, index) {
    var video = sections[index].querySelector("video");
    var button = sections[index].querySelector("[data-tosca-watched]");
    function watched() {
      if (!state.viewed[page.id]) {
        state.viewed[page.id] = true;
        if (button) {
          button.disabled = true;
          button.textContent = text.watched;
        }
        update();
      }
    }
    if (video) {
      video.addEventListener("ended", watched);
    }
    if (button) {
      button.addEventListener("click", watched);
      if (state.viewed[page.id]) {
        button.disabled = true;
        button.textContent = text.watched;
      }
    }
  }

  function start(api) {
    if (api) {
      connect(api);
    }
    if (!lms && notice) {
      notice.hidden = false;
    }
    pages.forEach(function (page, index) {
      if (page.kind === "quiz") {
        setupQuiz(page, index);
      } else if (page.kind === "video") {
        setupVideo(page, index);
      }
    });
    if (previous) {
      previous.addEventListener("click", function () { show(Math.max(0, state.page - 1), true); });
    }
    if (next) {
      next.addEventListener("click", function () { show(Math.min(pages.length - 1, state.page + 1), true); });
    }
    for (var link = 0; link < pageLinks.length; link += 1) {
      pageLinks[link].addEventListener("click", function (event) {
        show(Number(event.currentTarget.getAttribute("data-tosca-goto")), true);
      });
    }
    window.addEventListener("pagehide", leave);
    show(state.page, false);
  }

  // The API may be injected a moment after the page loads: look again a few times before going without it.
  var tries = 0;
  (function look() {
    var api = discoverApi();
    if (api || tries >= RETRIES) {
      start(api);
      return;
    }
    tries += 1;
    window.setTimeout(look, RETRY_DELAY_MS);
  })();

  window.ToscaSco = { evaluate: evaluate, leave: leave };
})();
