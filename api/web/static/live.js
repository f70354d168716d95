// live.js: a meeting's page follows its events while the meeting runs.
//
// The page includes it with <script src="/ui/static/live.js" defer
// data-stream="…/stream?since=SEQ">, SEQ the store's index when the page
// was asked for. It opens an EventSource on the desk's stream of the
// meeting from there (same origin; the session cookie authenticates it,
// and the browser resumes after the last event id by itself when the
// connection drops), and when an event arrives it fetches the page again and swaps in
// the sections that show claims, so that answers given elsewhere show up
// at the meeting. Nothing is swapped while someone is typing in a section.
// Without this script (or without EventSource) the page works as it is:
// every change is a form and a reload.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = me.getAttribute("data-stream");
  var ids = (me.getAttribute("data-sections") || "waiting proposals confirmed unmet closed").split(/\s+/);
  if (!url) {
    return;
  }
  // The page to fetch again: the stream's page (…/stream → …) with this
  // page's query (what is shown may be the answer to a form, whose
  // address is not the page's).
  var page = url.replace(/\/stream(\?.*)?$/, "") + location.search;
  var timer = null;
  var busy = false;

  // typing reports whether a field of a section being swapped holds text
  // the person has not sent yet.
  function typing() {
    var a = document.activeElement;
    if (!a || !/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) {
      return false;
    }
    for (var i = 0; i < ids.length; i++) {
      var sec = document.getElementById(ids[i]);
      if (sec && sec.contains(a)) {
        return true;
      }
    }
    return false;
  }

  function swap(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var whole = false;
    ids.forEach(function (id) {
      var have = document.getElementById(id);
      var got = next.getElementById(id);
      if (have && got) {
        have.replaceWith(document.importNode(got, true));
      } else if (have || got) {
        whole = true; // a section came or went: the page's shape changed
      }
    });
    if (whole) {
      location.assign(page);
    }
  }

  function refresh() {
    timer = null;
    if (busy || typing()) {
      later();
      return;
    }
    busy = true;
    fetch(page, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("status " + r.status);
        }
        return r.text();
      })
      .then(swap)
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }

  // later gathers the events of half a second into one refresh.
  function later() {
    if (!timer) {
      timer = setTimeout(refresh, 500);
    }
  }

  var es = new EventSource(url);
  es.onmessage = later;
})();
