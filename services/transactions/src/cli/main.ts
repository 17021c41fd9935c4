#!/usr/bin/env node
// `maison-transactions import <file> --url <service> --token <bearer>`: see import.command.ts.
import { EXIT, parseImportArgs, runImport, USAGE } from './import.command.js';

const args = parseImportArgs(process.argv.slice(2), process.env);
if (!args.ok) {
  if (args.help) process.stdout.write(`${USAGE}\n`);
  else process.stderr.write(`${args.message}\n\n${USAGE}\n`);
  process.exitCode = args.help ? EXIT.ok : EXIT.usage;
} else {
  const abort = new AbortController();
  process.once('SIGINT', () => {
    abort.abort();
  });
  process.exitCode = await runImport(args.options, {
    out: process.stdout,
    err: process.stderr,
    signal: abort.signal,
  });
}
