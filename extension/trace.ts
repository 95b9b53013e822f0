// Optional trace of what the extension did (commands, DAP traffic), appended as JSON lines to the file named by
// the NNET_TRACE_FILE environment variable. Off unless that variable is set; used by the end-to-end tests.

import fs from 'node:fs';

const file = process.env.NNET_TRACE_FILE;

/** True when tracing is on. */
export const tracing = !!file;

/** Appends one trace record. Never throws: tracing must not break the extension. */
export function trace(kind: string, data: unknown): void {
  if (!file) return;
  try {
    fs.appendFileSync(file, JSON.stringify({ t: Date.now(), kind, data }) + '\n');
  } catch {
    // A trace that cannot be written is not worth failing a user action for.
  }
}
