#!/usr/bin/env node
// The `kubeglass` command: runs the built CLI bundle (npm install builds it via "prepare").
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('kubeglass: the command is not built yet; run "npm run build" in the Kubeglass folder');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
