#!/usr/bin/env node
// kioskd: runs the compiled service (npm run build writes dist/).
import('../dist/runtime/main.js').catch((err) => {
  process.stderr.write(`kioskd: cannot start (${err && err.code ? err.code : err}); run "npm run build" first\n`);
  process.exit(1);
});
