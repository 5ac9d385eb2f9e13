// Drives a running code-server with Chromium (playwright-core, the system browser) and saves the
// README's screenshot: demo/app.py open with rampart's diagnostics, the hover on the SQL injection
// and the Problems panel. Run by screenshot.sh, which starts code-server; not part of any test.
//
//   node screenshot.mjs URL OUTPUT.png
// Environment: CHROMIUM (default /usr/bin/chromium), PLAYWRIGHT_CORE (the module to import).

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
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10_000 });
    await page.keyboard.type('app.py');
    await page.waitForTimeout(1_000);
    await page.keyboard.press('Enter');
    try {
      await page.waitForSelector(`${editor} .view-lines`, { timeout: 10_000 });
      break;
    } catch {
      await page.keyboard.press('Escape');
    }
  }

  // rampart's diagnostics: wait for the squiggles.
  await page.waitForSelector(`${editor} .squiggly-error`, { timeout: 120_000 });
  await page.waitForTimeout(1_500);

  // The Problems panel lists them (with rule ids); close notifications first.
  await page.keyboard.press('Control+Shift+M');
  await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 30_000 });
  for (const close of await page.$$('.notifications-toasts .codicon-notifications-clear, .notification-toast .codicon-close')) {
    await close.click().catch(() => {});
  }

  // Hover on the injection's sink: `query` in `db.execute(query)` (line 17, column 23).
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type('17:24');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  await page.waitForSelector('.monaco-hover .hover-contents', { state: 'visible', timeout: 30_000 });
  await page.waitForTimeout(1_000);

  await page.screenshot({ path: output });
  console.log(`screenshot: ${output}`);
} finally {
  await browser.close();
}
