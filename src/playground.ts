/**
 * GET /graphql in a browser: GraphiQL served from the installed @graphql-yoga/graphiql bundle, so the
 * playground works offline (no CDN).
 */
import path from 'node:path';
import express, { type Router } from 'express';

const distDir = path.dirname(require.resolve('@graphql-yoga/graphiql'));

export const PLAYGROUND_ASSETS_PATH = '/playground-assets';

export function playgroundHtml(endpoint: string): string {
  const assets = PLAYGROUND_ASSETS_PATH;
  const options = JSON.stringify({ endpoint, title: 'Postroom', defaultQuery: DEFAULT_QUERY });
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Postroom GraphQL</title>
    <link rel="stylesheet" href="${assets}/graphiql.css" />
  </head>
  <body class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root" style="height: 100vh"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          var files = { json: 'json.worker.bundle.js', graphql: 'graphql.worker..bundle.js' };
          return '${assets}/monacoeditorwork/' + (files[label] || 'editor.worker.bundle.js');
        },
      };
    </script>
    <script src="${assets}/yoga-graphiql.umd.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${options});
    </script>
  </body>
</html>`;
}

const DEFAULT_QUERY = `# Postroom: outgoing-mail connections.
# Every request needs the API key: put {"Authorization": "Bearer <key>"} in the Headers tab.
query Connections {
  connections(first: 20) {
    totalCount
    nodes { id name isDefault ... on SmtpConnection { url tls fromAddress } }
  }
}
`;

export function playgroundAssets(): Router {
  const router = express.Router();
  router.use(PLAYGROUND_ASSETS_PATH, express.static(distDir, { immutable: true, maxAge: '1d', index: false }));
  return router;
}
