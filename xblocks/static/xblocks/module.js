function ToscaModule(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var status = root.querySelector(".tosca-module-status");
  var pending = false;
  function check() {
    if (pending) { return; }
    pending = true;
    window.ToscaPost(runtime.handlerUrl(root, "check")).then(function (data) {
      pending = false;
      if (data._ok && status) { status.innerHTML = data.status; }  /* rendered and escaped on the server */
    }, function () { pending = false; });
  }
  root.addEventListener("tosca:progress", function (event) {
    if (event.target !== root) { check(); }
  });
  var parent = root.parentElement;
  if (root.classList.contains("tosca_checkpoint") || root.querySelector(".tosca-checkpoint")) {
    /* A checkpoint hears its siblings' progress through the enclosing unit. */
    while (parent && !parent.classList.contains("vertical") && parent !== document.body) { parent = parent.parentElement; }
    (parent || document).addEventListener("tosca:progress", function (event) {
      if (!root.contains(event.target)) { check(); }
    });
    var button = root.querySelector(".tosca-check");
    if (button) { button.addEventListener("click", check); }
  }
}
