function ToscaQuiz(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector(".tosca-quiz-form");
  var message = root.querySelector(".tosca-message");
  var attempts = root.querySelector(".tosca-attempts");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var selected = Array.prototype.map.call(form.querySelectorAll("input[name=choice]:checked"),
      function (input) { return input.value; });
    window.ToscaPost(runtime.handlerUrl(root, "submit"), {selected: selected}).then(function (data) {
      root.querySelectorAll(".tosca-feedback").forEach(function (box) { box.textContent = ""; });
      if (!data._ok) { message.textContent = data.error; return; }
      data.feedback.forEach(function (item) {
        var box = root.querySelector('.tosca-feedback[data-choice="' + CSS.escape(item.id) + '"]');
        if (!box) { return; }
        var mark = document.createElement("span");
        mark.className = item.correct ? "tosca-ok" : "tosca-ko";
        mark.textContent = item.correct ? "\u2713 " : "\u2717 ";
        box.appendChild(mark);
        var text = document.createElement("span");
        text.innerHTML = item.feedback;  /* sanitized on the server */
        box.appendChild(text);
      });
      message.textContent = data.message;
      if (data.attempts_text !== null && attempts) { attempts.textContent = data.attempts_text; }
      if (data.attempts_left === 0) { form.querySelector("button[type=submit]").disabled = true; }
      window.ToscaProgressed(root);
    });
  });
}
