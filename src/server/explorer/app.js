// GraphiQL as the gateway serves it (/graphiql): the Authorization header of the header
// editor goes with every HTTP request, and as the connection parameter of the graphql-ws
// client for subscriptions (a WebSocket carries no headers; the client is made again when the
// key changes). Plain browser JavaScript, no build: GraphiQL, React and graphql-ws are
// globals of their browser builds, loaded before this file.
(function () {
  var endpoint = new URL('/graphql', location.href).href;
  var socketEndpoint = endpoint.replace(/^http/, 'ws');
  var current = { key: undefined, http: null, socket: null };

  function authorizationOf(headers) {
    for (var name in headers || {}) if (name.toLowerCase() === 'authorization') return String(headers[name]);
    return undefined;
  }

  // Whether the operation to run is a subscription: an anonymous one too, which GraphiQL's
  // own fetcher would send over HTTP. Read from the text sent: the parsed document GraphiQL
  // passes along can be the one before the last edit.
  function isSubscription(params) {
    var text = String(params.query || '').replace(/#[^\n]*/g, '');
    if (params.operationName) return new RegExp('\\bsubscription\\s+' + params.operationName + '\\b').test(text);
    return /^\s*subscription\b/.test(text);
  }

  function fetcher(params, options) {
    var key = authorizationOf(options && options.headers);
    if (!current.http || current.key !== key) {
      if (current.socket) current.socket.dispose();
      current.socket = graphqlWs.createClient({ url: socketEndpoint, lazy: true, retryAttempts: 0, connectionParams: key ? { authorization: key } : {} });
      current.http = GraphiQL.createFetcher({ url: endpoint, enableIncrementalDelivery: false });
      current.key = key;
    }
    if (isSubscription(params)) {
      return current.socket.iterate({ query: params.query, variables: params.variables || undefined, operationName: params.operationName || undefined });
    }
    return current.http(params, options);
  }

  if (new URLSearchParams(location.search).get('from') === 'sandbox') {
    var notice = document.getElementById('notice');
    notice.textContent = 'Apollo Sandbox could not be loaded: this browser does not reach Apollo\u2019s CDN. This is GraphiQL, served by the gateway itself.';
    notice.hidden = false;
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
      defaultQuery:
        '# Put your API key in the Headers tab below, then run:\n{\n  viewer { accountId role }\n  events(first: 5) { edges { node { id eventTime actionName message } } }\n}\n',
    }),
  );
})();
