// E2E helpers for the Gradient Flow webview view: open it, and read what it shows (painted canvases, accessible text).
import type { Frame, Locator } from 'playwright-core';
import type { Workbench } from './workbench';

export interface WebviewSummary {
  /** Per canvas: size and how many pixels are not fully transparent. */
  readonly canvases: readonly { readonly width: number; readonly height: number; readonly painted: number }[];
  /** Visible text plus aria-label / title / alt attributes: what a screen reader could announce. */
  readonly accessibleText: string;
}

/** Something to find elements in: a page's frame, or a frame locator. */
export interface InFrame {
  locator(selector: string): Locator;
}

/**
 * Reveals the Gradient Flow view (activity-bar container `nnet`) and returns its content frame: the frame that holds
 * the view's page. (Found by content, not by the iframe's URL: a view hidden and shown again, e.g. after Run and
 * Debug took the sidebar, gets a new iframe whose URL differs, while the old one may linger.)
 */
export async function openGradientFlow(wb: Workbench): Promise<InFrame> {
  const find = async (): Promise<Frame | undefined> => {
    for (const f of wb.page.frames()) {
      if (f.isDetached()) continue;
      const found = await f
        .locator('#gradflow-chart')
        .count()
        .catch(() => 0);
      if (
        found > 0 &&
        (await f
          .locator('body')
          .isVisible()
          .catch(() => false))
      )
        return f;
    }
    return undefined;
  };
  // Train may reveal the view itself (and take focus while doing so): give it a moment before opening it by hand.
  const shown = await wb.waitUntil('the Gradient Flow view', find, 5_000).catch(() => undefined);
  if (shown) return shown;
  await wb.runCommand('Focus on Gradient Flow View');
  return wb.waitUntil('the Gradient Flow view after Focus on Gradient Flow View', find, 30_000);
}

/** Reads the webview's canvases and accessible text. */
export function summarize(frame: InFrame): Promise<WebviewSummary> {
  return frame.locator('body').evaluate((body) => {
    const canvases = [...body.querySelectorAll('canvas')].map((c) => {
      let painted = 0;
      const ctx = c.width > 0 && c.height > 0 ? c.getContext('2d') : null;
      if (ctx) {
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
      }
      return { width: c.width, height: c.height, painted };
    });
    const attrs = [...body.querySelectorAll('[aria-label],[title],[alt]')].map((e) =>
      [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('alt')].filter(Boolean).join(' '),
    );
    return { canvases, accessibleText: `${(body as HTMLElement).innerText}\n${attrs.join('\n')}` };
  });
}

/** True when `name` appears as a whole word (layer names like `h1`, `out`). */
export function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\w])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(text);
}
