function ToscaEdit(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector("form");
  var message = root.querySelector(".tosca-message");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var payload = {};
    Array.prototype.forEach.call(form.elements, function (field) { if (field.name) { payload[field.name] = field.value; } });
    window.ToscaPost(runtime.handlerUrl(root, "studio_submit"), payload).then(function (data) {
      message.textContent = data._ok ? (data.message || "\u2713") : data.error;
    });
  });
}
