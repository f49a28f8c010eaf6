// Copies the browser builds the pages load from node_modules into vendor/ (served as
// /static/vendor/...). No bundler: each library ships a build a browser can load as is.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const client = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = {
  // .js rather than .mjs: every MIME table serves .js as JavaScript (modules need that).
  "hls.esm.js": "hls.js/dist/hls.mjs",
  "hls.worker.js": "hls.js/dist/hls.worker.js",
  // janus.js reads a global `adapter`: adapter.js is a classic script loaded before it.
  "janus.es.js": "janus-gateway/npm/dist/janus.es.js",
  "adapter.js": "webrtc-adapter/out/adapter.js",
  "socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
  "tus.min.js": "tus-js-client/dist/tus.min.js",
};
mkdirSync(join(client, "vendor"), { recursive: true });
for (const [name, source] of Object.entries(files)) {
  copyFileSync(join(client, "node_modules", source), join(client, "vendor", name));
}
console.log(`vendor: ${Object.keys(files).join(", ")}`);
