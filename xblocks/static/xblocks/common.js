/* Shared by the Tosca blocks: a JSON POST to a handler with Django's CSRF token, in any runtime. */
window.ToscaPost = window.ToscaPost || function (url, payload) {
  var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": match ? decodeURIComponent(match[1]) : ""},
    body: JSON.stringify(payload || {})
  }).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      data._ok = response.ok;
      if (!response.ok && !data.error) { data.error = response.status + " " + response.statusText; }
      return data;
    });
  });
};
window.ToscaProgressed = window.ToscaProgressed || function (element) {
  element.dispatchEvent(new CustomEvent("tosca:progress", {bubbles: true}));
};
