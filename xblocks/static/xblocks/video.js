function ToscaVideo(runtime, element, args) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var button = root.querySelector(".tosca-mark-watched");
  var message = root.querySelector(".tosca-message");
  var video = root.querySelector("video");
  var sent = !!(args && args.watched);
  function markWatched() {
    if (sent) { return; }
    sent = true;
    window.ToscaPost(runtime.handlerUrl(root, "mark_watched")).then(function (data) {
      if (!data._ok) { sent = false; message.textContent = data.error; return; }
      message.textContent = data.message;
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      window.ToscaProgressed(root);
    });
  }
  if (video) { video.addEventListener("ended", markWatched); }
  if (button) { button.addEventListener("click", markWatched); }
}
