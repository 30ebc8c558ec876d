/* Inside the widget's frame: tells the page that framed it how tall the widget is, so that /embed.js sizes its
   <iframe> to fit. Only the height is sent, to whoever framed it: the page works the same without it. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var sent = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== sent) {
      sent = height;
      window.parent.postMessage({ type: "eparticipation-embed-height", height: height }, "*");
    }
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  if (window.ResizeObserver) {
    new window.ResizeObserver(send).observe(document.documentElement);
  }
  send();
})();
