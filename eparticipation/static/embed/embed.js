/* The agency's widget, put where this <script> tag is (served as /embed.js):

     <script src="https://SITE/embed.js" data-agency="CODE" data-lang="fa" data-theme="light"
             data-consultation="ID" data-title="…" async></script>

   It inserts an <iframe> of SITE/embed/CODE/ and sets its height from the messages of that frame (frame.js).
   No dependencies; without it, the <iframe> snippet shows the same page at a fixed height. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var source = new URL(script.src, document.baseURI);
  var data = script.dataset;
  if (!/^[a-z][a-z0-9-]{1,31}$/.test(data.agency || "")) {
    return;
  }
  var query = new URLSearchParams();
  var language = data.lang === "en" ? "en" : "fa";
  query.set("lang", language);
  query.set("theme", data.theme === "dark" ? "dark" : "light");
  if (/^[0-9]{1,18}$/.test(data.consultation || "")) {
    query.set("consultation", data.consultation);
  }
  var base = source.href.replace(/embed\.js([?#].*)?$/, "");
  var frame = document.createElement("iframe");
  frame.src = base + "embed/" + data.agency + "/?" + query.toString();
  frame.title = data.title || (language === "fa" ? "رایزنی‌های باز" : "Open consultations");
  frame.setAttribute("loading", "lazy");
  frame.style.display = "block";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "480px";
  script.parentNode.insertBefore(frame, script);
  window.addEventListener("message", function (event) {
    var message = event.data;
    if (event.source !== frame.contentWindow || event.origin !== source.origin || !message ||
        message.type !== "eparticipation-embed-height") {
      return;
    }
    var height = Number(message.height);
    if (height > 0 && height < 20000) {
      frame.style.height = Math.ceil(height) + "px";
    }
  });
})();
