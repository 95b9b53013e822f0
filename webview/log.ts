// Webviews have no console a user would read: their own failures go to the host, which writes them to the nnet log.

/** Levels a webview may log at (its own failures: a render that threw, a malformed message it dropped). */
export type WebviewLogLevel = 'warn' | 'error';
/** Longest log message a webview may send; the host drops the rest. */
export const MAX_LOG_TEXT = 1000;

/** A log message as both webviews post it to their host. */
export interface WebviewLogMessage {
  readonly kind: 'log';
  readonly level: WebviewLogLevel;
  readonly message: string;
}

/** Most messages one page sends: a render that fails on every frame must not flood the log. */
const MAX_MESSAGES = 50;

/** A function that posts `what` (and the error's message) to the host, up to MAX_MESSAGES of them. */
export function webviewLogger(
  post: (m: WebviewLogMessage) => void,
): (level: WebviewLogLevel, what: string, err?: unknown) => void {
  let sent = 0;
  return (level, what, err) => {
    const detail = err === undefined ? '' : `: ${err instanceof Error ? err.message : describe(err)}`;
    const message = `${what}${detail}`.slice(0, MAX_LOG_TEXT);
    if (sent >= MAX_MESSAGES) return;
    sent++;
    try {
      post({
        kind: 'log',
        level,
        message:
          sent === MAX_MESSAGES
            ? `${message} (further messages from this view are dropped)`.slice(0, MAX_LOG_TEXT)
            : message,
      });
    } catch {
      /* the host is gone; nobody to tell */
    }
  };
}

function describe(x: unknown): string {
  try {
    return (JSON.stringify(x) ?? String(x)).slice(0, 200);
  } catch {
    return String(x);
  }
}
