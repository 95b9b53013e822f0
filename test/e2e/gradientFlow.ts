// E2E helpers for the Gradient Flow webview view: open it, and read what it shows (painted canvases, accessible text).
import type { FrameLocator } from 'playwright-core';
import type { Workbench } from './workbench';

export interface WebviewSummary {
  /** Per canvas: size and how many pixels are not fully transparent. */
  readonly canvases: readonly { readonly width: number; readonly height: number; readonly painted: number }[];
  /** Visible text plus aria-label / title / alt attributes: what a screen reader could announce. */
  readonly accessibleText: string;
}

/** Reveals the Gradient Flow view (activity-bar container `nnet`) and returns its webview content frame. */
export async function openGradientFlow(wb: Workbench): Promise<FrameLocator> {
  const iframe = wb.page.locator('iframe.webview.ready[src*="purpose=webviewView"]');
  // Train may reveal the view itself (and take focus while doing so): give it a moment before opening it by hand.
  const shown = await iframe.first().waitFor({ timeout: 5_000 }).then(() => true, () => false);
  if (!shown) {
    await wb.runCommand('Focus on Gradient Flow View');
    await iframe.first().waitFor({ timeout: 30_000 });
  }
  const frame = wb.webview('purpose=webviewView');
  await frame.locator('body').waitFor({ timeout: 30_000 });
  return frame;
}

/** Reads the webview's canvases and accessible text. */
export function summarize(frame: FrameLocator): Promise<WebviewSummary> {
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
    const attrs = [...body.querySelectorAll('[aria-label],[title],[alt]')]
      .map((e) => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('alt')].filter(Boolean).join(' '));
    return { canvases, accessibleText: `${(body as HTMLElement).innerText}\n${attrs.join('\n')}` };
  });
}

/** True when `name` appears as a whole word (layer names like `h1`, `out`). */
export function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\w])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(text);
}
