#!/usr/bin/env node
// kioskctl: the field engineer's tool, compiled (npm run build writes dist/).
import('../dist/cli/main.js').catch((err) => {
  process.stderr.write(`kioskctl: cannot start (${err && err.code ? err.code : err}); run "npm run build" first\n`);
  process.exit(1);
});
