function ToscaModuleEdit(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector("form");
  var message = root.querySelector(".tosca-message");
  var tags = window.ToscaPicker(root, runtime.handlerUrl(root, "search_competences"));
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var payload = {
      display_name: form.elements.display_name.value,
      description: form.elements.description.value,
      estimated_hours: form.elements.estimated_hours.value,
      min_percent: form.elements.min_percent.value,
      optional_children: Array.prototype.map.call(form.querySelectorAll("input[name=optional_children]:checked"),
        function (input) { return input.value; }),
      competences: tags()
    };
    window.ToscaPost(runtime.handlerUrl(root, "studio_submit"), payload).then(function (data) {
      message.textContent = data._ok ? data.message : data.error;
    });
  });
}
