/* Draws the page's mermaid diagrams (<pre class="mermaid">) as SVG.
 *
 * A classic script, loaded (deferred) after the vendored classic build of
 * mermaid (_static/vendor/mermaid/mermaid.min.js), which defines
 * window.mermaid. No ES module is involved, so the diagrams render offline
 * and when the site is opened from disk (file://), where browsers refuse to
 * load modules. Added by docs/_ext/peermarket_docs/machine_diagrams.py on
 * pages that have a diagram; it replaces sphinxcontrib-mermaid's own script.
 *
 * The diagrams follow furo's light/dark switch: on a change they are drawn
 * again from their source.
 */
(function () {
  "use strict";

  var blocks = [];
  var sources = []; // each block's mermaid source, kept to draw it again
  var drawnDark = null;
  var queue = Promise.resolve();

  function isDark() {
    var theme = document.body.dataset.theme; // furo: "auto", "light" or "dark"
    if (theme === "dark") return true;
    if (theme === "light") return false;
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }

  function draw() {
    var dark = isDark();
    if (dark === drawnDark) return queue;
    drawnDark = dark;
    queue = queue.then(function () {
      blocks.forEach(function (el, i) {
        el.removeAttribute("data-processed");
        el.textContent = sources[i];
      });
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        theme: dark ? "dark" : "default",
        darkMode: dark,
        // The page's own font, named explicitly: mermaid measures the labels
        // with it, so the boxes it lays out fit the text as drawn.
        fontFamily: window.getComputedStyle(document.body).fontFamily,
        state: { nodeSpacing: 60, rankSpacing: 60 },
      });
      return window.mermaid.run({ nodes: blocks });
    }).then(function () {
      document.documentElement.setAttribute("data-peermarket-mermaid", "drawn");
    }).catch(function (error) {
      document.documentElement.setAttribute("data-peermarket-mermaid", "failed");
      console.error("peermarket: a mermaid diagram could not be drawn", error);
    });
    return queue;
  }

  function start() {
    blocks = Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
    if (!blocks.length) return;
    if (!window.mermaid) {
      document.documentElement.setAttribute("data-peermarket-mermaid", "missing");
      console.error("peermarket: mermaid.min.js did not load; diagrams stay as text");
      return;
    }
    sources = blocks.map(function (el) {
      return el.textContent;
    });
    draw();
    new MutationObserver(draw).observe(document.body, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) query.addEventListener("change", draw);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
