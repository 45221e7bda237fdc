/* The competence picker shared by the module editor and the aside: search the repertory, add, set role, remove. */
window.ToscaPicker = window.ToscaPicker || function (root, searchUrl) {
  "use strict";
  var form = root.querySelector("form") || root;
  var list = root.querySelector(".tosca-tag-list");
  var results = root.querySelector(".tosca-search-results");
  var search = root.querySelector(".tosca-search");
  var labels = form.dataset;
  var timer = null;
  function addTag(item) {
    if (list.querySelector('li[data-uri="' + CSS.escape(item.uri) + '"]')) { return; }
    var li = document.createElement("li");
    li.dataset.uri = item.uri;
    var code = document.createElement("span");
    code.className = "tosca-code";
    code.textContent = item.code;
    li.appendChild(code);
    li.appendChild(document.createTextNode(" " + item.label + " "));
    var label = document.createElement("label");
    label.textContent = labels.labelsRole + " ";
    var select = document.createElement("select");
    select.className = "tosca-role-select";
    [["develops", labels.labelsDevelops], ["assesses", labels.labelsAssesses]].forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      select.appendChild(option);
    });
    label.appendChild(select);
    li.appendChild(label);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "tosca-remove";
    remove.textContent = labels.labelsRemove;
    remove.setAttribute("aria-label", labels.labelsRemove + " " + item.code);
    li.appendChild(remove);
    list.appendChild(li);
  }
  list.addEventListener("click", function (event) {
    if (event.target.classList.contains("tosca-remove")) { event.target.closest("li").remove(); }
  });
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var query = search.value.trim();
      results.textContent = "";
      if (!query) { return; }
      fetch(searchUrl + "?q=" + encodeURIComponent(query), {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          (data.results || []).forEach(function (item) {
            var li = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = labels.labelsAdd + ": " + item.code + " " + item.label;
            button.addEventListener("click", function () { addTag(item); });
            li.appendChild(button);
            results.appendChild(li);
          });
        });
    }, 250);
  });
  return function tags() {
    return Array.prototype.map.call(list.querySelectorAll("li[data-uri]"), function (li) {
      return {uri: li.dataset.uri, role: li.querySelector(".tosca-role-select").value};
    });
  };
};
