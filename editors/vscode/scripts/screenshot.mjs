// Drives a running code-server with Chromium (playwright-core, the system browser) and saves the
// README's screenshot: demo/app.py open with rampart's diagnostics and the hover on the SQL
// injection. Run by screenshot.sh, which starts code-server; not part of any test.
//
//   node screenshot.mjs URL OUTPUT.png
// Environment: CHROMIUM (default /usr/bin/chromium), PLAYWRIGHT_CORE (the module to import),
// HOVER_BOTTOM (where the hover's bottom edge is dragged to, default 722 px).

const [url, output] = process.argv.slice(2);
if (!url || !output) {
  console.error('usage: node screenshot.mjs URL OUTPUT.png');
  process.exit(2);
}
const { chromium } = await import(process.env.PLAYWRIGHT_CORE ?? 'playwright-core');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  // Let the workbench restore and the extension host start.
  await page.waitForSelector('.explorer-folders-view', { timeout: 60_000 });
  await page.waitForTimeout(3_000);

  // Open demo/app.py through Quick Open.
  const editor = '.editor-instance .monaco-editor';
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10_000 });
  await page.keyboard.type('app.py');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { state: 'visible', timeout: 10_000 });
  await page.waitForTimeout(500);
  await page.click('.quick-input-list .monaco-list-row');
  await page.waitForSelector(`${editor} .view-lines`, { timeout: 10_000 });

  // rampart's diagnostics: wait for the squiggles.
  await page.waitForSelector(`${editor} .squiggly-error`, { timeout: 120_000 });
  await page.waitForTimeout(1_500);

  // The hover on the injection's sink: `query` in `db.execute(query)` (line 17, column 24). It
  // opens below the line (editor.hover.above is false in the profile).
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type('17:24');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = '.monaco-resizable-hover';
  await page.waitForSelector(`${hover} .hover-contents`, { state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(1_000);

  // A hover starts at most 250 px tall: drag its bottom edge down (the mouse goes over the hover
  // first, so that it stays open) to show the why, the fix and the CWE.
  const box = await page.$eval(hover, (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2, bottom: r.bottom };
  });
  await page.mouse.move(box.x, box.y, { steps: 5 });
  await page.mouse.move(box.x, box.bottom - 2, { steps: 5 });
  await page.waitForTimeout(300);
  await page.mouse.down();
  await page.mouse.move(box.x, box.bottom + 60, { steps: 10 });
  await page.mouse.move(box.x, Number(process.env.HOVER_BOTTOM ?? 722), { steps: 10 });
  await page.mouse.up();
  // Park the mouse inside the hover, away from the highlighted edge.
  await page.mouse.move(box.x + 300, box.y, { steps: 5 });
  await page.waitForTimeout(1_000);

  await page.screenshot({ path: output });
  console.log(`screenshot: ${output}`);
} finally {
  await browser.close();
}
