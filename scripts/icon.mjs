// Renders the Marketplace icon (media/icon.png, 128×128) from the activity-bar glyph media/nnet.svg, drawn light on
// a dark tile, in headless Chromium (playwright-core). Run when the glyph changes and commit the PNG.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const glyph = fs
  .readFileSync(path.join(root, 'media', 'nnet.svg'), 'utf8')
  .replace('stroke="currentColor"', 'stroke="#f4f7fb"')
  .replace(/width="24" height="24"/, 'width="100" height="100"');
// The tile's colour is package.json's galleryBanner colour, so the icon sits on the Marketplace banner as one piece.
const html = `<!doctype html><html><body style="margin:0;background:transparent">
<div style="width:128px;height:128px;border-radius:24px;background:linear-gradient(145deg,#2b4c7e,#1b2b44);
display:flex;align-items:center;justify-content:center">${glyph}</div></body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(html);
  const out = path.join(root, 'media', 'icon.png');
  await page.screenshot({ path: out, omitBackground: true });
  console.log(`${path.relative(root, out)}: ${fs.statSync(out).size} bytes`);
} finally {
  await browser.close();
}
