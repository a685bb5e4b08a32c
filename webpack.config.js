/* Webpack configuration for the Rebal Excel add-in (shared runtime), in the style of
 * Microsoft's Office add-in template.
 *
 *   npm run build       production: minified, manifest URLs rewritten to urlProd
 *   npm run build:dev   development: source maps, manifest kept on https://localhost:3000/
 *   npm run dev-server  https dev server on port 3000
 *
 * dist/: functions.js, functions.json (custom functions metadata), taskpane.html (the shared
 * runtime page: loads office.js, functions.js and taskpane.js), taskpane.js, taskpane.css,
 * support.html, assets/, manifest.xml; compare-worker.js (the pane's "Compare policies" Web Worker,
 * bundled by webpack 5 from `new Worker(new URL("./compare.worker.ts", import.meta.url))`).
 */
const fs = require("fs");
const os = require("os");
const path = require("path");
const webpack = require("webpack");
const CopyWebpackPlugin = require("copy-webpack-plugin");
const CustomFunctionsMetadataPlugin = require("custom-functions-metadata-plugin");
const HtmlWebpackPlugin = require("html-webpack-plugin");

const MarkdownIt = require("markdown-it");
const pkg = require("./package.json");

/** docs/formulas.md as the static help page the functions' help links point to (formulas.html). */
function formulasPage(markdown) {
  const md = new MarkdownIt({ html: false, linkify: true });
  // Anchors #weights, #drift... from "## REBAL.WEIGHTS(...)" headings.
  md.core.ruler.push("anchors", (state) => {
    for (let i = 0; i < state.tokens.length; i++) {
      const t = state.tokens[i];
      if (t.type !== "heading_open") continue;
      const m = /REBAL\.([A-Z]+)/.exec(state.tokens[i + 1].content);
      const id = m ? m[1].toLowerCase() : state.tokens[i + 1].content.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      t.attrSet("id", id);
    }
  });
  const body = md.render(markdown.toString());
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; img-src 'self'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>REBAL formula reference</title><link rel="stylesheet" href="taskpane.css"></head>
<body class="doc">${body}</body></html>
`;
}

/** Where the add-in is served from during development (the URLs written in manifest.xml). */
const urlDev = "https://localhost:3000/";
/** Where the production build is hosted. PLACEHOLDER: set it before publishing (see README). */
const urlProd = "https://rebal.example.com/";
const devServerPort = Number(process.env.npm_package_config_dev_server_port || 3000);

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** manifest.xml for production: every dev URL rewritten (global replace, not just the first). */
function toProductionUrls(content) {
  return content.toString().replace(new RegExp(escapeRegExp(urlDev), "g"), urlProd);
}

/** Production: dev URLs in functions.json (helpUrl) rewritten too, like the manifest. */
class ProductionUrlsPlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("ProductionUrlsPlugin", (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: "ProductionUrlsPlugin", stage: webpack.Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE },
        (assets) => {
          if (!assets["functions.json"]) return;
          const text = toProductionUrls(assets["functions.json"].source());
          compilation.updateAsset("functions.json", new webpack.sources.RawSource(text));
        },
      );
    });
  }
}

/**
 * HTTPS options for the dev server. Uses the Office dev certificates only when they already
 * exist and are trusted (office-addin-dev-certs would otherwise try to install them with sudo);
 * else lets webpack-dev-server generate a self-signed certificate.
 */
async function getHttpsServer() {
  const dir = path.join(os.homedir(), ".office-addin-dev-certs");
  const files = ["ca.crt", "localhost.crt", "localhost.key"].map((f) => path.join(dir, f));
  if (files.every((f) => fs.existsSync(f))) {
    try {
      const devCerts = require("office-addin-dev-certs");
      if (devCerts.verifyCertificates()) {
        const options = await devCerts.getHttpsServerOptions();
        return { type: "https", options: { ca: options.ca, key: options.key, cert: options.cert } };
      }
    } catch (err) {
      console.warn(`office-addin-dev-certs unusable (${err.message}); using a self-signed certificate.`);
    }
  }
  return "https";
}

/**
 * Records what the build was made from in .cache/build-info.json (not deployed): mode, time and
 * the project files it read, so tests can refuse a stale or development dist/ (test/support/dist.ts).
 */
class BuildInfoPlugin {
  constructor(mode) {
    this.mode = mode;
  }
  apply(compiler) {
    // The start of the compilation: a file changed after it may not be in the bundle.
    let startedAt = Date.now();
    compiler.hooks.thisCompilation.tap("BuildInfoPlugin", () => {
      startedAt = Date.now();
    });
    compiler.hooks.afterEmit.tap("BuildInfoPlugin", (compilation) => {
      const files = [...compilation.fileDependencies]
        .filter((f) => f.startsWith(__dirname + path.sep) && !f.includes(`${path.sep}node_modules${path.sep}`))
        .map((f) => path.relative(__dirname, f))
        .sort();
      const dir = path.join(__dirname, ".cache");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, "build-info.json"),
        JSON.stringify({ mode: this.mode, builtAt: startedAt, files }, null, 1),
      );
    });
  }
}

module.exports = async (env, options) => {
  const dev = options.mode === "development";
  const serving = Boolean(env && env.WEBPACK_SERVE);

  return {
    // No eval-based source maps: the task pane's Content-Security-Policy forbids eval.
    devtool: dev ? "source-map" : false,
    entry: {
      functions: "./src/functions/functions.ts",
      taskpane: "./src/taskpane/taskpane.ts",
    },
    output: {
      path: path.resolve(__dirname, "dist"),
      filename: "[name].js",
      assetModuleFilename: "[name].[contenthash:8][ext]",
      clean: true,
    },
    target: ["web", "es2020"],
    resolve: {
      extensions: [".ts", ".tsx", ".js"],
    },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: { loader: "ts-loader", options: { transpileOnly: true } },
        },
      ],
    },
    performance: {
      // dist/functions.js must stay <= 300 KiB (checked by test/browser/functions.test.ts); the
      // pane's taskpane.js (React + Fluent UI) has a 1 MiB budget.
      hints: dev ? false : "warning",
      maxEntrypointSize: 1024 * 1024,
      maxAssetSize: 300 * 1024,
      assetFilter: (file) => file === "functions.js",
    },
    plugins: [
      // Emscripten builds (e.g. the lazily loaded `highs` solver) import Node built-ins only on
      // their Node code path; in the browser those imports are never executed.
      new webpack.IgnorePlugin({ resourceRegExp: /^node:/ }),
      new webpack.DefinePlugin({
        __REBAL_VERSION__: JSON.stringify(pkg.version),
      }),
      new CustomFunctionsMetadataPlugin({
        output: "functions.json",
        input: "./src/functions/functions.ts",
      }),
      ...(dev ? [] : [new ProductionUrlsPlugin()]),
      new BuildInfoPlugin(dev ? "development" : "production"),
      new HtmlWebpackPlugin({
        filename: "taskpane.html",
        template: "./src/taskpane/taskpane.html",
        // Shared runtime: the one page runs both the custom functions and the pane.
        chunks: ["functions", "taskpane"],
        chunksSortMode: "manual",
      }),
      new CopyWebpackPlugin({
        patterns: [
          { from: "assets/*.png", to: "assets/[name][ext]" },
          { from: "src/taskpane/taskpane.css", to: "taskpane.css" },
          { from: "src/taskpane/support.html", to: "support.html" },
          { from: "docs/formulas.md", to: "formulas.html", transform: formulasPage },
          {
            from: "manifest*.xml",
            to: "[name][ext]",
            transform(content) {
              return dev ? content : toProductionUrls(content);
            },
          },
        ],
      }),
    ],
    devServer: serving
      ? {
          headers: { "Access-Control-Allow-Origin": "*" },
          server: await getHttpsServer(),
          port: devServerPort,
          static: false,
          client: { overlay: { warnings: false, errors: true } },
        }
      : undefined,
  };
};

module.exports.urlDev = urlDev;
module.exports.urlProd = urlProd;
module.exports.toProductionUrls = toProductionUrls;
