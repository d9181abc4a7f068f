// Runs on Apollo Sandbox's landing page (/graphql in a browser) before Sandbox's own script,
// which comes from Apollo's CDN: when that script does not load (no internet), or no Sandbox
// appears in time, the page says so and opens GraphiQL, which the gateway serves itself.
(function () {
  var gone = false;
  function fallback(reason) {
    if (gone || document.querySelector('#embeddableSandbox iframe')) return;
    gone = true;
    document.title = 'Opening GraphiQL';
    document.body.textContent =
      'Apollo Sandbox cannot be loaded (' + reason + '): this browser does not reach Apollo\u2019s CDN. Opening GraphiQL, served by the gateway itself\u2026';
    setTimeout(function () {
      location.replace('/graphiql?from=sandbox');
    }, 1500);
  }
  window.addEventListener(
    'error',
    function (event) {
      var source = event.target && event.target.src;
      if (source && source.indexOf('embeddable-sandbox') >= 0) fallback('its script did not load');
    },
    true,
  );
  setTimeout(function () {
    if (!window.EmbeddedSandbox) fallback('its script did not arrive in time');
  }, 8000);
})();
