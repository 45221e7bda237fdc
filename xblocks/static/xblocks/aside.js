function ToscaCompetencesAside(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector("form");
  var message = root.querySelector(".tosca-message");
  var tags = window.ToscaPicker(root, runtime.handlerUrl(root, "search_competences"));
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.ToscaPost(runtime.handlerUrl(root, "save_tags"), {competences: tags()}).then(function (data) {
      message.textContent = data._ok ? data.message : data.error;
    });
  });
}
