function ToscaHtml(runtime, element, args) {
  "use strict";
  if (args && args.viewed) { return; }
  var root = element.jquery ? element[0] : element;
  var done = false;
  function markViewed() {
    if (done) { return; }
    done = true;
    window.ToscaPost(runtime.handlerUrl(root, "mark_viewed")).then(function (data) {
      if (data._ok) {
        root.setAttribute("data-viewed", "true");
        window.ToscaProgressed(root);
      } else {
        done = false;
      }
    });
  }
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { if (entry.isIntersecting) { observer.disconnect(); markViewed(); } });
    });
    observer.observe(root);
  } else {
    markViewed();
  }
}
