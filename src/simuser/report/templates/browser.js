// Conversation browser. Data comes from a JSON script element and reaches the page through
// textContent only: model text is never parsed as HTML.
(function () {
  "use strict";
  var source = document.getElementById("conversations-data");
  if (!source) { return; }
  var conversations = JSON.parse(source.textContent);
  var list = document.getElementById("conversation-list");
  var search = document.getElementById("search");
  var endFilter = document.getElementById("end-filter");
  var count = document.getElementById("match-count");
  var PAGE = 200;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function haystack(c) {
    var parts = [c.id, c.intent, c.end];
    for (var i = 0; i < c.messages.length; i++) { parts.push(c.messages[i].content); }
    return parts.join("\n").toLowerCase();
  }
  var texts = conversations.map(haystack);

  function fill(details, c) {
    details.appendChild(el("div", "intent", c.intent || "(no intent)"));
    if (c.error) { details.appendChild(el("div", "intent", "error: " + c.error)); }
    c.messages.forEach(function (m) {
      var row = el("div", "message " + m.role);
      row.appendChild(el("span", "role", m.role));
      row.appendChild(document.createTextNode(m.content));
      details.appendChild(row);
    });
  }

  function item(c) {
    var details = el("details", "conversation");
    var summary = el("summary");
    var users = c.messages.filter(function (m) { return m.role === "user"; });
    summary.appendChild(document.createTextNode(users.length ? users[0].content.slice(0, 140) : "(no user turn)"));
    summary.appendChild(el("span", "badge", c.end));
    summary.appendChild(el("span", "badge", users.length + " user turns"));
    details.appendChild(summary);
    details.addEventListener("toggle", function () {
      if (details.open && details.childNodes.length === 1) { fill(details, c); }
    });
    return details;
  }

  function render() {
    var query = search.value.trim().toLowerCase();
    var end = endFilter.value;
    var matches = [];
    for (var i = 0; i < conversations.length; i++) {
      if ((end === "" || conversations[i].end === end) && (query === "" || texts[i].indexOf(query) !== -1)) {
        matches.push(conversations[i]);
      }
    }
    list.replaceChildren();
    matches.slice(0, PAGE).forEach(function (c) { list.appendChild(item(c)); });
    if (list.firstChild) {  // show the first match open, so the page never looks empty
      fill(list.firstChild, matches[0]);
      list.firstChild.open = true;
    }
    count.textContent = matches.length + " of " + conversations.length + " conversations" +
      (matches.length > PAGE ? " (first " + PAGE + " listed)" : "");
  }

  search.addEventListener("input", render);
  endFilter.addEventListener("change", render);
  render();
})();
